"""The contract layers as read and checked: :class:`Tables`, shared by every tier and output.

Defined here, apart from :mod:`geodata.store` (reading), :mod:`geodata.references` (tier 3),
:mod:`geodata.build` (the :class:`~geodata.instance.Instance`) and :mod:`geodata.write`
(GeoPackage output), which all use it; importable from :mod:`geodata.store` as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geodata import crs as crs_mod
from geodata.postgis_url import source_label


@dataclass(slots=True)
class Tables:
    """The contract layers after the schema and geodata tiers (original units, typed cells).

    ``parcels``, ``factories`` and ``zones`` are GeoDataFrames in the working CRS; the others are
    plain DataFrames. This is what the verifier and the maps read; the optimizer reads the
    :class:`Instance` built from it.
    """

    parcels: gpd.GeoDataFrame
    factories: gpd.GeoDataFrame
    projects: pd.DataFrame
    quotas: pd.DataFrame
    clusters: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    crs: str = crs_mod.DEFAULT_WORKING_CRS
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: Per-layer source file names for messages (e.g. after ``landalloc import``); layers not
    #: listed fall back to ``source``.
    files: dict[str, str] = field(default_factory=dict)
    #: Layers whose rows could not be read (a required column missing, a refused CRS, no
    #: geometry; errors reported): they are empty here, and references into them are not
    #: checked (every reference would look unknown).
    unread: frozenset[str] = frozenset()

    def file_of(self, layer: str) -> str | None:
        """The file name to cite in messages about ``layer``."""
        if layer in self.files:
            return self.files[layer]
        return source_label(self.source) if self.source else None  # a file's name, a URL


def first_year(tables: Tables) -> int:
    """The first quota year (this year when no quota has a year): the default of blank years."""
    years = [int(y) for y in tables.quotas["year"].tolist() if y is not None]
    return min(years) if years else dt.date.today().year
