"""The scenario's ``clashes`` section (邻避) and the rules it adds to a problem's instance.

::

    clashes:
      sites: ../geodata/demo_sensitive_sites.geojson   # default: the data's sensitive_sites layer
      pairs:                                            # default: geodata.clashes.DEFAULT_PAIRS
        - {a: pollution:3, b: site:school, buffer_m: 800}
        - {a: cluster:biomed, b: cluster:new_energy, buffer_m: 200}
      enabled: true

Without the section and without a ``sensitive_sites`` layer in the data nothing changes. With
either, the clash pairs (the section's, else the defaults) and the near pairs precomputed from
the geometry (:func:`geodata.clashes.build_clashes`) are attached to the instance, where the
rule family :mod:`optimizer.constraints.clashes` and the verifier find them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from geodata.clashes import DEFAULT_PAIRS, SITES_LAYER, build_clashes, parse_pairs, read_sites
from geodata.instance import Instance


class ClashSettings(BaseModel):
    """Neighbours that clash (邻避, :mod:`optimizer.constraints.clashes`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="apply the clash buffers")
    sites: str | None = Field(
        None, description="vector file of sensitive sites (default: the data's layer)"
    )
    layer: str | None = Field(None, description="layer of the sites file")
    pairs: list[dict[str, Any]] | None = Field(
        None, description="[{a, b, buffer_m}] (default: the documented default pairs)"
    )


def _data_sites(data: Path | str, crs: Any) -> Any | None:
    """The data file's ``sensitive_sites`` layer, or ``None`` (none, or a database)."""
    if not isinstance(data, Path) or not data.is_file():
        return None
    import pyogrio

    try:
        names = {str(n) for n in pyogrio.list_layers(data)[:, 0]}
    except Exception:  # not a vector file: the data's own checks have spoken already
        return None
    return read_sites(data, crs, SITES_LAYER) if SITES_LAYER in names else None


def attach(
    settings: ClashSettings | None,
    scenario_path: Path,
    data: Path | str,
    inst: Instance,
    tables: Any,
) -> Instance:
    """``inst`` with its clash rules (:attr:`Instance.clashes`) when the scenario or the data
    has any; ``inst`` itself otherwise."""
    if settings is not None and not settings.enabled:
        return inst
    crs = tables.parcels.crs
    if settings is not None and settings.sites:
        p = Path(settings.sites)
        sites = read_sites(p if p.is_absolute() else scenario_path.parent / p, crs, settings.layer)
    else:
        sites = _data_sites(data, crs)
    if settings is None and sites is None:
        return inst
    pairs = (
        parse_pairs(settings.pairs, "clashes.pairs")
        if settings is not None and settings.pairs is not None
        else DEFAULT_PAIRS
    )
    carriers = [(str(r.parcel_id), r.geometry) for r in tables.parcels.itertuples()]
    if tables.factories is not None and len(tables.factories):
        carriers += [(str(r.factory_id), r.geometry) for r in tables.factories.itertuples()]
    return dataclasses.replace(inst, clashes=build_clashes(carriers, sites, pairs))


def as_run(settings: ClashSettings | None, scenario_path: Path) -> dict[str, Any]:
    """The section for the scenario as run (written into the result folder): the sites file as
    an absolute path, so that ``rerun`` finds it from there; empty without a sites file."""
    if settings is None or not settings.sites:
        return {}
    p = Path(settings.sites)
    p = p if p.is_absolute() else (scenario_path.parent / p).resolve()
    return {"clashes": {**settings.model_dump(mode="json"), "sites": str(p)}}
