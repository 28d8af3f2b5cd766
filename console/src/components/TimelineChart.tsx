// The customer's last 7 days around an alert: debits and credits by time and amount, and
// below them, on the same time axis, its logins and profile changes (a takeover reads as
// failed logins, a login from a new device, a change of phone, then money out) and its
// loan repayments in that span. The alert's own events are marked; a line at the alert.
import type { EChartsOption } from "echarts";
import { useMemo } from "react";
import type { AccessItem, Evidence, RepaymentItem } from "../api";
import { useApp } from "../context";
import { type Key, MESSAGES, money, when } from "../i18n";
import { Chart } from "./Chart";

type T = (key: Key, vars?: Record<string, string | number>) => string;

/** A login or profile change as a person reads it ("login · new device · new country"). */
export function accessLabel(t: T, a: AccessItem): string {
  const [kind, field] = a.kind.split(":");
  const what = kind === "change"
    ? t("tl.change", { field: field && `tl.field.${field}` in MESSAGES.en ? t(`tl.field.${field}` as Key) : field ?? "" })
    : t(kind === "login_failed" ? "tl.login_failed" : "tl.login");
  return [what, a.new_device && t("tl.newDevice"), a.new_country && t("tl.newCountry")].filter(Boolean).join(" · ");
}

/** A repayment as a person reads it. */
export function repaymentLabel(t: T, locale: string, r: RepaymentItem): string {
  const share = new Intl.NumberFormat(locale, { style: "percent" }).format(r.paid_share);
  return t("tl.repaid", { share, dpd: r.days_past_due });
}

export function TimelineChart({ txns, access = [], repayments = [], evidenceIds, at }: {
  txns: Evidence[]; access?: AccessItem[]; repayments?: RepaymentItem[]; evidenceIds: string[]; at: string;
}) {
  const { locale, t } = useApp();
  const key = evidenceIds.join(",");
  const option = useMemo<EChartsOption>(() => {
    const evidence = new Set(key.split(","));
    const mark = (id: string) => evidence.has(id) ? { borderColor: "#a8071a", borderWidth: 2 } : {};
    const point = (e: Evidence) => ({
      value: [Date.parse(e.at), e.amount],
      symbolSize: evidence.has(e.event_id) ? 14 : 7,
      itemStyle: mark(e.event_id),
      name: `${when(locale, e.at)}<br/>${e.direction} ${e.method} ${money(locale, e.amount)}<br/>${e.counterparty ?? "-"}`,
    });
    const times = [...txns.map((e) => Date.parse(e.at)), ...access.map((a) => Date.parse(a.at)), Date.parse(at)];
    const span = { min: Math.min(...times), max: Math.max(...times) };
    // the profile keeps a year of repayments: those in the chart's span
    const repaid = repayments.filter((r) => Date.parse(r.at) >= span.min && Date.parse(r.at) <= span.max);
    const band = [t("tl.repayment"), t("tl.access")];
    const alertLine = () => ({ symbol: "none" as const, data: [{ xAxis: Date.parse(at) }], lineStyle: { color: "#a8071a" } });
    return {
      tooltip: { formatter: (p: unknown) => (p as { name: string }).name },
      legend: { top: 0 },
      grid: [{ left: 64, right: 24, top: 32, bottom: 104 }, { left: 64, right: 24, height: 48, bottom: 28 }],
      xAxis: [{ type: "time", gridIndex: 0, ...span, axisLabel: { show: false } }, { type: "time", gridIndex: 1, ...span }],
      // a log scale over the decades the amounts span (not ECharts' default 1..10^k)
      yAxis: [{
        type: "log", name: t("ev.amount"), gridIndex: 0,
        min: 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...txns.map((e) => e.amount))))),
        max: 10 ** Math.ceil(Math.log10(Math.max(10, ...txns.map((e) => e.amount)))),
      }, { type: "category", gridIndex: 1, data: band, axisTick: { show: false } }],
      series: [
        { type: "scatter", name: t("tl.debit"), data: txns.filter((e) => e.direction === "debit").map(point), itemStyle: { color: "#1f4e8c" },
          markLine: { ...alertLine(), label: { formatter: t("tl.alert") } } },
        { type: "scatter", name: t("tl.credit"), data: txns.filter((e) => e.direction === "credit").map(point), itemStyle: { color: "#389e0d" } },
        { type: "scatter", name: t("tl.access"), xAxisIndex: 1, yAxisIndex: 1, symbol: "diamond", itemStyle: { color: "#874d00" },
          markLine: { ...alertLine(), label: { show: false } },
          data: access.map((a) => ({
            value: [Date.parse(a.at), t("tl.access")],
            symbolSize: evidence.has(a.event_id) || a.new_device || a.new_country || a.kind !== "login" ? 14 : 8,
            itemStyle: { ...mark(a.event_id), ...(a.kind === "login_failed" || a.new_device ? { color: "#a8071a" } : {}) },
            name: `${when(locale, a.at)}<br/>${accessLabel(t, a)}`,
          })) },
        { type: "scatter", name: t("tl.repayment"), xAxisIndex: 1, yAxisIndex: 1, symbol: "rect", itemStyle: { color: "#531dab" },
          data: repaid.map((r) => {
            const late = r.days_past_due > 0 || r.paid_share < 0.999;
            return {
              value: [Date.parse(r.at), t("tl.repayment")],
              symbolSize: late ? 14 : 8,
              itemStyle: late ? { color: "#a8071a" } : {},
              name: `${when(locale, r.at)}<br/>${repaymentLabel(t, locale, r)}`,
            };
          }) },
      ],
    };
  }, [txns, access, repayments, key, at, locale, t]);
  return <Chart option={option} height={300} testId="timeline" />;
}
