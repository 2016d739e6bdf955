"""Pinned decisions of the demo: a few signed projects locked to carriers they fit.

Whether a project fits a carrier is the optimizer's question, and it is answered here by the
optimizer's one definition: every static rule of :func:`optimizer.constraints.fit.static_masks`
(cluster admission, land use, pollution, area and waste, the 标准地 indicators on the land
supplied, factory specs) under the default :class:`~optimizer.settings.Policy`, on the integer
units :func:`geodata.store.build_instance` loads. Two conditions are the demo's own: the carrier is
available in the project's start year (the year whose quotas the pin is charged to), and a pinned
parcel's 标准地 floors are asked with a safety margin (:data:`PIN_MARGIN`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from geodata.instance import Factory, Instance, Parcel, Project
from geodata.units import mu_to_cmu, to_int, yi_to_wan
from optimizer.arrays import CarrierArrays, factory_arrays, parcel_arrays
from optimizer.constraints import fit
from optimizer.settings import Policy

#: Safety margin of a pin on a parcel's 标准地 indicators: the optimizer's rules are asked with the
#: parcel's investment-intensity, tax and minimum plot-ratio floors raised by this fraction and its
#: maximum plot ratio lowered by it, so that no pin sits at the edge of a floor. It is part of the
#: data: the demo has always been generated with it (``geodata/demo.gpkg`` does not depend on it,
#: but a few other seeds pin other parcels without it). No margin is needed on the waste
#: tolerance: a pin's land is 95 % of its parcel (rounded down to 0.1 亩), far inside it.
PIN_MARGIN = 0.01


def as_project(pro: Mapping[str, Any]) -> Project:
    """A generated project row as the optimizer sees it (the units of ``build_instance``)."""
    return Project(
        project_id=str(pro["project_id"]),
        name=str(pro["name"]),
        company=str(pro["company"]),
        cluster=str(pro["cluster"]),
        stage=str(pro["stage"]),
        investment_wan=yi_to_wan(float(pro["investment_yi"])),
        land_cmu=mu_to_cmu(float(pro["land_mu"])),
        floor_m2=to_int(float(pro["floor_m2"])),
        carrier=str(pro["carrier"]),
        land_use=str(pro["land_use"]),
        output_wan=yi_to_wan(float(pro["output_yi"])),
        tax_wan=to_int(float(pro["tax_wan"])),
        jobs=int(pro["jobs"]),
        pollution=int(pro["pollution"]),
        start_year=int(pro["start_year"]),
        ready_to_build=bool(pro["ready_to_build"]),
        needs=frozenset(pro["needs"]),
        min_floor_load_kg_m2=pro["min_floor_load_kg_m2"],
        min_clear_height_m=pro["min_clear_height_m"],
        tags=frozenset(pro["tags"]),
        pinned_carrier=str(pro["pinned_carrier"]) or None,
    )


def margined_parcel(
    cols: Mapping[str, Sequence[Any]], j: int, margin: float = PIN_MARGIN
) -> Parcel:
    """Parcel ``j`` of the generated columns as the optimizer sees it, floors tightened by
    ``margin`` (see :data:`PIN_MARGIN`)."""
    far_min, far_max = cols["far_min"][j], cols["far_max"][j]
    return Parcel(
        parcel_id=str(cols["parcel_id"][j]),
        zone=str(cols["zone"][j]),
        land_use=str(cols["land_use"][j]),
        clusters=frozenset(cols["clusters"][j]),
        area_cmu=mu_to_cmu(float(cols["area_mu"][j])),
        divisible=bool(cols["divisible"][j]),
        available_year=int(cols["available_year"][j]),
        max_pollution=int(cols["max_pollution"][j]),
        min_intensity_wan_per_mu=float(cols["min_intensity_wan_per_mu"][j]) * (1.0 + margin),
        min_tax_wan_per_mu=float(cols["min_tax_wan_per_mu"][j]) * (1.0 + margin),
        far_min=None if far_min is None else float(far_min) * (1.0 + margin),
        far_max=None if far_max is None else float(far_max) * (1.0 - margin),
        ready={},
        x_m=0.0,
        y_m=0.0,
    )


def _factory_arrays(cols: Mapping[str, Sequence[Any]]) -> CarrierArrays:
    """The generated factories as the optimizer's arrays, in the order of the columns."""
    factories = tuple(
        Factory(
            factory_id=str(cols["factory_id"][j]),
            zone=str(cols["zone"][j]),
            clusters=frozenset(cols["clusters"][j]),
            floor_m2=to_int(float(cols["floor_area_m2"][j])),
            floor_load_kg_m2=float(cols["floor_load_kg_m2"][j]),
            clear_height_m=float(cols["clear_height_m"][j]),
            available_year=int(cols["available_year"][j]),
            max_pollution=int(cols["max_pollution"][j]),
            x_m=0.0,
            y_m=0.0,
        )
        for j in range(len(cols["factory_id"]))
    )
    return factory_arrays(_instance(factories=factories))


def _instance(parcels: tuple[Parcel, ...] = (), factories: tuple[Factory, ...] = ()) -> Instance:
    return Instance(parcels=parcels, factories=factories, projects=(), quotas=(), clusters=())


def fits(project: Project, arr: CarrierArrays, policy: Policy) -> np.ndarray:
    """Carriers of ``arr`` on which ``project`` passes every static rule of the optimizer."""
    ok = np.full(len(arr), fit.wants(project, arr))
    for _, mask in fit.static_masks(project, arr, policy):
        ok &= mask
    return ok


def parcel_fits(pro: Mapping[str, Any], cols: Mapping[str, Sequence[Any]], j: int) -> bool:
    """Project row ``pro`` may be pinned to parcel ``j`` of the generated columns ``cols``.

    Every static rule of the optimizer holds (default policy, floors with :data:`PIN_MARGIN`) and
    the parcel is available in the project's start year. No quota is checked here.
    """
    arr = parcel_arrays(_instance(parcels=(margined_parcel(cols, j),)))
    project = as_project(pro)
    return bool(fits(project, arr, Policy())[0] and arr.available_year[0] <= project.start_year)


def pin(
    rng: np.random.Generator,
    projects: list[dict[str, Any]],
    parcels: dict[str, list[Any]],
    factories: dict[str, list[Any]],
    quotas: list[dict[str, Any]],
    n_pins: int,
) -> None:
    """Lock a few signed projects to carriers they fit (decisions already taken).

    The signed contract fixes the land at a little below the parcel's area. A pinned project is
    not 拿地即开工 (its readiness was settled with the contract). Pinned land of each start year
    stays below half of that year's district quota and of its zone's quota, so every pin can be
    honoured whatever else the optimizer places. One signed factory project is pinned too.
    """
    order = [int(i) for i in rng.permutation(len(projects))]
    _pin_land(rng, order, projects, parcels, quotas, n_pins)
    _pin_factory(order, projects, factories)


def _pin_land(
    rng: np.random.Generator,
    order: list[int],
    projects: list[dict[str, Any]],
    parcels: dict[str, list[Any]],
    quotas: list[dict[str, Any]],
    n_pins: int,
) -> None:
    """Pin up to ``n_pins`` signed land projects (below 50 亿元), in ``order``, to whole parcels."""
    area_mu = np.asarray(parcels["area_mu"], dtype=float)
    divisible = np.asarray(parcels["divisible"], dtype=bool)
    zone = parcels["zone"]
    cap = {(q["year"], q["zone"]): 0.5 * q["land_mu"] for q in quotas}
    used: dict[tuple[int, str], float] = {}
    taken = np.zeros(len(zone), dtype=bool)
    pinned = 0
    for i in order:
        pro = projects[i]
        if pinned >= n_pins:
            break
        if pro["stage"] != "signed" or pro["carrier"] != "land" or pro["investment_yi"] >= 50:
            continue
        land = float(pro["land_mu"])
        near = (area_mu >= 0.8 * land) & (area_mu <= 1.25 * land)
        cand = np.flatnonzero(near & ~taken & ~divisible)
        rng.shuffle(cand)
        for j in cand.tolist():
            area = float(area_mu[j])
            # the contract's land: a little below the parcel, within the waste tolerance
            trial = dict(pro, land_mu=math.floor(area * 0.95 * 10) / 10)
            y = int(trial["start_year"])
            keys = [(y, "*"), (y, zone[j])]
            if any(k in cap and used.get(k, 0.0) + area > cap[k] for k in keys):
                continue
            if (y, "*") not in cap:
                continue
            if parcel_fits(trial, parcels, j):
                pro.update(trial, pinned_carrier=parcels["parcel_id"][j], ready_to_build=False)
                taken[j] = True
                for k in keys:
                    used[k] = used.get(k, 0.0) + area
                pinned += 1
                break


def _pin_factory(
    order: list[int], projects: list[dict[str, Any]], factories: dict[str, list[Any]]
) -> None:
    """Pin the first signed factory project (in ``order``) that fits a factory to the first one."""
    arr = _factory_arrays(factories)
    policy = Policy()
    for i in order:
        pro = projects[i]
        if pro["stage"] == "signed" and pro["carrier"] == "factory" and not pro["pinned_carrier"]:
            project = as_project(pro)
            ok = fits(project, arr, policy) & (arr.available_year <= project.start_year)
            if ok.any():
                pro["pinned_carrier"] = arr.ids[int(np.argmax(ok))]
                return
