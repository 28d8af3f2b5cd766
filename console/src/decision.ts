// What the signed-in person may do with an alert: the same rules the API enforces (the API
// refuses anyway; the console only leaves out what a role may not use).
import type { AlertDetail } from "./api";

export type Role = "analyst" | "supervisor" | "auditor" | "admin";

export interface Me {
  user: string;
  groups: Role[];
}

export interface Allowed {
  claim: boolean;
  decide: boolean;
  why: string | null; // the reason deciding is not possible now (an i18n key), if any
}

const CLOSED = new Set(["confirmed", "false_positive", "closed", "workflow_failed"]);

export function reviewer(me: Me): boolean {
  return me.groups.includes("analyst") || me.groups.includes("supervisor");
}

export function allowed(alert: AlertDetail, me: Me): Allowed {
  if (!reviewer(me)) return { claim: false, decide: false, why: null };
  if (CLOSED.has(alert.status)) return { claim: false, decide: false, why: "why.closed" };
  const supervisor = me.groups.includes("supervisor");
  const escalated = alert.status === "escalated" || alert.review_stage === "supervisor";
  const mine = !alert.assignee || alert.assignee === me.user;
  const claim = !alert.assignee && (!escalated || supervisor);
  if (!mine && !supervisor) return { claim, decide: false, why: "why.claimedByOther" };
  if (alert.tier !== "high" && alert.tier !== "critical") return { claim, decide: true, why: null };
  if (escalated && !supervisor) return { claim, decide: false, why: "why.supervisor" };
  if (alert.tier === "critical" && alert.first_review) {
    // four eyes: a supervisor who is not the first reviewer makes the final decision
    if (!supervisor) return { claim, decide: false, why: "why.supervisor" };
    if (alert.first_review.actor === me.user) return { claim, decide: false, why: "why.fourEyes" };
  }
  const first = alert.tier === "critical" && !alert.first_review;
  if (!first && !alert.waiting_for_decision) return { claim, decide: false, why: "why.notWaiting" };
  return { claim, decide: true, why: null };
}

export function fourEyesStage(alert: AlertDetail): "none" | "first" | "second" {
  if (alert.tier !== "critical") return "none";
  return alert.first_review ? "second" : "first";
}
