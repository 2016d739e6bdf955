"""Readiness for "拿地即开工": can a project start construction the day it gets its land?

The package has two parts:

* :mod:`optimizer.readiness.rules` — the rule set (``optimizer/readiness_rules.yaml``) and its
  overrides (a rules file, the ``readiness`` section of a scenario): :func:`load_rules`,
  :class:`RuleSet`, :class:`Precondition`;
* :mod:`optimizer.readiness.assessment` — what the candidate builder, the KPIs and the verifier
  use: :func:`assess` (a project on a parcel supplied in a year), :func:`parcel_status` (a parcel
  on a day), the statuses and their words (:data:`STATUS_LABELS`). The module is not called
  ``assess`` so that its name does not clash with the function re-exported here;
* :mod:`optimizer.readiness.slip` — readiness dates moved by months (the scenario knob
  ``readiness_slip``): :func:`~optimizer.readiness.slip.slip_tables`, ``slip_instance``.

The district views (inventory, departments, quarters) and the ranking of the parcels for one
project are tables for people and live beside the KPIs, in :mod:`optimizer.views.readiness` and
:mod:`optimizer.views.ranking`. Every public name of the three is re-exported here (the views on
first use), so ``from optimizer.readiness import …`` keeps working; new code imports the views
from :mod:`optimizer.views`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from geodata.report import DataError
from optimizer.readiness.assessment import (
    STATUS_LABELS,
    Assessment,
    Missing,
    ParcelStatus,
    Status,
    acquisition_date,
    assess,
    missing_text,
    parcel_status,
)
from optimizer.readiness.rules import READY_COLUMNS, Precondition, RuleSet, load_rules

if TYPE_CHECKING:
    from optimizer.views.ranking import rank_parcels, static_misfit
    from optimizer.views.readiness import (
        department_view,
        parcel_inventory,
        parcel_statuses,
        quarter_end,
        quarter_of,
        quarter_view,
    )

#: The names re-exported from the views, by module. They are imported on first use: the views
#: import this package, so importing them here would be circular.
_VIEWS: dict[str, str] = {
    **dict.fromkeys(("rank_parcels", "static_misfit"), "optimizer.views.ranking"),
    **dict.fromkeys(
        (
            "department_view",
            "parcel_inventory",
            "parcel_statuses",
            "quarter_end",
            "quarter_of",
            "quarter_view",
        ),
        "optimizer.views.readiness",
    ),
}


def __getattr__(name: str) -> Any:
    """The view functions re-exported from :mod:`optimizer.views` (PEP 562)."""
    module = _VIEWS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_VIEWS})


__all__ = [
    "READY_COLUMNS",
    "STATUS_LABELS",
    "Assessment",
    "DataError",
    "Missing",
    "ParcelStatus",
    "Precondition",
    "RuleSet",
    "Status",
    "acquisition_date",
    "assess",
    "department_view",
    "load_rules",
    "missing_text",
    "parcel_inventory",
    "parcel_status",
    "parcel_statuses",
    "quarter_end",
    "quarter_of",
    "quarter_view",
    "rank_parcels",
    "static_misfit",
]
