"""The plain, typed hand-off from ``geodata`` to ``optimizer``.

An :class:`Instance` holds ids, integer base units (see :mod:`geodata.units`), dates and a little
precomputed geometry (centroids in metres, parcel adjacency). It holds no GeoDataFrame; the
optimizer never touches geodata files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from geodata.clashes import Clashes

LandUse = Literal["M0", "M1", "M2", "M3"]
Stage = Literal["negotiating", "signed", "registered"]
CarrierNeed = Literal["land", "factory", "either"]

#: The readiness columns of the ``parcels`` layer, in the contract's order (name without prefix).
#: The readiness items of the ``parcels`` layer (column ``ready_<item>``) with their Chinese names,
#: in the contract's order.
READINESS_NAMES_ZH: dict[str, str] = {
    "levelled": "场地平整",
    "water": "供水",
    "power": "供电",
    "road": "道路",
    "telecom": "通信",
    "gas": "燃气",
    "heat": "供热",
    "drainage": "排水",
    "planning": "规划条件",
    "assessment": "区域评估",
}
READINESS_ITEMS: tuple[str, ...] = tuple(READINESS_NAMES_ZH)
#: Utilities a project may list in ``needs``.
UTILITIES: tuple[str, ...] = ("water", "power", "road", "telecom", "gas", "heat", "drainage")
DEFAULT_NEEDS: frozenset[str] = frozenset({"water", "power", "road", "drainage"})
STAGES: tuple[str, ...] = ("negotiating", "signed", "registered")
LAND_USES: tuple[str, ...] = ("M0", "M1", "M2", "M3")


@dataclass(frozen=True, slots=True)
class Parcel:
    """A 地块 that can be supplied to one project (or several when divisible)."""

    parcel_id: str
    zone: str
    land_use: str
    clusters: frozenset[str]
    area_cmu: int
    divisible: bool
    available_year: int
    max_pollution: int
    min_intensity_wan_per_mu: float
    min_tax_wan_per_mu: float
    far_min: float | None
    far_max: float | None
    ready: Mapping[str, dt.date | None]
    x_m: float
    y_m: float
    neighbours: tuple[str, ...] = ()
    #: already supplied (已供地): never planned again
    supplied: bool = False
    supplied_date: dt.date | None = None
    #: the project the parcel was supplied to ("" when not named)
    supplied_project: str = ""
    #: 存量/低效用地 (revitalised land, 工业上楼): supplying it uses no new construction quota
    stock: bool = False


@dataclass(frozen=True, slots=True)
class Factory:
    """A 标准厂房 with free floor area that several projects may share."""

    factory_id: str
    zone: str
    clusters: frozenset[str]
    floor_m2: int
    floor_load_kg_m2: float | None
    clear_height_m: float | None
    available_year: int
    max_pollution: int
    x_m: float
    y_m: float


@dataclass(frozen=True, slots=True)
class Project:
    """A pipeline project (项目库 entry)."""

    project_id: str
    name: str
    company: str
    cluster: str
    stage: str
    investment_wan: int
    land_cmu: int
    floor_m2: int
    carrier: str
    land_use: str
    output_wan: int
    tax_wan: int
    jobs: int
    pollution: int
    start_year: int
    ready_to_build: bool
    needs: frozenset[str]
    min_floor_load_kg_m2: float | None
    min_clear_height_m: float | None
    tags: frozenset[str]
    pinned_carrier: str | None
    #: the parcels already supplied to the project (已供地): it is committed, never planned again
    supplied_parcels: tuple[str, ...] = ()

    @property
    def wants_land(self) -> bool:
        """The project may be placed on parcels."""
        return self.carrier in ("land", "either") and self.land_cmu > 0

    @property
    def wants_factory(self) -> bool:
        """The project may be placed in standard factories."""
        return self.carrier in ("factory", "either") and self.floor_m2 > 0


@dataclass(frozen=True, slots=True)
class Quota:
    """Land quota of one year for one zone (``*`` = the whole district)."""

    year: int
    zone: str
    land_cmu: int
    #: quota of the row already used this year before the plan (0.01 亩)
    used_cmu: int = 0


@dataclass(frozen=True, slots=True)
class Cluster:
    """An industry cluster with display names, colour and optional anchor point (metres)."""

    cluster: str
    name_zh: str
    name_en: str
    color: str
    anchor_x_m: float | None = None
    anchor_y_m: float | None = None


@dataclass(frozen=True, slots=True)
class Instance:
    """Everything the optimizer needs, in integer base units and sorted by id."""

    parcels: tuple[Parcel, ...]
    factories: tuple[Factory, ...]
    projects: tuple[Project, ...]
    quotas: tuple[Quota, ...]
    clusters: tuple[Cluster, ...]
    crs: str = "EPSG:4549"
    source: str = ""
    meta: Mapping[str, str] = field(default_factory=dict)
    #: neighbours that clash (邻避): the clash pairs and the near pairs within their reach
    #: (:mod:`geodata.clashes`); ``None``: no such rule
    clashes: Clashes | None = None

    @property
    def zones(self) -> tuple[str, ...]:
        """All zone codes, sorted."""
        return tuple(sorted({p.zone for p in self.parcels} | {f.zone for f in self.factories}))

    @property
    def years(self) -> tuple[int, ...]:
        """Years that have a quota row, sorted."""
        return tuple(sorted({q.year for q in self.quotas}))

    def parcel(self, parcel_id: str) -> Parcel:
        """Look up a parcel by id."""
        return _index(self.parcels, "parcel_id")[parcel_id]  # type: ignore[return-value]

    def project(self, project_id: str) -> Project:
        """Look up a project by id."""
        return _index(self.projects, "project_id")[project_id]  # type: ignore[return-value]

    def factory(self, factory_id: str) -> Factory:
        """Look up a factory by id."""
        return _index(self.factories, "factory_id")[factory_id]  # type: ignore[return-value]


def _index(items: tuple[object, ...], key: str) -> dict[str, object]:
    return {getattr(i, key): i for i in items}
