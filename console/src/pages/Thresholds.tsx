import { Alert, Button, Card, Col, Flex, Form, Input, InputNumber, Row, Select, Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { useApp } from "../context";
import { when } from "../i18n";
import { label } from "../labels";
import { change, check, LISTS, type Problems, type ThresholdsDoc } from "../thresholds";

function numberFields(doc: ThresholdsDoc): string[] {
  return Object.entries(doc.typologies).filter(([, v]) => typeof v === "number").map(([k]) => k);
}

export function Thresholds() {
  const { api, t, locale, session } = useApp();
  const [current, setCurrent] = useState<ThresholdsDoc | null>(null);
  const [draft, setDraft] = useState<ThresholdsDoc | null>(null);
  const [note, setNote] = useState("");
  const [history, setHistory] = useState<ThresholdsDoc[]>([]);
  const [problems, setProblems] = useState<Problems>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const admin = session.groups.includes("admin");

  const load = () => {
    api.thresholds().then((d) => { setCurrent(d); setDraft(structuredClone(d)); }, (e: Error) => setError(e.message));
    api.thresholdHistory().then((h) => setHistory(h.items), (e: Error) => setError(e.message));
  };
  useEffect(load, [api]);

  const save = async () => {
    if (!current || !draft) return;
    const found = check(draft, note);
    setProblems(found);
    if (Object.keys(found).length) return;
    try {
      const out = await api.putThresholds(change(current, draft, note));
      setSaved(out.version);
      setNote("");
      setError(null);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const num = (value: number, onChange: (v: number) => void, name: string, step = 1) => (
    <InputNumber value={value} step={step} aria-label={name} style={{ width: "100%" }}
      onChange={(v) => onChange(typeof v === "number" ? v : Number.NaN)} data-testid={`thr-${name}`} />
  );
  const problem = (key: string) => (problems[key] ? { validateStatus: "error" as const, help: label(t, problems[key]) } : {});

  return (
    <Flex vertical gap={16}>
      {error && <Alert type="error" title={t("common.error", { message: error })} data-testid="thr-error" />}
      {saved !== null && <Alert type="success" title={t("thr.saved", { version: saved })} data-testid="thr-saved" />}
      {current && draft && (
        <Card size="small" title={t("thr.current", { version: current.version })}>
          <Form layout="vertical" disabled={!admin} onFinish={save} data-testid="thr-form">
            <Typography.Title level={5}>{t("thr.tiers")}</Typography.Title>
            <Form.Item {...problem("tiers")}>
              <Row gutter={12}>
                {(["low", "medium", "high", "critical"] as const).map((k) => (
                  <Col key={k} span={6}>
                    <Form.Item label={t(`tier.${k}`)}>
                      {num(draft.tiers[k], (v) => setDraft({ ...draft, tiers: { ...draft.tiers, [k]: v } }), `tiers.${k}`)}
                    </Form.Item>
                  </Col>
                ))}
              </Row>
            </Form.Item>
            <Typography.Title level={5}>{t("thr.model")}</Typography.Title>
            <Form.Item {...problem("model")}>
              <Row gutter={12}>
                {(["low", "medium", "high"] as const).map((k) => (
                  <Col key={k} span={8}>
                    <Form.Item label={t(`tier.${k}`)}>
                      {num(draft.model[k], (v) => setDraft({ ...draft, model: { ...draft.model, [k]: v } }), `model.${k}`, 0.01)}
                    </Form.Item>
                  </Col>
                ))}
              </Row>
            </Form.Item>
            <Typography.Title level={5}>{t("thr.typologies")}</Typography.Title>
            <Row gutter={12}>
              {numberFields(draft).map((k) => (
                <Col key={k} xs={24} md={8} lg={6}>
                  <Form.Item label={k} {...problem(`typologies.${k}`)}>
                    {num(draft.typologies[k] as number, (v) => setDraft({ ...draft, typologies: { ...draft.typologies, [k]: v } }), k,
                      Number.isInteger(current.typologies[k]) ? 1 : 0.1)}
                  </Form.Item>
                </Col>
              ))}
            </Row>
            <Typography.Title level={5}>{t("thr.lists")}</Typography.Title>
            <Row gutter={12}>
              {(Object.keys(LISTS) as (keyof typeof LISTS)[]).filter((k) => Array.isArray(draft.typologies[k])).map((k) => (
                <Col key={k} xs={24} md={12}>
                  <Form.Item label={k} extra={t(`thr.list.${k}`)} {...problem(`typologies.${k}`)}>
                    <Select mode="tags" aria-label={k} data-testid={`thr-${k}`} tokenSeparators={[",", " "]}
                      value={draft.typologies[k] as string[]}
                      onChange={(v: string[]) => setDraft({ ...draft, typologies: { ...draft.typologies, [k]: v.map((x) => x.trim().toUpperCase()) } })} />
                  </Form.Item>
                </Col>
              ))}
            </Row>
            {admin && (
              <>
                <Form.Item label={t("thr.note")} required {...problem("note")}>
                  <Input.TextArea rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t("thr.why")} aria-label={t("thr.note")} data-testid="thr-note" />
                </Form.Item>
                <Button type="primary" htmlType="submit" data-testid="thr-save">{t("thr.save")}</Button>
              </>
            )}
          </Form>
        </Card>
      )}
      <Card size="small" title={t("thr.history")}>
        <Table<ThresholdsDoc> size="small" rowKey={(r) => String(r.version)} dataSource={history} pagination={false} data-testid="thr-history"
          columns={[
            { title: t("thr.version"), dataIndex: "version" },
            { title: t("thr.by"), dataIndex: "changed_by", render: (v: string | null) => v ?? "-" },
            { title: t("thr.at"), dataIndex: "changed_at", render: (v: string | null) => (v ? when(locale, v) : "-") },
            { title: t("thr.note"), dataIndex: "note", render: (v: string | null) => v ?? "-" },
          ]} />
      </Card>
    </Flex>
  );
}
