"""The page's two charts as SVG, drawn here so the page needs no charting library: the share of
conversations the assistant handled itself per day (bars, 0-100 %), and the hand-overs per reason
(horizontal bars). Presentation attributes only (no inline styles: the pages' CSP forbids them);
every text is escaped; each chart has a <title> and <desc> for screen readers.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH = 720
BAR_COLOUR = "#1f6f8b"
EMPTY_COLOUR = "#d9e2e7"
TEXT_COLOUR = "#1b1b1b"
FONT = 'font-family="system-ui, sans-serif"'


def _svg(height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="t d"><title id="t">{escape(title)}</title><desc id="d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" fill="{TEXT_COLOUR}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def short_label(label: str, most: int = 32) -> str:
    """The first part of a reason's label ("Overlijden: de klant ..." -> "Overlijden"), cut at a
    word with "…" when still longer than `most` characters."""
    short = label.split(":")[0].split(". ")[0].rstrip(".")
    if len(short) <= most:
        return short
    return short[:most].rsplit(" ", 1)[0] + "…"


def containment_chart(per_day: Sequence[dict[str, Any]]) -> str:
    """Bars per day: the share handled by the assistant; a grey stub on days without conversations."""
    height, left, top, bottom = 240, 44, 16, 40
    plot_h, plot_w = height - top - bottom, WIDTH - left - 12
    body = []
    for percent in (0, 50, 100):
        y = top + plot_h * (1 - percent / 100)
        body.append(f'<line x1="{left}" x2="{WIDTH - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8c8c8" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, f"{percent}%", "end", 11))
    step = plot_w / max(len(per_day), 1)
    label_every = max(1, len(per_day) // 10)
    for index, day in enumerate(per_day):
        x = left + index * step + step * 0.15
        rate = day["containment_rate"]
        if rate is None:
            stub = f'x="{x:.1f}" y="{top + plot_h - 2:.1f}" width="{step * 0.7:.1f}" height="2"'
            body.append(f'<rect {stub} fill="{EMPTY_COLOUR}"/>')
        else:
            bar = plot_h * rate
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - bar:.1f}" width="{step * 0.7:.1f}" height="{bar:.1f}" fill="{BAR_COLOUR}">'
                f'<title>{escape(day["day"])}: {round(rate * 100)}% van {day["conversations"]}</title></rect>'
            )
        if len(per_day) <= 31:  # the value on the bar ("geen": no conversations that day)
            value = "geen" if rate is None else f"{round(rate * 100)}%"
            lift = 0 if rate is None else plot_h * rate
            body.append(_text(x + step * 0.35, top + plot_h - lift - 4, value, "middle", 11))
        if index % label_every == 0:
            body.append(_text(x + step * 0.35, height - bottom + 16, day["day"][5:], "middle", 11))
    known = [d for d in per_day if d["containment_rate"] is not None]
    desc = "; ".join(f'{d["day"]}: {round(d["containment_rate"] * 100)}%' for d in known) or "geen gesprekken"
    return _svg(height, "Door de assistent zelf afgehandeld, per dag", desc, body)


def reasons_chart(by_reason: Sequence[dict[str, Any]]) -> str:
    """One horizontal bar per reason, longest first, with its count."""
    row, left, top = 26, 220, 8
    height = top * 2 + row * max(len(by_reason), 1)
    most = max((r["count"] for r in by_reason), default=0)
    body = []
    if not by_reason:
        body.append(_text(8, top + 16, "Geen overdrachten in deze periode."))
    for index, item in enumerate(by_reason):
        y = top + index * row
        width = (WIDTH - left - 60) * item["count"] / most if most else 0
        body.append(_text(left - 8, y + 17, short_label(str(item["label"])), "end"))
        body.append(f'<rect x="{left}" y="{y + 4}" width="{width:.1f}" height="{row - 8}" fill="{BAR_COLOUR}"/>')
        body.append(_text(left + width + 6, y + 17, str(item["count"])))
    desc = "; ".join(f'{r["label"]}: {r["count"]}' for r in by_reason) or "geen overdrachten"
    return _svg(height, "Overdrachten naar een collega per reden", desc, body)
