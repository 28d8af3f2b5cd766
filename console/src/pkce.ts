// Sign-in on AWS: Cognito's hosted UI, authorization code with PKCE (RFC 7636). Tokens stay
// in memory (never in storage); only the one-time verifier and state wait in sessionStorage
// across the redirect, and are removed when the code is exchanged.
import type { Role } from "./decision";

export interface AuthConfig {
  url: string; // https://<domain>.auth.<region>.amazoncognito.com
  clientId: string;
  redirectUri: string; // the console's own address
}

export interface ConsoleConfig {
  api: string; // the staff API's base URL ("" = beside the console)
  auth?: AuthConfig;
}

export interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

export function base64url(bytes: Uint8Array): string {
  let s = "";
  bytes.forEach((b) => (s += String.fromCharCode(b)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(n = 64): string {
  return base64url(crypto.getRandomValues(new Uint8Array(n))).slice(0, n);
}

export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function authorizeUrl(cfg: AuthConfig, challenge: string, state: string): string {
  const q = new URLSearchParams({
    response_type: "code", client_id: cfg.clientId, redirect_uri: cfg.redirectUri,
    scope: "openid email profile", code_challenge_method: "S256", code_challenge: challenge, state,
  });
  return `${cfg.url}/oauth2/authorize?${q}`;
}

export function logoutUrl(cfg: AuthConfig): string {
  return `${cfg.url}/logout?${new URLSearchParams({ client_id: cfg.clientId, logout_uri: cfg.redirectUri })}`;
}

async function token(cfg: AuthConfig, body: Record<string, string>): Promise<Tokens> {
  const resp = await fetch(`${cfg.url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: cfg.clientId, ...body }),
  });
  if (!resp.ok) throw new Error(`sign-in refused (${resp.status})`);
  return (await resp.json()) as Tokens;
}

export function exchange(cfg: AuthConfig, code: string, verifier: string): Promise<Tokens> {
  return token(cfg, { grant_type: "authorization_code", code, redirect_uri: cfg.redirectUri, code_verifier: verifier });
}

export function refresh(cfg: AuthConfig, refreshToken: string): Promise<Tokens> {
  return token(cfg, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/** Who the ID token names, and the groups Cognito put in it (the roles). */
export function claims(idToken: string): { user: string; groups: Role[]; exp: number } {
  const part = idToken.split(".")[1] ?? "";
  const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
  const groups = (json["cognito:groups"] ?? []) as Role[];
  return { user: String(json["cognito:username"] ?? json.sub), groups, exp: Number(json.exp) };
}

const KEY = "riskwarn.pkce";

/** Go to the hosted UI (the verifier and state wait for the way back). */
export async function start(cfg: AuthConfig): Promise<void> {
  const verifier = randomString(64);
  const state = randomString(24);
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state }));
  window.location.assign(authorizeUrl(cfg, await challengeOf(verifier), state));
}

/** Back from the hosted UI with ?code=…&state=…: the tokens, or null when this is no return. */
export async function finish(cfg: AuthConfig, search: string): Promise<Tokens | null> {
  const q = new URLSearchParams(search);
  const code = q.get("code");
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(KEY) ?? "{}") as { verifier?: string; state?: string };
  sessionStorage.removeItem(KEY);
  if (!saved.verifier || saved.state !== q.get("state")) throw new Error("sign-in state does not match: sign in again");
  return exchange(cfg, code, saved.verifier);
}
