import { describe, expect, it } from "vitest";
import { Api, ApiError, type AlertDetail, type AlertSummary, type Summary, query } from "./api";
import { summaryCsv } from "./csv";
import { allowed, fourEyesStage, type Me } from "./decision";
import { type Key, MESSAGES, money, translate } from "./i18n";
import { accessLabel, repaymentLabel } from "./components/TimelineChart";
import { countdown, sla } from "./sla";
import { change, check, type ThresholdsDoc } from "./thresholds";
import { authorizeUrl, challengeOf, claims } from "./pkce";
import { THEME_TOKENS, TIER_STYLE, contrast } from "./palette";

const NOW = Date.parse("2026-12-01T12:00:00Z");

function summary(over: Partial<AlertSummary> = {}): AlertSummary {
  return {
    alert_id: "AL-1", customer_id: "C-1", tier: "high", score: 760, risk_category: "aml",
    typologies: ["AML-STRUCTURING"], status: "open", created_at: "2026-12-01T00:00:00Z",
    review_due_at: "2026-12-02T00:00:00Z", ...over,
  };
}

function detail(over: Partial<AlertDetail> = {}): AlertDetail {
  return {
    ...summary(), reason_codes: [], event_ids: [], evidence: [], model_score: 0,
    occurred_at: "2026-12-01T00:00:00Z", last_evidence_at: "2026-12-01T00:00:00Z",
    sla_breaches: 0, waiting_for_decision: true, controls: [], history: [], ...over,
  };
}

const ana: Me = { user: "ana", groups: ["analyst"] };
const sue: Me = { user: "sue", groups: ["supervisor"] };
const aud: Me = { user: "aud", groups: ["auditor"] };

describe("the SLA countdown", () => {
  it("is green with time left, amber in the last quarter, red once breached", () => {
    expect(sla(summary(), NOW)?.level).toBe("ok");
    expect(sla(summary(), Date.parse("2026-12-01T19:00:00Z"))?.level).toBe("amber");
    expect(sla(summary(), Date.parse("2026-12-02T00:00:01Z"))?.level).toBe("red");
  });
  it("shows only on open high and critical alerts", () => {
    expect(sla(summary({ tier: "medium" }), NOW)).toBeNull();
    expect(sla(summary({ status: "closed" }), NOW)).toBeNull();
    expect(sla(summary({ review_due_at: null }), NOW)).toBeNull();
  });
  it("counts down in hours, minutes and seconds", () => {
    expect(countdown(3_723_000)).toBe("1:02:03");
    expect(countdown(-61_000)).toBe("-0:01:01");
  });
});

describe("what a role may do", () => {
  it("an auditor sees no controls at all", () => {
    expect(allowed(detail(), aud)).toEqual({ claim: false, decide: false, why: null });
  });
  it("an analyst claims and decides a high alert waiting for a decision", () => {
    expect(allowed(detail(), ana)).toEqual({ claim: true, decide: true, why: null });
    expect(allowed(detail({ waiting_for_decision: false }), ana).why).toBe("why.notWaiting");
  });
  it("a critical alert: the first review by anyone, the final decision by another supervisor", () => {
    const first = detail({ tier: "critical", waiting_for_decision: false });
    expect(fourEyesStage(first)).toBe("first");
    expect(allowed(first, ana).decide).toBe(true);
    const second = detail({ tier: "critical", first_review: { actor: "sue", outcome: "confirmed", note: "n", at: "" } });
    expect(fourEyesStage(second)).toBe("second");
    expect(allowed(second, ana).why).toBe("why.supervisor");
    expect(allowed(second, sue).why).toBe("why.fourEyes");
    expect(allowed(second, { user: "max", groups: ["supervisor"] }).decide).toBe(true);
  });
  it("someone else's claim and a decided alert leave nothing to do", () => {
    expect(allowed(detail({ assignee: "ben" }), ana).why).toBe("why.claimedByOther");
    expect(allowed(detail({ assignee: "ben" }), sue).decide).toBe(true);
    expect(allowed(detail({ status: "closed" }), sue).why).toBe("why.closed");
  });
  it("an escalated alert is for supervisors", () => {
    expect(allowed(detail({ status: "escalated" }), ana)).toEqual({ claim: false, decide: false, why: "why.supervisor" });
  });
});

describe("both languages", () => {
  it("have every key, none empty", () => {
    const en = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES["zh-CN"]).sort()).toEqual(en);
    for (const locale of ["en", "zh-CN"] as const) {
      for (const k of en) expect(MESSAGES[locale][k as keyof typeof MESSAGES.en].length).toBeGreaterThan(0);
    }
  });
  it("fill in values and format amounts in the locale", () => {
    expect(translate("zh-CN", "queue.count", { n: 3 })).toBe("显示 3 条预警");
    expect(money("en", 1234.5)).toContain("1,234.5");
    expect(money("zh-CN", 1234.5)).toContain("1,234.5");
  });
});

describe("the API client", () => {
  it("builds queries without empty values", () => {
    expect(query({ tier: "high", status: undefined, assignee: "me", limit: 100 })).toBe("?tier=high&assignee=me&limit=100");
    expect(query({})).toBe("");
  });
  it("sends the bearer token and turns an error answer into its message", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const api = new Api("http://x", "tok", async (url, init) => {
      calls.push([url, init]);
      return new Response(JSON.stringify({ statusCode: 409, message: "claimed by ana" }), {
        status: 409, headers: { "content-type": "application/json" },
      });
    });
    await expect(api.claim("AL 1")).rejects.toEqual(new ApiError(409, "claimed by ana"));
    expect(calls[0][0]).toBe("http://x/alerts/AL%201/claim");
    expect((calls[0][1]?.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });
});

describe("the dashboard's CSV", () => {
  it("holds one row per figure, quoted where needed", () => {
    const s: Summary = {
      from: "a", to: "b", alerts: 3, by_tier: { high: 2, critical: 1 }, by_category: {}, by_typology: { "A,B": 1 },
      by_status: {}, mean_seconds_to_claim: 60, mean_seconds_to_decide: null, sla_breaches: 1, alerts_with_sla_breach: 1,
      false_positive_rate_by_typology: { X: { decided: 2, false_positives: 1, rate: 0.5 } },
      false_positive_rate_by_model_version: {}, confirmed: 1, missed_cases: 0, miss_rate: 0,
      by_day_tier: { "2026-11-10": { high: 2 } }, by_day_typology: {},
    };
    const csv = summaryCsv(s);
    expect(csv.split("\n")[0]).toBe("section,key,value");
    expect(csv).toContain("by_tier,high,2\n");
    expect(csv).toContain('by_typology,"A,B",1\n');
    expect(csv).toContain("false_positive_rate_by_typology,X,0.5\n");
    expect(csv).toContain("by_day_tier:2026-11-10,high,2\n");
  });
});

describe("the thresholds form", () => {
  const doc: ThresholdsDoc = {
    version: 3,
    tiers: { low: 300, medium: 500, high: 700, critical: 850 },
    typologies: { large_cash: 50000, rapid_out_ratio: 0.8, high_risk_countries: ["KP"] },
    model: { low: 0.5, medium: 0.8, high: 0.95 },
  };
  it("checks as the API does", () => {
    expect(check(doc, "annual review")).toEqual({});
    expect(check({ ...doc, tiers: { ...doc.tiers, high: 400 } }, "x")).toEqual({ tiers: "thr.rising" });
    expect(check({ ...doc, typologies: { ...doc.typologies, large_cash: 0 } }, "x")).toEqual({ "typologies.large_cash": "thr.positive" });
    expect(check({ ...doc, typologies: { ...doc.typologies, rapid_out_ratio: 1.5 } }, "x")).toEqual({ "typologies.rapid_out_ratio": "thr.share" });
    expect(check({ ...doc, model: { low: 0.9, medium: 0.8, high: 0.95 } }, "x")).toEqual({ model: "thr.cutoffs" });
    expect(check(doc, "  ")).toEqual({ note: "thr.why" });
    const lists = { ...doc.typologies, high_risk_countries: ["IR", "KP"], risky_mcc: ["7995"] };
    expect(check({ ...doc, typologies: lists }, "x")).toEqual({});
    expect(check({ ...doc, typologies: { ...lists, high_risk_countries: ["IR", "Iran"] } }, "x"))
      .toEqual({ "typologies.high_risk_countries": "thr.list.high_risk_countries" });
    expect(check({ ...doc, typologies: { ...lists, risky_mcc: ["7995", "7995"] } }, "x"))
      .toEqual({ "typologies.risky_mcc": "thr.list.risky_mcc" });
  });
  it("sends only what changed, based on the version in force", () => {
    const after = { ...doc, tiers: { ...doc.tiers, critical: 880 } };
    expect(change(doc, after, "fewer criticals")).toEqual({ based_on_version: 3, note: "fewer criticals", tiers: after.tiers });
  });
});

describe("PKCE", () => {
  it("makes the S256 challenge: base64url(SHA-256(verifier)), unpadded", async () => {
    // the value Python's hashlib and base64.urlsafe_b64encode give for the same verifier
    expect(await challengeOf("dBjftJeZ4CVP-mJ92K1qkO4mXz6MgbhdCiNDJ4cyzuyQ")).toBe("2lCY-Z1LjeCgriBwc7F2IJS3C6rABrbcIOT5m6ZQgYQ");
  });
  it("asks the hosted UI for a code with the challenge, and reads the ID token's groups", () => {
    const url = new URL(authorizeUrl({ url: "https://a.auth.x.amazoncognito.com", clientId: "c1", redirectUri: "https://d.cloudfront.net/" }, "CH", "ST"));
    expect(url.pathname).toBe("/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ response_type: "code", client_id: "c1", code_challenge: "CH", code_challenge_method: "S256", state: "ST" });
    const payload = btoa(JSON.stringify({ "cognito:username": "ana", "cognito:groups": ["analyst"], exp: 99 })).replace(/=+$/, "");
    expect(claims(`h.${payload}.s`)).toEqual({ user: "ana", groups: ["analyst"], exp: 99 });
  });
});

describe("the tier colours", () => {
  it("meet WCAG AA contrast (4.5:1) on their tags", () => {
    for (const [tier, s] of Object.entries(TIER_STYLE)) {
      expect(contrast(s.color, s.background), tier).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
  });
});

describe("the theme's text and link colours", () => {
  it("meet WCAG AA contrast (4.5:1) on white and the light greys of headers and tags", () => {
    for (const [name, colour] of Object.entries(THEME_TOKENS)) {
      for (const background of ["#ffffff", "#fafafa", "#f5f5f5", "#f0f2f5"]) {
        expect(contrast(colour, background), `${name} on ${background}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});

describe("a login or profile change on the timeline", () => {
  const t = (key: Key, vars?: Record<string, string | number>) => translate("en", key, vars);
  const zh = (key: Key, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
  const item = (kind: string, new_device = false, new_country = false) => ({ event_id: "e1", at: "2026-11-01T00:00:00Z", kind, new_device, new_country });
  it("reads as a person says it, with what was new, in both languages", () => {
    expect(accessLabel(t, item("login"))).toBe("login");
    expect(accessLabel(t, item("login_failed", true, true))).toBe("failed login · new device · new country");
    expect(accessLabel(t, item("change:phone"))).toBe("changed: phone");
    expect(accessLabel(zh, item("change:device_binding", true))).toBe("变更：设备绑定 · 新设备");
    expect(accessLabel(t, item("change:nickname"))).toBe("changed: nickname");  // a field the console does not know
  });
  it("a repayment says how much was paid and how late", () => {
    const r = { at: "2026-11-01T00:00:00Z", days_past_due: 12, paid_share: 0.5 };
    expect(repaymentLabel(t, "en", r)).toBe("repayment: 50% paid, 12 days past due");
    expect(repaymentLabel(zh, "zh-CN", r)).toBe("还款：已还 50%，逾期 12 天");
  });
});
