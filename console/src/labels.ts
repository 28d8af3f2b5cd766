import { type Key, MESSAGES } from "./i18n";

type T = (key: Key, vars?: Record<string, string | number>) => string;

function known(key: string): key is Key {
  return key in MESSAGES.en;
}

export function statusLabel(t: T, status: string): string {
  const key = `status.${status}`;
  return known(key) ? t(key) : status;
}

export function label(t: T, key: string): string {
  return known(key) ? t(key) : key;
}
