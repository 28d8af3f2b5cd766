import { Alert, Card, Col, Descriptions, Empty, List, Row, Space, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import type { AlertSummary, CustomerRisk, Tier } from "../api";
import { TierTag } from "../components/TierTag";
import { useApp } from "../context";
import { when } from "../i18n";
import { statusLabel } from "../labels";

export function CustomerPage({ customerId }: { customerId: string }) {
  const { api, t, go, locale } = useApp();
  const [risk, setRisk] = useState<CustomerRisk | null>(null);
  const [past, setPast] = useState<AlertSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.customer(customerId).then(setRisk, (e: Error) => setError(e.message));
    api.alerts({ customer_id: customerId, limit: 100 }).then((p) => setPast(p.items), (e: Error) => setError(e.message));
  }, [api, customerId]);
  if (error) return <Alert type="error" title={t("common.error", { message: error })} />;
  if (!risk) return <Typography.Text>{t("common.loading")}</Typography.Text>;
  const p = risk.profile;
  const link = (id: string) => (
    <a href={`#/alerts/${encodeURIComponent(id)}`} onClick={(e) => { e.preventDefault(); go(`#/alerts/${encodeURIComponent(id)}`); }}>{id}</a>
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={4} data-testid="customer-title">{t("cust.title", { id: risk.customer_id })}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("cust.profile")}>
            {p ? (
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t("cust.highest")}>{risk.highest_open_tier ? <TierTag tier={risk.highest_open_tier} /> : "-"}</Descriptions.Item>
                <Descriptions.Item label={t("cust.firstSeen")}>{p.first_seen ? when(locale, p.first_seen) : "-"}</Descriptions.Item>
                <Descriptions.Item label={t("cust.lastEvent")}>{p.last_event ? when(locale, p.last_event) : "-"}</Descriptions.Item>
                <Descriptions.Item label={t("cust.events")}>{p.events_seen}</Descriptions.Item>
                <Descriptions.Item label={t("cust.txns7")}>{p.transactions_last_7_days}</Descriptions.Item>
                <Descriptions.Item label={t("cust.devices")}>{p.devices.join(", ") || "-"}</Descriptions.Item>
                <Descriptions.Item label={t("cust.countries")}>{p.countries.join(", ") || "-"}</Descriptions.Item>
                <Descriptions.Item label={t("cust.counterparties")}>{p.known_counterparties}</Descriptions.Item>
              </Descriptions>
            ) : <Empty description={t("cust.noProfile")} />}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("cust.controls")}>
            {risk.active_controls.length ? (
              <List size="small" dataSource={risk.active_controls}
                renderItem={(c) => <List.Item><Space><Tag>{c.kind}</Tag>{c.account_id}{c.expires_at ? ` · ${when(locale, c.expires_at)}` : ""}</Space></List.Item>} />
            ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("detail.noControls")} />}
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t("cust.past")}>
        <Table<AlertSummary & { decided_by?: string; label?: string }>
          size="small" rowKey="alert_id" pagination={false} dataSource={past} data-testid="customer-alerts"
          columns={[
            { title: t("col.created"), dataIndex: "created_at", render: (v: string) => when(locale, v) },
            { title: t("col.tier"), dataIndex: "tier", render: (v: Tier) => <TierTag tier={v} /> },
            { title: t("col.alert"), dataIndex: "alert_id", render: link },
            { title: t("col.typologies"), dataIndex: "typologies", render: (v: string[]) => v.join(", ") },
            { title: t("col.status"), dataIndex: "status", render: (v: string) => statusLabel(t, v) },
            { title: t("col.assignee"), dataIndex: "assignee", render: (v: string | null) => v ?? "-" },
          ]}
        />
      </Card>
    </Space>
  );
}
