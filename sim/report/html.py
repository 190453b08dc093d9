"""The report's HTML pieces: the page skeleton and style sheet, escaping, numbers, tables, images.

The page is self-contained: the style sheet is inline and every image is a PNG embedded as a
base64 data URI, so the file opens in a browser without a server and contains no script and no
external resource. Numbers go through the one formatter `sim.fmt.fmt`, as in the CLI's tables.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from sim.fmt import fmt
from sim.viz import style

#: resolution of the embedded PNGs [dots per inch]: that of the saved figures, so a figure of the
#: report is as sharp as the PNG of its results folder (1,200 px for a one-panel figure).
DPI = style.DPI

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; }
h2 { border-bottom: 1px solid #999; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%; display: block; max-width: 100%;
        overflow-x: auto; }
th, td { border: 1px solid #bbb; padding: .25em .5em; text-align: right; vertical-align: top; }
th.l, td.l { text-align: left; }
td.l { min-width: 6em; }
td.l:nth-child(2) { min-width: 14em; }
thead th { background: #eee; }
.ci { color: #555; font-size: 90%; white-space: nowrap; }
figure { margin: 1.2em 0; page-break-inside: avoid; }
figure img { width: 100%; max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 90%; color: #333; }
.note { background: #f4f4f4; border-left: 4px solid #888; padding: .5em 1em; }
code { font-size: 90%; }
nav ol { columns: 2; }
"""


#: the generator tag of every report: `sim report --out` replaces only a file that has it
GENERATOR = "sim-report"


def esc(text: Any) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def number(value: float, outcome: str = "") -> str:
    """An outcome's value as the CLI prints it (`sim.fmt.fmt`); a missing value (NaN) as '–'."""
    if value != value:  # NaN
        return "–"
    return fmt(value, outcome)


def signed(value: float, outcome: str) -> str:
    """Format a difference with its sign."""
    text = number(value, outcome)
    return text if text.startswith("-") or text == "–" else f"+{text}"


def num(value: Any) -> str:
    """A calibration target's value or tolerance: 3 significant digits, thousands separated.

    From 10 million up the exponent form (4.34e+27) keeps FLOP-sized targets narrow.

    Targets mix magnitudes and units (rates of 0.0376, fleets of 100,000 chips) and are not
    outcomes, so they keep their significant digits rather than the table format of `number`.
    """
    v = float(value)
    if abs(v) >= 1e7:  # FLOP-sized targets: 4.34e+27, not 28 digits
        return f"{v:.3g}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def interval(stats: dict[str, float], outcome: str) -> str:
    """'median [p5, p95]'."""
    return (
        f"{number(stats['p50'], outcome)} <span class=ci>[{number(stats['p5'], outcome)}, "
        f"{number(stats['p95'], outcome)}]</span>"
    )


def figure_html(fig: Figure, name: str, caption: str) -> str:
    """Embed a figure as a PNG data URI with a caption; `name` is the figure's identifier."""
    data = base64.b64encode(style.png_bytes(fig, name, dpi=DPI)).decode("ascii")
    return (
        f'<figure id="fig-{esc(name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{esc(caption)}"><figcaption><b>{esc(name)}</b>: {esc(caption)}'
        "</figcaption></figure>"
    )


def table_html(
    header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "", left: Sequence[int] = (0,)
) -> str:
    """Make a simple table; cells are already escaped HTML; columns in `left` align left."""

    def cell(tag: str, i: int, c: str) -> str:
        return f"<{tag} class=l>{c}</{tag}>" if i in left else f"<{tag}>{c}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(title: str, heading: str, intro: str, sections: Sequence[tuple[str, str]], body: str) -> str:
    """The whole HTML document.

    Args:
        title: the browser tab's title (text).
        heading: the page's h1 (text).
        intro: the paragraph under the heading (HTML).
        sections: (anchor, name) of each section, for the table of contents.
        body: the sections' HTML.
    """
    nav = "".join(f'<li><a href="#{k}">{esc(v)}</a></li>' for k, v in sections)
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<meta name=generator content={GENERATOR}>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(heading)}</h1>"
        f"<p>{intro}</p>"
        f"<nav><ol>{nav}</ol></nav>" + body + "</body></html>\n"
    )
