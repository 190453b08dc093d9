"""The page's interactive views: Bokeh figures built once per session, redrawn by replacing data.

A redraw sends only new column data to the browser (no figure is rebuilt, no image rendered on
the server), which is what keeps a lever change under a second; the same views as PNG come from
`sim.viz.app` (matplotlib) when the user downloads them. Each class has `figure` (the Bokeh
figure) and `update(views)`; hover tooltips give the numbers under the pointer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, HoverTool, Span
from bokeh.plotting import figure

from sim.outcomes import ALL

#: greys as in sim's static figures: 90% and 50% bands, ink, reference lines; chip sources.
BAND_90, BAND_50, INK, REFERENCE = "#d9d9d9", "#a6a6a6", "#000000", "#4d4d4d"
SOURCE_GREYS = ("#404040", "#8c8c8c", "#d1d1d1")
SIZE = {"height": 300, "sizing_mode": "stretch_width"}
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def _fig(title: str, **kw: Any) -> Any:
    fig = figure(title=title, tools=TOOLS, toolbar_location="right", **SIZE, **kw)
    fig.title.text_font_size = "12pt"
    return fig


def _legend_below(fig: Any) -> None:
    """One row of legend entries under the plot, where it hides no data."""
    legend = fig.legend[0]
    legend.orientation = "horizontal"
    legend.label_text_font_size = "8pt"
    legend.spacing = 4
    fig.add_layout(legend, "below")


class FanPlot:
    """A fan chart of one monthly outcome, the baseline overlaid.

    The scenario's 50% and 90% bands and median; the baseline's median (dashed) and 90% band
    (dotted).
    """

    def __init__(self, outcome: str, title: str, zero: bool):
        self.outcome = outcome
        self.scen = ColumnDataSource(dict.fromkeys(("x", "p5", "p25", "p50", "p75", "p95"), []))
        self.base = ColumnDataSource(dict.fromkeys(("x", "p5", "p50", "p95"), []))
        fig = _fig(title, x_axis_type="datetime", y_axis_label=ALL[outcome].series_unit)
        fig.varea("x", "p5", "p95", source=self.scen, color=BAND_90, legend_label="scenario 90%")
        fig.varea("x", "p25", "p75", source=self.scen, color=BAND_50, legend_label="scenario 50%")
        median = fig.line(
            "x", "p50", source=self.scen, color=INK, line_width=2.5, legend_label="scenario median"
        )
        fig.line(
            "x",
            "p50",
            source=self.base,
            color=INK,
            line_width=1.5,
            line_dash="dashed",
            legend_label="baseline median",
        )
        for q in ("p5", "p95"):
            fig.line(
                "x",
                q,
                source=self.base,
                color=REFERENCE,
                line_dash="dotted",
                legend_label="baseline 90%",
            )
        if zero:
            fig.add_layout(Span(location=0, dimension="width", line_color=REFERENCE, line_width=1))
        fig.add_tools(
            HoverTool(
                renderers=[median],
                mode="vline",
                tooltips=[
                    ("month", "@x{%Y-%m}"),
                    ("median", "@p50{0.000}"),
                    ("50%", "@p25{0.000} to @p75{0.000}"),
                    ("90%", "@p5{0.000} to @p95{0.000}"),
                ],
                formatters={"@x": "datetime"},
            )
        )
        _legend_below(fig)
        self.figure = fig

    def update(self, views: Any) -> None:
        """Show the fans of `views`."""
        scen, base = views.fans[self.outcome]["scenario"], views.fans[self.outcome]["baseline"]
        self.scen.data = _columns(scen, ("p5", "p25", "p50", "p75", "p95"))
        _replace(self.base, _columns(base, ("p5", "p50", "p95")))


def _replace(source: ColumnDataSource, data: dict[str, Any]) -> None:
    """Set `source.data` unless it holds these numbers already.

    The baseline's sources keep their numbers while only the scenario's levers move; sending
    them again would cost a message and a redraw in the browser for nothing.
    """
    old = source.data
    if old.keys() == data.keys() and all(
        len(old[k]) == len(data[k]) and np.array_equal(np.asarray(old[k]), np.asarray(data[k]))
        for k in data
    ):
        return
    source.data = data


def _columns(frame: pd.DataFrame, stats: tuple[str, ...]) -> dict[str, Any]:
    x = pd.to_datetime(frame["month"] + "-01").to_numpy()
    return {"x": x, **{s: frame[s].to_numpy() for s in stats}}


class EffectPlot:
    """Histogram of the per-run effect on the lag at the chosen year-end, with its quantiles."""

    def __init__(self) -> None:
        self.bins = ColumnDataSource({"left": [], "right": [], "top": []})
        fig = _fig(
            "Effect on the lag at the year-end (paired runs)",
            x_axis_label="this scenario's lag − the baseline's, same run [months]",
            y_axis_label="runs",
        )
        bars = fig.quad(
            left="left",
            right="right",
            top="top",
            bottom=0,
            source=self.bins,
            fill_color=BAND_50,
            line_color=INK,
        )
        self.zero = Span(location=0, dimension="height", line_color=REFERENCE, line_dash="dashed")
        self.median = Span(location=0, dimension="height", line_color=INK, line_width=3)
        self.p5 = Span(location=0, dimension="height", line_color=INK, line_dash="dotted")
        self.p95 = Span(location=0, dimension="height", line_color=INK, line_dash="dotted")
        for span in (self.zero, self.median, self.p5, self.p95):
            fig.add_layout(span)
        fig.add_tools(
            HoverTool(
                renderers=[bars],
                tooltips=[("effect", "@left{0.00} to @right{0.00} months"), ("runs", "@top")],
            )
        )
        self.figure = fig

    def update(self, views: Any) -> None:
        """Show the effect distribution of `views`."""
        d = np.asarray(views.effect, dtype=float)
        if np.ptp(d) > 1e-9:
            counts, edges = np.histogram(d, bins=40)
        else:  # no effect in any run: one bar around the common value
            counts, edges = np.array([d.size]), np.array([d[0] - 0.05, d[0] + 0.05])
        self.bins.data = {"left": edges[:-1], "right": edges[1:], "top": counts}
        stats = views.effect_stats
        self.median.location, self.p5.location, self.p95.location = (
            stats["p50"],
            stats["p5"],
            stats["p95"],
        )
        self.figure.title.text = (
            f"Effect on the lag at {views.year}, run by run (median {stats['p50']:+.2f} months)"
        )


class AtMostPlot:
    """P(lag <= N months) at each year-end, the scenario beside the baseline."""

    def __init__(self) -> None:
        self.source = ColumnDataSource(
            dict.fromkeys(("x", "xs", "xb", "year", "scenario", "baseline"), [])
        )
        fig = _fig("P(lag ≤ N months) at each year-end", y_range=(0, 1), y_axis_label="share of runs")
        s = fig.vbar(
            x="xs",
            top="scenario",
            width=0.38,
            source=self.source,
            fill_color=BAND_50,
            line_color=INK,
            legend_label="scenario",
        )
        b = fig.vbar(
            x="xb",
            top="baseline",
            width=0.38,
            source=self.source,
            fill_color="white",
            line_color=INK,
            hatch_pattern="/",
            hatch_color=INK,
            legend_label="baseline",
        )
        fig.add_tools(
            HoverTool(
                renderers=[s, b],
                tooltips=[
                    ("year-end", "@year"),
                    ("scenario", "@scenario{0.0%}"),
                    ("baseline", "@baseline{0.0%}"),
                ],
            )
        )
        _legend_below(fig)
        fig.xaxis.axis_label = "year"
        self.figure = fig

    def update(self, views: Any) -> None:
        """Show the probabilities of `views`."""
        frame = views.at_most
        x = np.array([int(y[:4]) for y in frame["year_end"]], dtype=float)
        self.source.data = {
            "x": x,
            "xs": x - 0.2,
            "xb": x + 0.2,
            "year": list(frame["year_end"]),
            "scenario": frame["scenario"].to_numpy(),
            "baseline": frame["baseline"].to_numpy(),
        }
        self.figure.title.text = f"P(lag ≤ {views.at_most_months:g} months) at each year-end"


class ChipsPlot:
    """China's chips by source per year [million H100e/year]: scenario left, baseline right."""

    def __init__(self, sources: tuple[str, ...]):
        self.names = sources
        keys = [f"s{i}" for i in range(len(sources))]
        self.scen = ColumnDataSource({"x": [], "year": [], **{k: [] for k in keys}})
        self.base = ColumnDataSource({"x": [], "year": [], **{k: [] for k in keys}})
        fig = _fig(
            "China's chips by source (left: scenario, right: baseline, hatched)",
            y_axis_label="million H100e/year",
        )
        renderers = fig.vbar_stack(
            keys,
            x="x",
            width=0.38,
            source=self.scen,
            color=list(SOURCE_GREYS),
            line_color=INK,
            legend_label=list(sources),
        )
        renderers += fig.vbar_stack(
            keys,
            x="x",
            width=0.38,
            source=self.base,
            color=list(SOURCE_GREYS),
            line_color=INK,
            hatch_pattern="/",
            hatch_color="white",
        )
        tips = [("year", "@year")] + [
            (name, f"@{k}{{0.00}} M") for name, k in zip(sources, keys, strict=True)
        ]
        fig.add_tools(HoverTool(renderers=renderers, tooltips=tips))
        _legend_below(fig)
        fig.xaxis.axis_label = "year"
        self.keys = keys
        self.figure = fig

    def update(self, views: Any) -> None:
        """Show the chips of `views`."""
        for run, source, offset in (("scenario", self.scen, -0.2), ("baseline", self.base, 0.2)):
            part = views.chips[views.chips["run"] == run]
            x = np.array([int(y[:4]) for y in part["year_end"]], dtype=float) + offset
            data = {"x": x, "year": list(part["year_end"])}
            for key, name in zip(self.keys, self.names, strict=True):
                data[key] = part[name].to_numpy() / 1e6
            _replace(source, data)
