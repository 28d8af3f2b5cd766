import type { ThresholdsDoc } from "./thresholds";

// The staff API, typed as docs/openapi.json describes it. Every call carries the bearer
// token held in memory; an error answer becomes an ApiError with the API's message.

export type Tier = "low" | "medium" | "high" | "critical";
export type Category = "fraud" | "aml" | "account_takeover" | "credit";
export type Outcome = "confirmed" | "false_positive" | "needs_info";

export interface AlertSummary {
  alert_id: string;
  customer_id: string;
  account_id?: string | null;
  tier: Tier;
  score: number;
  risk_category: Category;
  typologies: string[];
  status: string;
  created_at: string;
  assignee?: string | null;
  review_stage?: string | null;
  review_due_at?: string | null;
  model_version?: string | null;
}

export interface Evidence {
  event_id: string;
  at: string;
  amount: number;
  direction: string;
  method: string;
  counterparty?: string | null;
  own_account: boolean;
}

export interface HistoryItem {
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface Control {
  account_id: string;
  control_id: string;
  kind: string;
  status: string;
  alert_id?: string | null;
  reason?: string | null;
  created_at?: string | null;
  expires_at?: string | null;
  lifted_at?: string | null;
}

export interface NetworkGraph {
  nodes: { id: string; role: "subject" | "party" }[];
  edges: { source: string; target: string; amount: number; at: string }[];
}

export interface AlertDetail extends AlertSummary {
  reason_codes: string[];
  event_ids: string[];
  evidence: Evidence[];
  model_score: number;
  model_typology?: string | null;
  occurred_at: string;
  last_evidence_at: string;
  claimed_at?: string | null;
  decided_at?: string | null;
  decided_by?: string | null;
  last_decision?: string | null;
  label?: string | null;
  first_review?: { actor: string; outcome: string; note: string; at: string } | null;
  sla_breaches: number;
  waiting_for_decision: boolean;
  controls: Control[];
  history: HistoryItem[];
  network?: NetworkGraph | null;
}

export interface AlertPage {
  items: AlertSummary[];
  next_cursor?: string | null;
}

export interface DecisionOut {
  state: string;
  alert: AlertDetail;
}

export interface AlertQuery {
  status?: string;
  tier?: Tier;
  category?: Category;
  typology?: string;
  customer_id?: string;
  assignee?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly fetcher: Fetch = (i, init) => fetch(i, init),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const resp = await this.fetcher(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = resp.headers.get("content-type") ?? "";
    const doc = type.startsWith("application/json") ? await resp.json() : await resp.text();
    if (!resp.ok) {
      const message = typeof doc === "object" && doc && "message" in doc ? String(doc.message) : String(doc);
      throw new ApiError(resp.status, message);
    }
    return doc as T;
  }

  alerts(q: AlertQuery): Promise<AlertPage> {
    return this.call("GET", `/alerts${query({ ...q })}`);
  }
  alert(id: string): Promise<AlertDetail> {
    return this.call("GET", `/alerts/${encodeURIComponent(id)}`);
  }
  claim(id: string): Promise<AlertDetail> {
    return this.call("POST", `/alerts/${encodeURIComponent(id)}/claim`);
  }
  decide(id: string, outcome: Outcome, note: string): Promise<DecisionOut> {
    return this.call("POST", `/alerts/${encodeURIComponent(id)}/decision`, { outcome, note });
  }
  customer(id: string): Promise<CustomerRisk> {
    return this.call("GET", `/customers/${encodeURIComponent(id)}/risk`);
  }
  summary(from: string, to: string): Promise<Summary> {
    return this.call("GET", `/reports/summary${query({ from, to })}`);
  }
  strText(reportId: string): Promise<string> {
    return this.call("GET", `/reports/str/${encodeURIComponent(reportId)}`);
  }
  thresholds(): Promise<ThresholdsDoc> {
    return this.call("GET", "/config/thresholds");
  }
  thresholdHistory(): Promise<{ items: ThresholdsDoc[] }> {
    return this.call("GET", "/config/thresholds/history");
  }
  putThresholds(body: Record<string, unknown>): Promise<ThresholdsDoc> {
    return this.call("PUT", "/config/thresholds", body);
  }
}

export interface CustomerRisk {
  customer_id: string;
  profile: {
    first_seen: string | null;
    last_event: string | null;
    events_seen: number;
    transactions_last_7_days: number;
    devices: string[];
    countries: string[];
    known_counterparties: number;
    own_accounts: number;
    failed_logins_recent: number;
    recent_transactions: Evidence[];
    recent_access?: AccessItem[];
    recent_repayments?: RepaymentItem[];
  } | null;
  open_alerts: AlertSummary[];
  active_controls: Control[];
  highest_open_tier?: Tier | null;
}

/** A login or profile change of the customer's last 7 days (kind: login, login_failed,
 * change:<field>). */
export interface AccessItem {
  event_id: string;
  at: string;
  kind: string;
  new_device: boolean;
  new_country: boolean;
}

/** A loan repayment the profile keeps (its last 12). */
export interface RepaymentItem {
  at: string;
  days_past_due: number;
  paid_share: number;
}

export interface Rate {
  decided: number;
  false_positives: number;
  rate: number;
}

export interface Summary {
  from: string;
  to: string;
  alerts: number;
  by_tier: Record<string, number>;
  by_category: Record<string, number>;
  by_typology: Record<string, number>;
  by_status: Record<string, number>;
  mean_seconds_to_claim: number | null;
  mean_seconds_to_decide: number | null;
  sla_breaches: number;
  alerts_with_sla_breach: number;
  false_positive_rate_by_typology: Record<string, Rate>;
  false_positive_rate_by_model_version: Record<string, Rate>;
  confirmed: number;
  missed_cases: number;
  miss_rate: number | null;
  by_day_tier: Record<string, Record<string, number>>;
  by_day_typology: Record<string, Record<string, number>>;
}
