import { Alert, Card, Flex, Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { useApp } from "../context";
import { when } from "../i18n";

export function Thresholds() {
  const { api, t, locale } = useApp();
  const [current, setCurrent] = useState<Record<string, unknown> | null>(null);
  const [history, setHistory] = useState<Record<string, unknown>[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.thresholds().then(setCurrent, (e: Error) => setError(e.message));
    api.thresholdHistory().then((h) => setHistory(h.items), (e: Error) => setError(e.message));
  }, [api]);
  return (
    <Flex vertical gap={16}>
      {error && <Alert type="error" title={t("common.error", { message: error })} />}
      {current && (
        <Card size="small" title={t("thr.current", { version: String(current.version ?? "-") })}>
          <Typography.Paragraph>
            <pre style={{ maxHeight: 420, overflow: "auto" }} data-testid="thresholds">{JSON.stringify(current, null, 2)}</pre>
          </Typography.Paragraph>
        </Card>
      )}
      <Card size="small" title={t("thr.history")}>
        <Table size="small" rowKey={(r) => String(r.version)} dataSource={history} pagination={false}
          columns={[
            { title: "version", dataIndex: "version" },
            { title: "by", dataIndex: "changed_by" },
            { title: "at", dataIndex: "changed_at", render: (v: string) => (v ? when(locale, v) : "-") },
            { title: "why", dataIndex: "note" },
          ]} />
      </Card>
    </Flex>
  );
}
