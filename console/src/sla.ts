// The review SLA of an open high or critical alert, as the queue shows it: green while
// there is time, amber in the last quarter of the window, red once breached.
import type { AlertSummary } from "./api";

export type SlaLevel = "ok" | "amber" | "red";

export interface SlaState {
  level: SlaLevel;
  remainingMs: number;
}

const OPEN = new Set(["open", "in_review", "escalated"]);

export function sla(alert: AlertSummary, now: number): SlaState | null {
  if (!alert.review_due_at || !OPEN.has(alert.status)) return null;
  if (alert.tier !== "high" && alert.tier !== "critical") return null;
  const due = Date.parse(alert.review_due_at);
  const created = Date.parse(alert.created_at);
  const remainingMs = due - now;
  if (remainingMs <= 0) return { level: "red", remainingMs };
  const windowMs = Math.max(due - created, 1);
  return { level: remainingMs < windowMs / 4 ? "amber" : "ok", remainingMs };
}

export function countdown(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${sign}${h}:${two(m)}:${two(s)}`;
}
