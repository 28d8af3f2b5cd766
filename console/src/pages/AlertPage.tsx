import { Alert, Button, Card, Col, Descriptions, Empty, Flex, Form, Input, List, Radio, Row, Space, Table, Tag, Timeline, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import type { AccessItem, AlertDetail, Evidence, Outcome, RepaymentItem } from "../api";
import { NetworkChart } from "../components/NetworkChart";
import { TimelineChart } from "../components/TimelineChart";
import { TierTag } from "../components/TierTag";
import { useApp } from "../context";
import { allowed, fourEyesStage, reviewer } from "../decision";
import { money, when } from "../i18n";
import { label, statusLabel } from "../labels";

const OUTCOMES: Outcome[] = ["confirmed", "false_positive", "needs_info"];

export function AlertPageView({ alertId }: { alertId: string }) {
  const { api, session, t, go, locale } = useApp();
  const [alert, setAlert] = useState<AlertDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [str, setStr] = useState<string | null>(null);
  const [txns, setTxns] = useState<Evidence[]>([]);
  const [access, setAccess] = useState<AccessItem[]>([]);
  const [repayments, setRepayments] = useState<RepaymentItem[]>([]);
  const [form] = Form.useForm<{ outcome: Outcome; note: string }>();

  const load = useCallback(async () => {
    try {
      setAlert(await api.alert(alertId));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, alertId]);
  useEffect(() => {
    void load();
  }, [load]);
  const customerId = alert?.customer_id;
  useEffect(() => {
    if (customerId) {
      api.customer(customerId).then((c) => {
        setTxns(c.profile?.recent_transactions ?? []);
        setAccess(c.profile?.recent_access ?? []);
        setRepayments(c.profile?.recent_repayments ?? []);
      }, () => { setTxns([]); setAccess([]); setRepayments([]); });
    }
  }, [api, customerId]);
  useEffect(() => {
    if (alert && (alert.status === "confirmed" || alert.status === "closed") && alert.risk_category === "aml") {
      api.strText(`STR-${alert.alert_id}`).then(setStr, () => setStr(null));
    }
  }, [api, alert]);

  if (error) return <Alert type="error" title={t("common.error", { message: error })} />;
  if (!alert) return <Typography.Text>{t("common.loading")}</Typography.Text>;
  const can = allowed(alert, session);
  const stage = fourEyesStage(alert);

  const claim = async () => {
    setBusy(true);
    try {
      setAlert(await api.claim(alert.alert_id));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const decide = async (v: { outcome: Outcome; note: string }) => {
    setBusy(true);
    try {
      const out = await api.decide(alert.alert_id, v.outcome, v.note);
      setDone(out.state);
      setAlert(out.alert);
      form.resetFields();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const download = () => {
    if (!str) return;
    const url = URL.createObjectURL(new Blob([str], { type: "text/markdown" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `STR-${alert.alert_id}.md`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Button onClick={() => go("#/alerts")}>{t("detail.back")}</Button>
      <Card
        title={<Space><TierTag tier={alert.tier} />{alert.alert_id}</Space>}
        extra={<Tag data-testid="status">{statusLabel(t, alert.status)}</Tag>}
      >
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t("detail.score")}>{alert.score}</Descriptions.Item>
          <Descriptions.Item label={t("detail.modelScore")}>{alert.model_score}</Descriptions.Item>
          <Descriptions.Item label={t("col.category")}>{t(`category.${alert.risk_category}`)}</Descriptions.Item>
          <Descriptions.Item label={t("col.customer")}>
            <a href={`#/customers/${encodeURIComponent(alert.customer_id)}`} onClick={(e) => { e.preventDefault(); go(`#/customers/${encodeURIComponent(alert.customer_id)}`); }} data-testid="customer-link">{alert.customer_id}</a>
          </Descriptions.Item>
          <Descriptions.Item label={t("col.typologies")}>{alert.typologies.join(", ")}</Descriptions.Item>
          <Descriptions.Item label={t("col.assignee")}>{alert.assignee ?? "-"}</Descriptions.Item>
          <Descriptions.Item label={t("col.created")}>{when(locale, alert.created_at)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <Card size="small" title={t("detail.reasons")}>
              <List size="small" dataSource={alert.reason_codes} renderItem={(r) => <List.Item>{r}</List.Item>} data-testid="reasons" />
            </Card>
            <Card size="small" title={t("detail.evidence")}>
              <Table<Evidence>
                size="small" rowKey="event_id" pagination={false} dataSource={alert.evidence}
                columns={[
                  { title: t("ev.at"), dataIndex: "at", render: (v: string) => when(locale, v) },
                  { title: t("ev.direction"), dataIndex: "direction" },
                  { title: t("ev.method"), dataIndex: "method" },
                  { title: t("ev.amount"), dataIndex: "amount", align: "right", render: (v: number) => money(locale, v) },
                  { title: t("ev.counterparty"), dataIndex: "counterparty", render: (v: string | null) => v ?? "-" },
                  { title: t("ev.own"), dataIndex: "own_account", render: (v: boolean) => (v ? t("common.yes") : t("common.no")) },
                ]}
              />
            </Card>
            {txns.length + access.length + repayments.length > 0 && (
              <Card size="small" title={t("tl.title")}>
                <TimelineChart txns={txns} access={access} repayments={repayments} evidenceIds={alert.event_ids} at={alert.occurred_at} />
              </Card>
            )}
            {alert.network && (
              <Card size="small" title={t("detail.network")}>
                <NetworkChart graph={alert.network} />
              </Card>
            )}
            {str && (
              <Card size="small" title={t("detail.str")} extra={<Button onClick={download}>{t("detail.download")}</Button>}>
                <pre style={{ whiteSpace: "pre-wrap", maxHeight: 320, overflow: "auto" }}>{str}</pre>
              </Card>
            )}
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <Card size="small" title={t("detail.decision")} data-testid="decision-card">
              {done && <Alert type="success" title={t("detail.decided", { state: done })} style={{ marginBottom: 12 }} data-testid="decided" />}
              {alert.first_review && (
                <Alert type="info" style={{ marginBottom: 12 }} data-testid="first-review"
                  title={t("detail.firstReview", { actor: alert.first_review.actor, outcome: t(`outcome.${alert.first_review.outcome as Outcome}`), note: alert.first_review.note })} />
              )}
              {stage !== "none" && can.decide && (
                <Alert type="warning" style={{ marginBottom: 12 }} title={t(stage === "first" ? "detail.fourEyesFirst" : "detail.fourEyesSecond")} />
              )}
              {!reviewer(session) ? (
                <Typography.Text type="secondary" data-testid="read-only">{t("detail.readOnly")}</Typography.Text>
              ) : (
                <>
                  {can.why && <Alert type="warning" title={label(t, can.why)} style={{ marginBottom: 12 }} data-testid="why" />}
                  {can.claim && (
                    <Button onClick={claim} loading={busy} style={{ marginBottom: 12 }} data-testid="claim">{t("queue.claim")}</Button>
                  )}
                  {can.decide && (
                    <Form form={form} layout="vertical" onFinish={decide} data-testid="decision-form">
                      <Form.Item name="outcome" label={t("detail.outcome")} rules={[{ required: true }]}>
                        <Radio.Group options={OUTCOMES.map((o) => ({ value: o, label: t(`outcome.${o}`) }))} />
                      </Form.Item>
                      <Form.Item name="note" label={t("detail.note")} rules={[{ required: true, max: 2000 }]}>
                        <Input.TextArea rows={3} placeholder={t("detail.notePlaceholder")} />
                      </Form.Item>
                      <Button type="primary" htmlType="submit" loading={busy} data-testid="submit">{t("detail.submit")}</Button>
                    </Form>
                  )}
                </>
              )}
            </Card>
            <Card size="small" title={t("detail.controls")}>
              {alert.controls.length ? (
                <List size="small" dataSource={alert.controls}
                  renderItem={(c) => <List.Item><Space><Tag>{c.kind}</Tag>{c.status}{c.expires_at ? ` · ${when(locale, c.expires_at)}` : ""}</Space></List.Item>} />
              ) : (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("detail.noControls")} />
              )}
            </Card>
            <Card size="small" title={t("detail.history")}>
              <Timeline items={alert.history.map((h) => ({ children: <Flex vertical><Typography.Text strong>{h.action} · {h.actor}</Typography.Text><Typography.Text type="secondary">{when(locale, h.at)}</Typography.Text><Typography.Text>{h.detail}</Typography.Text></Flex> }))} />
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
