"""Building Altair charts without the copies and schema checks Altair makes at every step, for the same spec.

Altair copies a chart at each method call, and a layered chart's copy is Altair layering it all over again (its
layers deep-copied twice, nested layers each time); `.properties()` also checks each value against the Vega-Lite
schema. A map or an annotated trend chart spent most of its build there. The builders here set what they need on a
chart they have just made; `to_dict()` checks the whole spec (and the chart tests check every builder's).
Relies on Altair's SchemaBase keeping its properties in `_args`/`_kwds` (altair 6, pinned in requirements.txt;
tests/unit/test_chart_build.py holds the specs to what Altair's own methods give).
"""

from __future__ import annotations

from typing import Any, TypeVar

import altair as alt

Chart = TypeVar("Chart", bound=alt.TopLevelMixin)


def finished(chart: Chart, **properties: Any) -> Chart:
    """`chart` (one the builder has just made: changed in place) with top-level `properties`, as
    `chart.properties(**properties)` gives it, without the copy and without the check of each value."""
    for name, value in properties.items():
        setattr(chart, name, value)
    return chart


def with_properties(chart: Chart, **properties: Any) -> Chart:
    """A shallow copy of `chart` with top-level `properties` (`chart.properties(**properties)`, or
    `chart.configure(...)` with `config=`), without Altair layering a layered chart again to copy it. The copy
    shares its layers and other parts with `chart`, as Altair's shallow copy does (its own list of them: a layer
    added to the copy in place, `copy += other`, is not added to `chart`)."""
    kwds = {**chart._kwds, **properties}
    if isinstance(kwds.get("layer"), list):
        kwds["layer"] = list(kwds["layer"])
    copy = object.__new__(type(chart))
    object.__setattr__(copy, "_args", chart._args)
    object.__setattr__(copy, "_kwds", kwds)
    return copy
