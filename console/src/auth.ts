// Sign-in. On the local stack: the front door lists its demo staff and signs a local token
// (POST /local/token); the token is kept in memory only (a reload signs in again).
import type { Role } from "./decision";

export interface Session {
  user: string;
  groups: Role[];
  token: string;
}

export interface StaffMember {
  user: string;
  groups: Role[];
}

export async function localStaff(base: string): Promise<StaffMember[]> {
  const resp = await fetch(`${base}/local/staff`);
  if (!resp.ok) throw new Error(`${resp.status}`);
  const doc = (await resp.json()) as { staff: StaffMember[] };
  return doc.staff;
}

export async function localSignIn(base: string, user: string): Promise<Session> {
  const resp = await fetch(`${base}/local/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  const doc = await resp.json();
  if (!resp.ok) throw new Error(String(doc.message ?? resp.status));
  return doc as Session;
}
