import { createContext, useContext } from "react";
import type { Api } from "./api";
import type { Session } from "./auth";
import { type Key, type Locale, translate } from "./i18n";

export interface Ctx {
  api: Api;
  session: Session;
  locale: Locale;
  t: (key: Key, vars?: Record<string, string | number>) => string;
  go: (hash: string) => void;
}

export const AppContext = createContext<Ctx | null>(null);

export function useApp(): Ctx {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("outside the app");
  return ctx;
}

export function translator(locale: Locale) {
  return (key: Key, vars?: Record<string, string | number>) => translate(locale, key, vars);
}
