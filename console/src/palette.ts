// The tier colours, chosen for WCAG AA contrast (text on its tag's background ≥ 4.5:1;
// Ant Design's preset gold and orange tags fall short at 2.8 and 3.3).
import type { Tier } from "./api";

export const TIER_STYLE: Record<Tier, { color: string; background: string; borderColor: string }> = {
  low: { color: "#434343", background: "#f5f5f5", borderColor: "#d9d9d9" },
  medium: { color: "#874d00", background: "#fffbe6", borderColor: "#ffe58f" },
  high: { color: "#ad2102", background: "#fff2e8", borderColor: "#ffbb96" },
  critical: { color: "#a8071a", background: "#fff1f0", borderColor: "#ffa39e" },
};

// Ant Design's theme with text and link colours raised to WCAG AA (4.5:1) on white and on
// the light greys of headers and tags: its defaults (secondary text #8c8c8c, placeholders
// #bfbfbf, links #1677ff) reach 3.4, 1.8 and 4.1. axe-core checks every screen in the
// browser tests.
export const THEME_TOKENS = {
  colorPrimary: "#1f4e8c",
  colorInfo: "#1f4e8c",
  colorLink: "#1f4e8c",
  colorTextTertiary: "#595959",
  colorTextDescription: "#595959",
  colorTextPlaceholder: "#6b6b6b",
};

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const f = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
