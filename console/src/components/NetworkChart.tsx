// A mule or network alert's money between accounts, as a directed graph.
import type { EChartsOption } from "echarts";
import { useMemo } from "react";
import type { NetworkGraph } from "../api";
import { useApp } from "../context";
import { money, when } from "../i18n";
import { Chart } from "./Chart";

export function NetworkChart({ graph }: { graph: NetworkGraph }) {
  const { locale } = useApp();
  const option = useMemo<EChartsOption>(() => ({
    tooltip: {},
    series: [
      {
        type: "graph",
        layout: "force",
        force: { repulsion: 260, edgeLength: 120 },
        roam: true,
        label: { show: true, position: "bottom", fontSize: 11 },
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 9,
        data: graph.nodes.map((n) => ({
          name: n.id,
          symbolSize: n.role === "subject" ? 34 : 20,
          itemStyle: { color: n.role === "subject" ? "#c0392b" : "#1f4e8c" },
        })),
        links: graph.edges.map((e) => ({
          source: e.source,
          target: e.target,
          value: e.amount,
          label: { show: true, formatter: money(locale, e.amount), fontSize: 10 },
          tooltip: { formatter: `${e.source} → ${e.target}<br/>${money(locale, e.amount)}<br/>${when(locale, e.at)}` },
        })),
        lineStyle: { width: 1.5, curveness: 0.15 },
      },
    ],
  }), [graph, locale]);
  return <Chart option={option} height={360} testId="network-graph" />;
}
