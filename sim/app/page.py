"""The playground page (Panel): the levers on the left, the views on the right, one per session.

Flow of a lever change (docs/app.md):

1. a widget's value changes (on the server's event loop, the interface thread);
2. `Playground.request` cancels the previous request's `Token` and submits the new one to this
   session's worker thread; the page says "computing…";
3. the worker runs `Engine.compute` (the scenario; the baseline from its cache) and
   `build_views`; a superseded request stops at its next simulated month (`Cancelled`);
4. the result comes back to the event loop (`doc.add_next_tick_callback`); if its token is still
   the current one the Bokeh sources get the new numbers, else it is dropped.

A `SimError` (bad value, bad YAML) is shown as one line above the views, the message the command
line prints; the previous views stay, and the app keeps running.
"""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import panel as pn

from sim.app import export
from sim.app.compute import Cancelled, Engine, Pair, Request, Source, Token
from sim.app.controls import Control, horizon_months, lever_cards
from sim.app.levers import levers, overrides
from sim.app.plots import AtMostPlot, ChipsPlot, EffectPlot, FanPlot
from sim.app.views import CAPTIONS, LAG, SHARE, SOURCES, Views, build_views, year_ends
from sim.errors import SimError

PASTED = "(pasted or uploaded YAML)"
EXPORTED = "app-scenario.yaml"


def _signed(value: float) -> str:
    """A difference with two decimals and a true minus sign; never "-0.00" or "+0.00"."""
    text = f"{value:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text.replace("-", "\u2212")


class Playground:
    """One browser session's page.

    Args:
        engine: shared by every session (the baseline cache).
        scenario: the scenario file shown first.
        runs: runs of the first view [runs].
        seed: seed of the first view [default: the scenario's run.seed].
    """

    def __init__(self, engine: Engine, scenario: Path, runs: int, seed: int | None = None):
        self.engine = engine
        self.doc = pn.state.curdoc
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-app")
        self.token = Token()
        self.folder = scenario.parent
        self.source = Source.file(scenario)
        self.pair: Pair | None = None
        self.views: Views | None = None
        self.controls: list[Control] = []
        first = self.source.load()
        shipped = {
            p.stem: str(p) for p in sorted(self.folder.glob("*.yaml")) if not p.name.startswith(".")
        }
        shipped.setdefault(scenario.stem, str(scenario))
        self.pick = pn.widgets.Select(
            name="Scenario", options={**shipped, PASTED: PASTED}, value=str(scenario)
        )
        self.upload = pn.widgets.FileInput(accept=".yaml,.yml", multiple=False)
        self.paste = pn.widgets.TextAreaInput(
            name="Or paste a scenario YAML",
            height=120,
            placeholder="name: mine\nextends: baseline.yaml\n...",
        )
        self.use_paste = pn.widgets.Button(name="Use the pasted YAML", button_type="default")
        self.runs = pn.widgets.IntInput(
            name="Runs [runs]", value=int(runs), start=1, end=100_000, step=100, width=120
        )
        self.seed = pn.widgets.IntInput(
            name="Seed", value=int(first.run.seed if seed is None else seed), start=0, width=140
        )
        self.sets = pn.widgets.TextAreaInput(
            name="More --set lines (PATH=VALUE, one a line)",
            height=70,
            placeholder="world.nvidia.capacity_growth=0.6",
        )
        self.year = pn.widgets.Select(
            name="Year-end of the effect", options=["2028-12"], value="2028-12", width=150
        )
        self.at_most = pn.widgets.IntSlider(
            name="N of P(lag ≤ N months)", start=1, end=36, value=12, width=220
        )
        self.levers_box = pn.Column(sizing_mode="stretch_width")
        self.error = pn.pane.Alert(
            "",
            alert_type="danger",
            visible=False,
            css_classes=["app-error"],
            sizing_mode="stretch_width",
        )
        # a fixed size: "computing…" must not make the browser lay the page out again
        self.status = pn.pane.HTML("", css_classes=["app-status"], width=500, height=24)
        self.sentence = pn.pane.HTML("", css_classes=["app-sentence"], sizing_mode="stretch_width")
        self.headline = pn.pane.HTML("", css_classes=["app-headline"], sizing_mode="stretch_width")
        self.commands = pn.pane.HTML("", css_classes=["app-commands"], sizing_mode="stretch_width")
        self.plots = {
            "lag": FanPlot(LAG, "Capability lag of China behind the US", zero=True),
            "share": FanPlot(SHARE, "China's share of installed compute", zero=False),
            "effect": EffectPlot(),
            "at_most": AtMostPlot(),
            "chips": ChipsPlot(tuple(SOURCES)),
        }
        downloads = [
            pn.widgets.FileDownload(
                callback=self._yaml,
                filename=EXPORTED,
                label="Scenario YAML",
                css_classes=["download-yaml"],
            ),
            pn.widgets.FileDownload(
                callback=self._png,
                filename="app-views.png",
                label="Views PNG",
                css_classes=["download-png"],
            ),
            pn.widgets.FileDownload(
                callback=self._csv,
                filename="app-views.csv",
                label="Numbers CSV",
                css_classes=["download-csv"],
            ),
        ]
        self._set_levers(first)
        for widget in (self.runs, self.seed):
            widget.param.watch(self.request, "value")
        self.sets.param.watch(self.request, "value")
        self.year.param.watch(self.redraw, "value")
        self.at_most.param.watch(self.redraw, "value")
        self.pick.param.watch(self._picked, "value")
        self.upload.param.watch(self._uploaded, "value")
        self.use_paste.on_click(self._pasted)
        sidebar = pn.Column(
            "## Levers",
            self.pick,
            pn.Row(self.runs, self.seed),
            self.levers_box,
            pn.Card(
                self.upload,
                self.paste,
                self.use_paste,
                self.sets,
                title="Your own scenario",
                collapsed=True,
                sizing_mode="stretch_width",
            ),
            width=400,
            scroll=True,
            height_policy="max",
        )
        views = [
            pn.Column(
                self.plots[key].figure,
                pn.pane.Markdown(CAPTIONS[key], css_classes=["caption"]),
                sizing_mode="stretch_width",
            )
            for key in self.plots
        ]
        main = pn.Column(
            "# sim playground: the US–China AI race, live",
            self.error,
            self.sentence,
            self.headline,
            self.status,
            pn.Row(self.year, self.at_most),
            pn.GridBox(*views, ncols=2, sizing_mode="stretch_width"),
            "### Export",
            pn.Row(*downloads),
            self.commands,
            sizing_mode="stretch_width",
        )
        self.layout = pn.Row(sidebar, main, sizing_mode="stretch_both")
        # the first views are computed before the page is sent, so no figure arrives empty
        try:
            self._show(*self._work(self.current(), self.token))
        except SimError as exc:
            self._show_error(str(exc))
        if self.doc is not None:
            self.doc.on_session_destroyed(lambda _ctx: self.close())
            pn.state.onload(self._settle)

    def _settle(self) -> None:
        """Once the page is shown, send the text panes again, as a lever change would.

        Panel sends an HTML pane's style sheets with its first update after the page is built,
        and the browser then re-styles the whole page (about 0.4 s of server and browser time on
        this machine). Doing it now, while the user reads the page, keeps that off the first
        lever change.
        """
        with pn.io.hold(self.doc):
            for pane in (self.sentence, self.headline, self.status, self.commands):
                pane.param.trigger("object")

    def close(self) -> None:
        """Stop this session's computation and its worker thread."""
        self.token.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------------------- scenario and levers

    def _set_levers(self, scenario: Any) -> None:
        months = horizon_months(scenario.run.start, scenario.run.end)
        self.controls, cards = lever_cards(levers(scenario), months)
        for control in self.controls:
            for widget in control.widgets:
                widget.param.watch(self.request, "value")
        self.levers_box.objects = cards

    def _use(self, source: Source) -> None:
        try:
            scenario = source.load()
        except SimError as exc:
            self._show_error(str(exc))
            return
        self.source = source
        self._set_levers(scenario)
        self.request()

    def _picked(self, event: Any) -> None:
        if event.new != PASTED:
            self._use(Source.file(event.new))

    def _uploaded(self, event: Any) -> None:
        if event.new:
            text = event.new.decode("utf-8", errors="replace")
            self.pick.value = PASTED
            self._use(Source.pasted(text, self.upload.filename or "uploaded.yaml", self.folder))

    def _pasted(self, _event: Any) -> None:
        self.pick.value = PASTED
        self._use(Source.pasted(self.paste.value or "", "pasted.yaml", self.folder))

    # ---------------------------------------------------------------- computing off the loop

    def current(self) -> Request:
        """The request the widgets describe now."""
        values = {c.lever.path: c.value for c in self.controls}
        lines = tuple(line for line in (self.sets.value or "").splitlines() if line.strip())
        return Request(
            self.source,
            overrides([c.lever for c in self.controls], values),
            lines,
            int(self.runs.value or 1),
            int(self.seed.value or 0),
        )

    def request(self, *_events: Any) -> None:
        """Cancel the computation in flight and start one for the widgets' values."""
        self.token.cancel()
        token = self.token = Token()
        request = self.current()
        self.status.object = '<span class="busy">computing…</span>'
        future = self.pool.submit(self._work, request, token)
        future.add_done_callback(partial(self._back, token))

    def redraw(self, *_events: Any) -> None:
        """Recompute the views of the last ensembles (a new year-end or N): no model run."""
        if self.pair is None:
            return
        self.token.cancel()
        token = self.token = Token()
        future = self.pool.submit(self._views, self.pair, token)
        future.add_done_callback(partial(self._back, token))

    def _work(self, request: Request, token: Token) -> tuple[Pair, Views]:
        pair = self.engine.compute(request, token)
        return self._views(pair, token)

    def _views(self, pair: Pair, token: Token) -> tuple[Pair, Views]:
        token.check()
        return pair, build_views(pair, self.year.value, float(self.at_most.value))

    def _back(self, token: Token, future: Future) -> None:
        """From the worker thread: hand the result to the event loop."""
        if token.cancelled or self.doc is None:
            return
        self.doc.add_next_tick_callback(partial(self._apply, token, future))

    def _apply(self, token: Token, future: Future) -> None:
        if token is not self.token:
            return  # superseded while it waited for the loop
        try:
            pair, views = future.result()
        except Cancelled:
            return
        except SimError as exc:
            self._show_error(str(exc))
            return
        self._show(pair, views)

    def _show(self, pair: Pair, views: Views) -> None:
        """Put a computed result on the page (event loop only).

        Every change goes to the browser in one message (`pn.io.hold`), so the page lays out
        and draws once per result, not once per plot and text: on a shared 2-core machine the
        browser's work competes with the next computation.
        """
        with pn.io.hold(self.doc):
            self.pair, self.views = pair, views
            self.error.visible = False
            self.error.object = ""
            for plot in self.plots.values():
                plot.update(views)
            years = year_ends(pair)
            if list(self.year.options) != years:
                self.year.options = years
            if self.year.value != views.year:
                self.year.value = views.year
            others = "".join(
                f"<li>{_escape(text)}</li>" for key, text in views.sentences.items() if key != LAG
            )
            self.sentence.object = (
                f'<p id="sentence" style="font-size:1.15em">{_escape(views.sentence)}</p>'
                "<details><summary>The other headline outcomes in words</summary>"
                f'<ul style="font-size:0.9em">{others}</ul></details>'
            )
            self.headline.object = self._headline(views)
            self.status.object = (
                f'<span id="status" data-runs="{views.runs}">{views.runs:,} runs, '
                f"seed {views.seed}: {views.seconds:.2f} s</span>"
            )
            self.commands.object = self._commands(pair.request, views)

    def _show_error(self, message: str) -> None:
        self.error.object = f'<span id="error-message">error: {message}</span>'
        self.error.visible = True
        self.status.object = '<span id="status">not computed: fix the value above</span>'

    # ---------------------------------------------------------------- text and exports

    @staticmethod
    def _headline(v: Views) -> str:
        s = v.effect_stats
        return (
            f'<div>Median lag at {v.year}: <b id="median-lag" data-value="{v.median_lag!r}">'
            f'{v.median_lag:.2f}</b> months (baseline <span id="baseline-lag" '
            f'data-value="{v.baseline_median_lag!r}">{v.baseline_median_lag:.2f}</span>); paired '
            f'effect: median <b id="effect-p50" data-value="{s["p50"]!r}">{_signed(s["p50"])}</b> '
            f"months, 90% of runs between {_signed(s['p5'])} and {_signed(s['p95'])}.</div>"
        )

    def _commands(self, request: Request, v: Views) -> str:
        name = request.source.name if request.source.path is not None else request.source.name
        run = export.run_command(name, request.overrides, request.sets, v.runs, v.seed)
        compare = export.compare_command(str(self.engine.baseline), EXPORTED, v.runs, v.seed)
        note = "" if request.source.path is not None else f" (save the pasted YAML as {name})"
        return (
            f'<p>Reproduce this view{note}:</p><pre id="command-run">{_escape(run)}</pre>'
            f'<p>and its paired effect, with the downloaded YAML:</p><pre id="command-compare">'
            f"{_escape(compare)}</pre>"
        )

    def _yaml(self) -> io.BytesIO:
        request = self.pair.request if self.pair else self.current()
        try:
            scenario = self.engine.load(request)
        except SimError as exc:
            return io.BytesIO(f"# error: {exc}\n".encode())
        command = export.run_command(
            request.source.name, request.overrides, request.sets, request.runs, request.seed
        )
        return io.BytesIO(export.scenario_yaml(scenario, command).encode())

    def _png(self) -> io.BytesIO:
        from sim.viz.app import all_views_figure, png

        return io.BytesIO(png(all_views_figure(self.views), dpi=110) if self.views else b"")

    def _csv(self) -> io.BytesIO:
        return io.BytesIO(export.views_csv(self.views).encode() if self.views else b"")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def session(engine: Engine, scenario: Path, runs: int, seed: int | None = None) -> Any:
    """A new page for one browser session (Panel calls this per connection)."""
    return Playground(engine, scenario, runs, seed).layout
