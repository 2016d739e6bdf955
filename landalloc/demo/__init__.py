"""A reproducible demonstration district modelled on 苏州高新区.

:func:`generate` builds a fictional but realistic district from a seed: zones laid out on a grid in
the order of their real-world locations (科技城, 浒墅关经开区, 狮山横塘, 枫桥, 通安, 东渚) in CGCS2000 /
3-degree Gauss-Kruger CM 120E (EPSG:4549), parcels in street blocks (adjacent parcels inside a
block can be merged for 合并供地), standard factories, a pipeline of projects with the investment
tiers the seed reports count (≥ 1 / 10 / 50 / 100 亿元), yearly land quotas for the district and
for two zones, seven industry clusters with their 链主 anchor points, a few pinned decisions, and
what its first year has already committed (parcels supplied, quota used, 存量 land).

Every company, project and parcel is invented. The same seed and parameters always give the same
tables. Sizes are parameters (the defaults are the demo: 6 zones, 400 parcels, 40 factories, 200
projects, 2026–2028); the generator is vectorised so that 10 000 parcels take about a second.
The tables are built directly in the typed form of the schema tier (the tests check that
:func:`geodata.schema.coerce_table` leaves them unchanged), then go through the parcel geometry
checks and the reference tier (:func:`geodata.store.check_references`) before they are returned;
:func:`write_demo` writes them atomically. Pinned projects pass the optimizer's own static rules
(:func:`optimizer.constraints.fit.static_masks`, with a safety margin: see :mod:`.pins`) and fit
within half of each year's quotas. The shipped files stay with the data: ``geodata/demo.gpkg``
and ``geodata/demo_pipeline.xlsx``.

Modules: :mod:`.catalogue` (zones, clusters, parameters), :mod:`.projects` (pipeline, quotas),
:mod:`.carriers` (parcel and factory attributes), :mod:`.layout` (geometry), :mod:`.pins`,
:mod:`.committed` (supplied parcels, used quota, 存量 land),
:mod:`.district` (assembly, files) and :mod:`.workbook` (the 项目库 spreadsheet).
"""

from landalloc.demo.catalogue import (
    CLUSTERS,
    DEFAULT_FACTORIES,
    DEFAULT_FIRST_YEAR,
    DEFAULT_PARCELS,
    DEFAULT_PROJECTS,
    DEFAULT_QUOTA_RATIO,
    DEFAULT_YEARS,
    DEFAULT_ZONES,
    DEMO_SEED,
    FACTORIES_RANGE,
    FIRST_YEAR_RANGE,
    PARCELS_RANGE,
    PROJECTS_RANGE,
    QUOTA_RATIO_RANGE,
    WASTE_TOLERANCE,
    YEARS_RANGE,
    ZONES,
    ZONES_RANGE,
    ClusterSpec,
    ZoneSpec,
    zone_specs,
)
from landalloc.demo.district import DemoSummary, generate, summarise, write_demo
from landalloc.demo.layout import PARCEL_GAP_M, ROAD_M, ZONE_GAP_M
from landalloc.demo.pins import PIN_MARGIN
from landalloc.demo.workbook import (
    HECTARE_DECIMALS,
    MESSY_GROUP,
    MESSY_SHEET,
    MESSY_TITLE,
    XLSX_FORMS,
    messy_rows,
    projects_sheet,
    write_messy_pipeline_xlsx,
    write_pipeline_xlsx,
)

__all__ = [
    "CLUSTERS",
    "DEFAULT_FACTORIES",
    "DEFAULT_FIRST_YEAR",
    "DEFAULT_PARCELS",
    "DEFAULT_PROJECTS",
    "DEFAULT_QUOTA_RATIO",
    "DEFAULT_YEARS",
    "DEFAULT_ZONES",
    "DEMO_SEED",
    "FACTORIES_RANGE",
    "FIRST_YEAR_RANGE",
    "HECTARE_DECIMALS",
    "MESSY_GROUP",
    "MESSY_SHEET",
    "MESSY_TITLE",
    "PARCELS_RANGE",
    "PARCEL_GAP_M",
    "PIN_MARGIN",
    "PROJECTS_RANGE",
    "QUOTA_RATIO_RANGE",
    "ROAD_M",
    "WASTE_TOLERANCE",
    "XLSX_FORMS",
    "YEARS_RANGE",
    "ZONES",
    "ZONES_RANGE",
    "ZONE_GAP_M",
    "ClusterSpec",
    "DemoSummary",
    "ZoneSpec",
    "generate",
    "messy_rows",
    "projects_sheet",
    "summarise",
    "write_demo",
    "write_messy_pipeline_xlsx",
    "write_pipeline_xlsx",
    "zone_specs",
]
