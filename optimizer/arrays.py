"""Column arrays of carrier attributes, built once per instance for vectorised pruning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from geodata.clashes import Clashes
from geodata.instance import READINESS_ITEMS, Factory, Instance, Parcel

#: Ordinal used for "not scheduled" readiness dates (later than any real date).
NEVER = dt.date(9999, 12, 31).toordinal()


@dataclass(slots=True)
class CarrierArrays:
    """Attributes of parcels or factories as numpy arrays, in the instance's (sorted) order."""

    kind: str
    ids: list[str]
    zone: np.ndarray
    open_clusters: np.ndarray
    clusters: list[frozenset[str]]
    max_pollution: np.ndarray
    available_year: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    # parcels
    area_cmu: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    land_use_rank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    divisible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    min_intensity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    min_tax: np.ndarray = field(default_factory=lambda: np.zeros(0))
    far_min: np.ndarray = field(default_factory=lambda: np.zeros(0))
    far_max: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ready: dict[str, np.ndarray] = field(default_factory=dict)
    supplied: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    stock: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # factories
    floor_m2: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    floor_load: np.ndarray = field(default_factory=lambda: np.zeros(0))
    clear_height: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _member: dict[str, np.ndarray] = field(default_factory=dict)
    #: the instance's clash rules (邻避, :mod:`optimizer.constraints.clashes`); None: none
    clashes: Clashes | None = None

    def cluster_member(self, cluster: str) -> np.ndarray:
        """Carriers that list ``cluster`` explicitly."""
        if cluster not in self._member:
            self._member[cluster] = np.array([cluster in c for c in self.clusters], dtype=bool)
        return self._member[cluster]

    def __len__(self) -> int:
        return len(self.ids)


def _common(kind: str, items: list[Parcel] | list[Factory], ids: list[str]) -> dict[str, object]:
    return {
        "kind": kind,
        "ids": ids,
        "zone": np.array([c.zone for c in items], dtype=object),
        "open_clusters": np.array([len(c.clusters) == 0 for c in items], dtype=bool),
        "clusters": [c.clusters for c in items],
        "max_pollution": np.array([c.max_pollution for c in items], dtype=np.int64),
        "available_year": np.array([c.available_year for c in items], dtype=np.int64),
        "x_m": np.array([c.x_m for c in items], dtype=float),
        "y_m": np.array([c.y_m for c in items], dtype=float),
    }


def _ordinal(d: dt.date | None) -> int:
    return d.toordinal() if d is not None else NEVER


def parcel_arrays(instance: Instance) -> CarrierArrays:
    """Arrays of the instance's parcels."""
    ps = list(instance.parcels)
    ready = {k: np.array([_ordinal(p.ready.get(k)) for p in ps], np.int64) for k in READINESS_ITEMS}
    return CarrierArrays(
        **_common("parcel", ps, [p.parcel_id for p in ps]),  # type: ignore[arg-type]
        area_cmu=np.array([p.area_cmu for p in ps], dtype=np.int64),
        land_use_rank=np.array([int(p.land_use[1]) for p in ps], dtype=np.int64),
        divisible=np.array([p.divisible for p in ps], dtype=bool),
        min_intensity=np.array([p.min_intensity_wan_per_mu for p in ps], dtype=float),
        min_tax=np.array([p.min_tax_wan_per_mu for p in ps], dtype=float),
        far_min=np.array([p.far_min if p.far_min is not None else 0.0 for p in ps], dtype=float),
        far_max=np.array([p.far_max if p.far_max is not None else np.inf for p in ps], dtype=float),
        ready=ready,
        supplied=np.array([p.supplied for p in ps], dtype=bool),
        stock=np.array([p.stock for p in ps], dtype=bool),
        clashes=instance.clashes,
    )


def factory_arrays(instance: Instance) -> CarrierArrays:
    """Arrays of the instance's factories."""
    fs = list(instance.factories)
    return CarrierArrays(
        **_common("factory", fs, [f.factory_id for f in fs]),  # type: ignore[arg-type]
        floor_m2=np.array([f.floor_m2 for f in fs], dtype=np.int64),
        floor_load=np.array(
            [f.floor_load_kg_m2 if f.floor_load_kg_m2 is not None else -1.0 for f in fs], float
        ),
        clear_height=np.array(
            [f.clear_height_m if f.clear_height_m is not None else -1.0 for f in fs], float
        ),
        clashes=instance.clashes,
    )
