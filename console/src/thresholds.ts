// The thresholds form checks what the API checks (core/config.py): tiers rise within
// 0..1000, amounts, counts and windows are positive, shares lie in (0, 1], the model's
// cut-offs rise within (0, 1), and a change says why. The API refuses anyway.

// the typology thresholds that are shares (config.SHARES; a test keeps the two equal)
export const SHARES = [
  "structuring_band_low", "rapid_out_ratio", "drain_share_of_balance_proxy",
  "delinquency_partial_share", "pass_share", "pass_week_share", "fan_sent_share",
  "linked_second_hop", "linked_min_strength", "forward_share", "refund_share",
  "split_usual_share",
] as const;

// the typology thresholds that are lists of codes, and the form of each code (config.LISTS;
// a test keeps the two equal)
export const LISTS = {
  high_risk_countries: /^[A-Z]{2}$/,
  risky_mcc: /^[0-9]{4}$/,
} as const;

export interface ThresholdsDoc {
  version: number;
  changed_by?: string | null;
  changed_at?: string | null;
  note?: string | null;
  tiers: { low: number; medium: number; high: number; critical: number };
  typologies: Record<string, number | string | string[]>;
  model: { low: number; medium: number; high: number };
}

export type Problems = Record<string, string>; // field path -> i18n key

export function check(doc: ThresholdsDoc, note: string): Problems {
  const out: Problems = {};
  const { low, medium, high, critical } = doc.tiers;
  if (!(0 < low && low < medium && medium < high && high < critical && critical <= 1000)) {
    out["tiers"] = "thr.rising";
  }
  for (const [name, value] of Object.entries(doc.typologies)) {
    if (Array.isArray(value)) {
      const form = (LISTS as Record<string, RegExp>)[name];
      if (form && (value.some((v) => !form.test(v)) || new Set(value).size !== value.length)) {
        out[`typologies.${name}`] = `thr.list.${name}`;
      }
      continue;
    }
    if (typeof value !== "number") continue;
    if (!(value > 0)) out[`typologies.${name}`] = "thr.positive";
    else if ((SHARES as readonly string[]).includes(name) && value > 1) out[`typologies.${name}`] = "thr.share";
  }
  const m = doc.model;
  if (!(0 < m.low && m.low < m.medium && m.medium < m.high && m.high < 1)) out["model"] = "thr.cutoffs";
  if (!note.trim()) out["note"] = "thr.why";
  return out;
}

/** What changed, as the API takes it (only the parts that differ from what is in force). */
export function change(before: ThresholdsDoc, after: ThresholdsDoc, note: string): Record<string, unknown> {
  const body: Record<string, unknown> = { based_on_version: before.version, note };
  for (const part of ["tiers", "typologies", "model"] as const) {
    if (JSON.stringify(before[part]) !== JSON.stringify(after[part])) body[part] = after[part];
  }
  return body;
}
