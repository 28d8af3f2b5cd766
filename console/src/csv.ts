// The dashboard's figures as CSV (one row per figure: section, key, value).
import type { Summary } from "./api";

function cell(v: string | number | null): string {
  const s = v === null ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function summaryCsv(s: Summary): string {
  const rows: (string | number | null)[][] = [["section", "key", "value"]];
  rows.push(["period", "from", s.from], ["period", "to", s.to], ["total", "alerts", s.alerts]);
  for (const [section, values] of [["by_tier", s.by_tier], ["by_typology", s.by_typology], ["by_category", s.by_category], ["by_status", s.by_status]] as const) {
    for (const [k, v] of Object.entries(values)) rows.push([section, k, v]);
  }
  for (const [section, values] of [["false_positive_rate_by_typology", s.false_positive_rate_by_typology], ["false_positive_rate_by_model_version", s.false_positive_rate_by_model_version]] as const) {
    for (const [k, v] of Object.entries(values)) rows.push([section, k, v.rate]);
  }
  for (const [day, tiers] of Object.entries(s.by_day_tier ?? {})) {
    for (const [k, v] of Object.entries(tiers)) rows.push([`by_day_tier:${day}`, k, v]);
  }
  rows.push(["quality", "miss_rate", s.miss_rate], ["sla", "breaches", s.sla_breaches],
    ["time", "mean_seconds_to_claim", s.mean_seconds_to_claim], ["time", "mean_seconds_to_decide", s.mean_seconds_to_decide]);
  return rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";
}
