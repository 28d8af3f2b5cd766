import { Alert, Badge, Button, Card, Checkbox, Flex, Input, Select, Space, Statistic, Table, Tag, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { useCallback, useEffect, useRef, useState } from "react";
import type { AlertQuery, AlertSummary, Category, Tier } from "../api";
import { TierTag } from "../components/TierTag";
import { useApp } from "../context";
import { reviewer } from "../decision";
import { when } from "../i18n";
import { statusLabel } from "../labels";
import { countdown, sla } from "../sla";

const TIERS: Tier[] = ["low", "medium", "high", "critical"];
const STATUSES = ["open", "in_review", "escalated", "confirmed", "false_positive", "closed", "workflow_failed"] as const;
const CATEGORIES: Category[] = ["fraud", "aml", "account_takeover", "credit"];
const PAGE = 100;
const POLL_MS = 10_000;

function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function Queue() {
  const { api, session, t, go, locale } = useApp();
  const [filters, setFilters] = useState<AlertQuery>({});
  const [items, setItems] = useState<AlertSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [fresh, setFresh] = useState(0);
  const seen = useRef<Set<string>>(new Set());
  const now = useNow(1000);

  const load = useCallback(
    async (more: boolean) => {
      setLoading(true);
      try {
        const page = await api.alerts({ ...filters, limit: PAGE, cursor: more ? cursor ?? undefined : undefined });
        setItems((old) => (more ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
        page.items.forEach((a) => seen.current.add(a.alert_id));
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setLoading(false);
      }
    },
    [api, filters, cursor],
  );

  useEffect(() => {
    seen.current = new Set();
    setFresh(0);
    void load(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters]);

  // new alerts appear without a reload: the first page is polled and merged in on top
  useEffect(() => {
    const id = setInterval(async () => {
      try {
        const page = await api.alerts({ ...filters, limit: PAGE });
        const added = page.items.filter((a) => !seen.current.has(a.alert_id));
        if (added.length) {
          added.forEach((a) => seen.current.add(a.alert_id));
          setItems((old) => [...added, ...old]);
          setFresh((n) => n + added.length);
        }
      } catch {
        /* the next poll tries again */
      }
    }, POLL_MS);
    return () => clearInterval(id);
  }, [api, filters]);

  const claim = async (id: string) => {
    try {
      const a = await api.claim(id);
      setItems((old) => old.map((x) => (x.alert_id === id ? { ...x, ...a } : x)));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const counts = TIERS.map((tier) => [tier, items.filter((a) => a.tier === tier).length] as const);
  const columns: ColumnsType<AlertSummary> = [
    {
      title: t("col.created"), dataIndex: "created_at", width: 190,
      sorter: (a, b) => a.created_at.localeCompare(b.created_at), defaultSortOrder: "descend",
      render: (v: string) => when(locale, v),
    },
    {
      title: t("col.tier"), dataIndex: "tier", width: 90,
      sorter: (a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier),
      render: (v: Tier) => <TierTag tier={v} />,
    },
    { title: t("col.score"), dataIndex: "score", width: 80, sorter: (a, b) => a.score - b.score },
    {
      title: t("col.alert"), dataIndex: "alert_id",
      render: (v: string) => (
        <a href={`#/alerts/${encodeURIComponent(v)}`} onClick={(e) => { e.preventDefault(); go(`#/alerts/${encodeURIComponent(v)}`); }}>
          {v}
        </a>
      ),
    },
    {
      title: t("col.customer"), dataIndex: "customer_id",
      render: (v: string) => (
        <a href={`#/customers/${encodeURIComponent(v)}`} onClick={(e) => { e.preventDefault(); go(`#/customers/${encodeURIComponent(v)}`); }}>{v}</a>
      ),
    },
    { title: t("col.category"), dataIndex: "risk_category", render: (v: Category) => t(`category.${v}`) },
    { title: t("col.typologies"), dataIndex: "typologies", render: (v: string[]) => v.filter((c) => c !== "MODEL").join(", ") },
    { title: t("col.status"), dataIndex: "status", render: (v: string) => statusLabel(t, v) },
    {
      title: t("col.sla"), key: "sla", width: 150,
      render: (_, a) => {
        const s = sla(a, now);
        if (!s) return null;
        const color = s.level === "red" ? "error" : s.level === "amber" ? "warning" : "success";
        const text = s.level === "red" ? t("sla.breached", { time: countdown(-s.remainingMs) }) : t("sla.left", { time: countdown(s.remainingMs) });
        return <Badge status={color} text={text} data-testid={`sla-${s.level}`} />;
      },
    },
    {
      title: t("col.assignee"), dataIndex: "assignee", width: 140,
      render: (v: string | null, a) =>
        v ?? (reviewer(session) && !["confirmed", "false_positive", "closed"].includes(a.status) ? (
          <Button size="small" onClick={() => claim(a.alert_id)} data-testid={`claim-${a.alert_id}`}>
            {t("queue.claim")}
          </Button>
        ) : null),
    },
  ];
  const set = (patch: Partial<AlertQuery>) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Flex gap={12} wrap>
        {counts.map(([tier, n]) => (
          <Card key={tier} size="small" style={{ minWidth: 120 }}>
            <Statistic title={<TierTag tier={tier} />} value={n} />
          </Card>
        ))}
      </Flex>
      <Card size="small" title={t("queue.filters")}>
        <Flex gap={12} wrap align="center">
          <Select allowClear placeholder={t("queue.tier")} aria-label={t("queue.tier")} style={{ width: 130 }}
            value={filters.tier} onChange={(v) => set({ tier: v })}
            options={TIERS.map((v) => ({ value: v, label: t(`tier.${v}`) }))} data-testid="filter-tier" />
          <Select allowClear placeholder={t("queue.status")} aria-label={t("queue.status")} style={{ width: 150 }}
            value={filters.status} onChange={(v) => set({ status: v })}
            options={STATUSES.map((v) => ({ value: v, label: t(`status.${v}`) }))} />
          <Select allowClear placeholder={t("queue.category")} aria-label={t("queue.category")} style={{ width: 170 }}
            value={filters.category} onChange={(v) => set({ category: v })}
            options={CATEGORIES.map((v) => ({ value: v, label: t(`category.${v}`) }))} />
          <Input.Search allowClear placeholder={t("queue.typology")} aria-label={t("queue.typology")} style={{ width: 220 }}
            onSearch={(v) => set({ typology: v.trim().toUpperCase() || undefined })} />
          <Input.Search allowClear placeholder={t("queue.customer")} aria-label={t("queue.customer")} style={{ width: 180 }}
            onSearch={(v) => set({ customer_id: v.trim() || undefined })} />
          <Checkbox checked={filters.assignee === "me"} onChange={(e) => set({ assignee: e.target.checked ? "me" : undefined })}>
            {t("queue.mine")}
          </Checkbox>
          <Button onClick={() => void load(false)}>{t("queue.refresh")}</Button>
          {fresh > 0 && <Tag color="processing">{t("queue.new", { n: fresh })}</Tag>}
        </Flex>
      </Card>
      {error && <Alert type="error" title={t("common.error", { message: error })} />}
      <Table<AlertSummary>
        rowKey="alert_id"
        size="small"
        columns={columns}
        dataSource={items}
        loading={loading}
        pagination={false}
        virtual
        scroll={{ y: 560, x: 1200 }}
        locale={{ emptyText: t("queue.empty") }}
        data-testid="queue"
      />
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary" data-testid="queue-count">{t("queue.count", { n: items.length })}</Typography.Text>
        <Button disabled={!cursor} onClick={() => void load(true)} data-testid="more">
          {t("queue.more")}
        </Button>
      </Flex>
    </Space>
  );
}
