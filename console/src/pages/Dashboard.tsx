import { Alert, Button, Card, Col, DatePicker, Flex, Row, Statistic } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import type { EChartsOption } from "echarts";
import { useEffect, useMemo, useState } from "react";
import type { Summary } from "../api";
import { Chart } from "../components/Chart";
import { useApp } from "../context";
import { summaryCsv } from "../csv";

const TIER_ORDER = ["low", "medium", "high", "critical"];

function bars(names: string[], values: number[], color: string, percent = false): EChartsOption {
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 160, right: 56, top: 16, bottom: 24 },
    xAxis: { type: "value", axisLabel: percent ? { formatter: (v: number) => `${Math.round(v * 100)}%` } : {} },
    yAxis: { type: "category", data: names },
    series: [{ type: "bar", data: values, itemStyle: { color }, label: { show: true, position: "right", formatter: percent ? ((p: { value: unknown }) => `${Math.round(Number(p.value) * 100)}%`) : "{c}" } }],
  };
}

const TIER_COLORS: Record<string, string> = { low: "#8c8c8c", medium: "#d4b106", high: "#d46b08", critical: "#cf1322" };

/** Stacked columns per day: one series per key (tiers in their order, or typologies). */
export function overTime(byDay: Record<string, Record<string, number>>, keys: string[],
                         name: (k: string) => string, colors: Record<string, string> = {}): EChartsOption {
  const days = Object.keys(byDay).sort();
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 48, right: 24, top: 36, bottom: 32 },
    xAxis: { type: "category", data: days },
    yAxis: { type: "value", minInterval: 1 },
    series: keys.map((k) => ({
      type: "bar", stack: "alerts", name: name(k), data: days.map((d) => byDay[d][k] ?? 0),
      ...(colors[k] ? { itemStyle: { color: colors[k] } } : {}),
    })),
  };
}

function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
}

export function Dashboard() {
  const { api, t } = useApp();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(30, "day"), dayjs().add(1, "day")]);
  const [data, setData] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.summary(range[0].toISOString(), range[1].toISOString()).then((s) => { setData(s); setError(null); }, (e: Error) => setError(e.message));
  }, [api, range]);
  const tiers = useMemo(() => (data ? TIER_ORDER.filter((k) => k in data.by_tier) : []), [data]);
  const typologies = useMemo(() => (data ? Object.entries(data.by_typology).sort((a, b) => a[1] - b[1]) : []), [data]);
  const fpTyp = useMemo(() => (data ? Object.entries(data.false_positive_rate_by_typology) : []), [data]);
  const fpModel = useMemo(() => (data ? Object.entries(data.false_positive_rate_by_model_version) : []), [data]);
  const exportCsv = () => {
    if (!data) return;
    const url = URL.createObjectURL(new Blob([summaryCsv(data)], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `riskwarn-summary-${range[0].format("YYYYMMDD")}-${range[1].format("YYYYMMDD")}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Flex vertical gap={16}>
      <Flex gap={12} align="center" wrap>
        <span>{t("dash.period")}</span>
        <DatePicker.RangePicker value={range} onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
        <Button onClick={exportCsv} disabled={!data} data-testid="csv">{t("dash.csv")}</Button>
      </Flex>
      {error && <Alert type="error" title={t("common.error", { message: error })} />}
      {data && (
        <>
          <Row gutter={16}>
            <Col xs={12} md={4}><Card size="small"><Statistic title={t("dash.alerts")} value={data.alerts} data-testid="stat-alerts" /></Card></Col>
            <Col xs={12} md={5}><Card size="small"><Statistic title={t("dash.missRate")} value={data.miss_rate === null ? "-" : `${(data.miss_rate * 100).toFixed(1)}%`} /></Card></Col>
            <Col xs={12} md={5}><Card size="small"><Statistic title={t("dash.slaBreaches")} value={data.sla_breaches} /></Card></Col>
            <Col xs={12} md={5}><Card size="small"><Statistic title={t("dash.toClaim")} value={duration(data.mean_seconds_to_claim)} /></Card></Col>
            <Col xs={12} md={5}><Card size="small"><Statistic title={t("dash.toDecide")} value={duration(data.mean_seconds_to_decide)} /></Card></Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.byTier")}><Chart testId="chart-tier" option={bars(tiers.map((k) => t(`tier.${k as "low"}`)), tiers.map((k) => data.by_tier[k]), "#1f4e8c")} /></Card></Col>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.byTypology")}><Chart testId="chart-typology" option={bars(typologies.map(([k]) => k), typologies.map(([, v]) => v), "#c0392b")} /></Card></Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.tierOverTime")}><Chart testId="chart-tier-days" option={overTime(data.by_day_tier, TIER_ORDER.filter((k) => k in data.by_tier), (k) => t(`tier.${k as "low"}`), TIER_COLORS)} /></Card></Col>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.typologyOverTime")}><Chart testId="chart-typology-days" option={overTime(data.by_day_typology, Object.keys(data.by_typology), (k) => k)} /></Card></Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.fpByTypology")}><Chart testId="chart-fp-typology" option={bars(fpTyp.map(([k]) => k), fpTyp.map(([, v]) => v.rate), "#d48806", true)} /></Card></Col>
            <Col xs={24} lg={12}><Card size="small" title={t("dash.fpByModel")}><Chart testId="chart-fp-model" option={bars(fpModel.map(([k]) => k), fpModel.map(([, v]) => v.rate), "#389e0d", true)} /></Card></Col>
          </Row>
        </>
      )}
    </Flex>
  );
}
