import { Tag } from "antd";
import type { Tier } from "../api";
import { useApp } from "../context";
import { TIER_STYLE } from "../palette";

export function TierTag({ tier, label }: { tier: Tier; label?: string }) {
  const { t } = useApp();
  return <Tag style={TIER_STYLE[tier]}>{label ?? t(`tier.${tier}`)}</Tag>;
}
