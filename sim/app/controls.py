"""Panel widgets for the levers: one `Control` per `sim.app.levers.Lever`, chosen by its kind.

- a switch (bool) is a checkbox;
- a number is a slider with a box to type an exact value, its range and step from the schema;
- a month is a list of the horizon's months;
- a field that may be null (a cap: null = no cap; a reactive rule: null = off) gets a checkbox
  "set" before it; unchecked, the value is null and the slider is greyed out.

Every control carries the CSS class ``lever-<path with dots as dashes>`` (the browser tests find
the H200 cap slider by it) and a tooltip icon with the field's description, unit and source.
"""

from __future__ import annotations

from typing import Any

import panel as pn

from sim.app.levers import Lever
from sim.calendar import month_index, month_label

NULL = "null"


def undelayed(widget: Any) -> Any:
    """`widget` (and the parts of a composite one) sending changes to the server at once.

    Panel waits 50 ms (``_debounce``) before it applies a change from the browser, to merge the
    changes of a drag. The page has no need: a request superseded by a newer one is cancelled
    at its next simulated month, and 50 ms is a twentieth of the redraw time it must stay under.
    """
    for part in (widget, getattr(widget, "_slider", None), getattr(widget, "_value_edit", None)):
        if part is not None:
            part._debounce = 0
    return widget


def css_class(path: str) -> str:
    """The CSS class of a lever's control: ``lever-policy-us-export-h200-cap_units``."""
    return "lever-" + path.replace(".", "-")


class Control:
    """The widgets of one lever; `value` reads them, `widgets` are what to watch for changes."""

    def __init__(self, lever: Lever, months: list[str]):
        self.lever = lever
        self.enabled: pn.widgets.Checkbox | None = None
        name = lever.label if lever.unit in ("-", "") else f"{lever.label} [{lever.unit}]"
        if lever.kind == "switch":
            self.input: Any = pn.widgets.Checkbox(name=name, value=bool(lever.value))
        elif lever.kind == "month":
            options = ([NULL] if lever.optional else []) + months
            value = lever.value if lever.value in options else (NULL if lever.optional else months[0])
            self.input = pn.widgets.Select(name=name, options=options, value=value, width=150)
        else:
            start = lever.value if lever.value is not None else lever.low
            self.input = pn.widgets.EditableFloatSlider(
                name=name,
                start=lever.low,
                end=max(lever.high, float(start)),
                step=lever.step,
                value=float(start),
                fixed_start=lever.low,
                fixed_end=lever.high if lever.unit not in ("chips/year",) else None,
                format="0,0.[00]",
                width=260,
            )
            if lever.optional:
                self.enabled = pn.widgets.Checkbox(
                    name="set (off = null)", value=lever.value is not None, width=120
                )
                self.input.disabled = lever.value is None
                self.enabled.param.watch(self._toggle, "value")
        for widget in self.widgets:
            undelayed(widget)
        tip = pn.widgets.TooltipIcon(value=lever.help, margin=(18, 0, 0, 0))
        parts = [self.enabled] if self.enabled is not None else []
        self.panel = pn.Row(
            pn.Column(*parts, self.input, margin=0), tip, css_classes=[css_class(lever.path)]
        )

    def _toggle(self, event: Any) -> None:
        self.input.disabled = not event.new

    @property
    def widgets(self) -> list[Any]:
        """The widgets whose `value` changes the lever."""
        return [w for w in (self.enabled, self.input) if w is not None]

    @property
    def value(self) -> Any:
        """The lever's value (None: null)."""
        if self.enabled is not None and not self.enabled.value:
            return None
        value = self.input.value
        if self.lever.kind == "month":
            return None if value == NULL else value
        if self.lever.kind == "number":
            return float(value)
        return bool(value)


def horizon_months(start: str, end: str) -> list[str]:
    """Every month from `start` to `end`, 'YYYY-MM'."""
    return [month_label(m) for m in range(month_index(start), month_index(end) + 1)]


def lever_cards(levers: list[Lever], months: list[str]) -> tuple[list[Control], list[Any]]:
    """One `Control` per lever and one collapsible card per group (the first groups open)."""
    controls = [Control(lv, months) for lv in levers]
    groups: dict[str, list[Control]] = {}
    for control in controls:
        groups.setdefault(control.lever.group, []).append(control)
    cards = [
        pn.Card(*(c.panel for c in members), title=group, collapsed=i > 1, sizing_mode="stretch_width")
        for i, (group, members) in enumerate(groups.items())
    ]
    return controls, cards
