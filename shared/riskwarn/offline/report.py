"""Backtest summaries: plain text for the terminal, a self-contained HTML page with charts."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from riskwarn.core.config import TIERS
from riskwarn.offline.backtest import Summary

TIER_COLOURS = {"low": "#9bb7d4", "medium": "#f2c14e", "high": "#f08a4b", "critical": "#d64545"}


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def render_text(s: Summary) -> str:
    lines = [
        f"riskwarn backtest ({s.mode}{', model ' + s.model_version if s.model_version else ''})",
        f"  events read      {s.events_read:>12,}",
        f"  events scored    {s.events_scored:>12,}",
        f"  events rejected  {s.rejected:>12,}",
    ]
    for line_no, reason in s.rejects[:10]:
        lines.append(f"    line {line_no}: {reason}")
    if s.rejected > 10:
        lines.append(f"    … {s.rejected - 10:,} more (see --summary-json)")
    lines.append(f"  alerts           {s.alerts:>12,}")
    lines.append("    by tier:     " + ", ".join(f"{t} {s.by_tier.get(t, 0):,}" for t in TIERS))
    lines.append("    by category: " + ", ".join(f"{k} {v:,}" for k, v in
                                                  s.by_category.most_common()))
    lines.append("    by typology: " + ", ".join(f"{k} {v:,}" for k, v in
                                                  s.by_typology.most_common()))
    lines.append(f"  throughput       {s.events_per_second:>12,.0f} events/s "
                 f"({s.seconds:.1f} s)")
    lines += _budget_text(s)
    cut = s.model_cutoffs
    if cut and cut["in_force"] != cut["configured"]:
        lines.append("  model cut-offs raised by the flood rail (the model alone would raise "
                     "more than the budget allows on this book; calibrate it):")
        lines.append("    " + ", ".join(f"{t} {cut['configured'][t]:.4g} → "
                                        f"{cut['in_force'][t]:.4g}" for t in cut["in_force"]))
    q = s.quality
    if q:
        lines += [
            "  detection quality (alerts of tier medium and above):",
            f"    episodes {q['episodes']} ({q['subtle_episodes']} subtle)",
            f"    recall {_pct(q['recall'])}   subtle {_pct(q['subtle_recall'])}   "
            f"plain {_pct(q['plain_recall'])}",
            f"    right typology {_pct(q['right_typology'])}   precision {_pct(q['precision'])}",
            f"    false alerts {q['false_alerts']} = "
            f"{q['false_alerts_per_1000_customer_days']} per 1,000 customer-days",
            f"    {'typology':<26}{'episodes':>9}{'recall':>9}{'subtle':>9}"
            f"{'alerts':>8}{'precision':>10}",
        ]
        for code, row in q["per_typology"].items():
            lines.append(
                f"    {code:<26}{row['episodes']:>9}{_pct(row['recall']):>9}"
                f"{_pct(row['subtle_recall']):>9}{row['alerts_naming_it']:>8}"
                f"{_pct(row['precision']):>10}")
        if q["false_alerts_by_trap"]:
            lines.append("    false alerts by cause: " + ", ".join(
                f"{k} {v}" for k, v in q["false_alerts_by_trap"].items()))
    return "\n".join(lines)


def _bars(title: str, data: Mapping[str, float], *, fmt: str = "{:,.0f}",
          colours: Mapping[str, str] | None = None, scale: float | None = None) -> str:
    if not data:
        return f"<h3>{html.escape(title)}</h3><p>none</p>"
    width, row_h, label_w = 640, 22, 220
    top = scale or max(max(data.values()), 1e-9)
    rows = []
    for i, (name, value) in enumerate(data.items()):
        w = (width - label_w - 80) * (value / top if top else 0)
        colour = (colours or {}).get(name, "#4c78a8")
        y = i * row_h
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{fmt.format(value)}</text>')
    height = row_h * len(data)
    return (f"<h3>{html.escape(title)}</h3><svg width='{width}' height='{height}' "
            f"font-size='12' font-family='sans-serif'>{''.join(rows)}</svg>")


def _budget_text(s: Summary) -> list[str]:
    b = s.budget
    if not b:
        return []
    rate, limit = b["per_1000_customer_days"], b["budget"]
    out = ["  alerts per 1,000 active customer-days (budget): " + ", ".join(
        f"{k} {rate[k]:.2f} ({limit[k]:g})" for k in (*TIERS, "model_only"))]
    out.append("    over budget: " + ", ".join(b["over"]) if b["over"] else
               "    within budget")
    if b["model_only_critical"]:
        out.append(f"    model-only critical alerts: {b['model_only_critical']}")
    if s.psi:
        top = sorted(s.psi.items(), key=lambda kv: -kv[1])[:5]
        out.append("  drift (PSI against the calibration baseline), highest: " + ", ".join(
            f"{k} {v:.3f}" for k, v in top))
    return out


def _daily_html(daily: Mapping[str, Mapping[str, float]]) -> str:
    """Alerts per 1,000 active customer-days, by day, one line per tier."""
    if not daily:
        return ""
    days = list(daily)
    width, height, left, bottom = 640, 200, 40, 20
    top = max(max(v.values()) for v in daily.values()) or 1.0
    step = (width - left - 10) / max(len(days) - 1, 1)
    lines = []
    for tier in TIERS:
        span = height - bottom - 10
        pts = " ".join(f"{left + i * step:.1f},{height - bottom - span * daily[d][tier] / top:.1f}"
                       for i, d in enumerate(days))
        lines.append(f"<polyline fill='none' stroke='{TIER_COLOURS[tier]}' stroke-width='2' "
                     f"points='{pts}'><title>{tier}</title></polyline>")
    axis = (f"<text x='0' y='14'>{top:.1f}</text><text x='0' y='{height - bottom}'>0</text>"
            f"<text x='{left}' y='{height - 4}'>{html.escape(days[0])}</text>"
            f"<text x='{width - 80}' y='{height - 4}'>{html.escape(days[-1])}</text>")
    legend = " ".join(f"<span style='color:{TIER_COLOURS[t]}'>■ {t}</span>" for t in TIERS)
    return (f"<h3>Alerts per 1,000 active customer-days, by day</h3><p>{legend}</p>"
            f"<svg width='{width}' height='{height}' font-size='11' "
            f"font-family='sans-serif'>{axis}{''.join(lines)}</svg>")


def render_html(s: Summary, *, source_name: str) -> str:
    d = s.as_dict()
    parts = [
        "<!doctype html><meta charset='utf-8'><title>riskwarn backtest</title>",
        "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;"
        "text-align:right}td:first-child,th:first-child{text-align:left}</style>",
        f"<h1>riskwarn backtest</h1><p>{html.escape(source_name)} — {html.escape(s.mode)}"
        f"{', model ' + html.escape(s.model_version) if s.model_version else ''}</p>",
        "<table>",
    ]
    for key in ("events_read", "events_scored", "events_rejected", "alerts",
                "events_per_second", "seconds"):
        parts.append(f"<tr><td>{key.replace('_', ' ')}</td><td>{d[key]:,}</td></tr>")
    parts.append("</table>")
    parts.append(_bars("Alerts by tier", {t: s.by_tier.get(t, 0) for t in TIERS},
                       colours=TIER_COLOURS))
    parts.append(_bars("Alerts by category", dict(s.by_category.most_common())))
    parts.append(_bars("Alerts by typology", dict(s.by_typology.most_common())))
    if s.rejects:
        parts.append("<h3>Rejected events (first 20)</h3><table><tr><th>line</th>"
                     "<th>reason</th></tr>")
        parts += [f"<tr><td>{n}</td><td style='text-align:left'>{html.escape(r)}</td></tr>"
                  for n, r in s.rejects[:20]]
        parts.append("</table>")
    if s.budget:
        rate = s.budget["per_1000_customer_days"]
        parts.append("<h2>Alert budget and drift</h2>")
        parts.append(_bars("Alerts per 1,000 active customer-days (budget in brackets)",
                           {f"{k} ({s.budget['budget'][k]:g})": rate[k]
                            for k in (*TIERS, "model_only")}, fmt="{:.2f}"))
        parts.append("<p>over budget: " + html.escape(", ".join(s.budget["over"]) or "none")
                     + "</p>")
    parts.append(_daily_html(s.daily))
    if s.psi:
        parts.append(_bars("Population stability (PSI) of the model's inputs against the "
                           "calibration baseline (0.1: look; 0.25: recalibrate)",
                           dict(sorted(s.psi.items(), key=lambda kv: -kv[1])),
                           fmt="{:.3f}"))
    if s.quality:
        parts.append(_quality_html(s.quality))
    return "\n".join(parts) + "\n"


def _quality_html(q: dict[str, Any]) -> str:
    out = ["<h2>Detection quality (tier medium and above)</h2><table>"]
    for key in ("episodes", "subtle_episodes", "recall", "subtle_recall", "plain_recall",
                "right_typology", "precision", "false_alerts",
                "false_alerts_per_1000_customer_days"):
        value = q[key]
        shown = _pct(value) if isinstance(value, float) and key not in (
            "false_alerts_per_1000_customer_days",) else f"{value}"
        out.append(f"<tr><td>{key.replace('_', ' ')}</td><td>{shown}</td></tr>")
    out.append("</table>")
    per = q["per_typology"]
    out.append(_bars("Recall per typology", {k: v["recall"] or 0.0 for k, v in per.items()},
                     fmt="{:.0%}", scale=1.0))
    out.append(_bars("Precision per typology (alerts naming it)",
                     {k: v["precision"] or 0.0 for k, v in per.items()}, fmt="{:.0%}",
                     scale=1.0))
    if q["false_alerts_by_trap"]:
        out.append(_bars("False alerts by cause", q["false_alerts_by_trap"]))
    return "\n".join(out)
