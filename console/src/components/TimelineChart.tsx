// The customer's transactions around an alert (the ledger's last 7 days): debits and
// credits by time and amount, the alert's own evidence marked, a line at the alert.
import type { EChartsOption } from "echarts";
import { useMemo } from "react";
import type { Evidence } from "../api";
import { useApp } from "../context";
import { money, when } from "../i18n";
import { Chart } from "./Chart";

export function TimelineChart({ txns, evidenceIds, at }: { txns: Evidence[]; evidenceIds: string[]; at: string }) {
  const { locale, t } = useApp();
  const key = evidenceIds.join(",");
  const option = useMemo<EChartsOption>(() => {
    const evidence = new Set(key.split(","));
    const point = (e: Evidence) => ({
      value: [Date.parse(e.at), e.amount],
      symbolSize: evidence.has(e.event_id) ? 14 : 7,
      itemStyle: evidence.has(e.event_id) ? { borderColor: "#a8071a", borderWidth: 2 } : {},
      name: `${when(locale, e.at)}<br/>${e.direction} ${e.method} ${money(locale, e.amount)}<br/>${e.counterparty ?? "-"}`,
    });
    return {
      tooltip: { formatter: (p: unknown) => (p as { name: string }).name },
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 32, bottom: 32 },
      xAxis: { type: "time" },
      // a log scale over the decades the amounts span (not ECharts' default 1..10^k)
      yAxis: {
        type: "log", name: t("ev.amount"),
        min: 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...txns.map((e) => e.amount))))),
        max: 10 ** Math.ceil(Math.log10(Math.max(10, ...txns.map((e) => e.amount)))),
      },
      series: [
        { type: "scatter", name: t("tl.debit"), data: txns.filter((e) => e.direction === "debit").map(point), itemStyle: { color: "#1f4e8c" },
          markLine: { symbol: "none", data: [{ xAxis: Date.parse(at) }], lineStyle: { color: "#a8071a" }, label: { formatter: t("tl.alert") } } },
        { type: "scatter", name: t("tl.credit"), data: txns.filter((e) => e.direction === "credit").map(point), itemStyle: { color: "#389e0d" } },
      ],
    };
  }, [txns, key, at, locale, t]);
  return <Chart option={option} height={260} testId="timeline" />;
}
