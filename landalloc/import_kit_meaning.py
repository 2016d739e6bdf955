"""What each column of the import kit's templates means (:mod:`landalloc.import_kit`).

The only text of the kit written by hand: units, requirement, defaults and allowed values are
taken from the schema and the importer; :func:`landalloc.import_kit.check_kit` fails when a
column of a template has no explanation here.
"""

from __future__ import annotations

#: What each column means (Chinese, English); units, requirement, defaults and allowed values are
#: taken from the schema and the importer.
MEANING: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {
        "project_id": (
            "项目的唯一编号，按文本原样保留",
            "unique id of the project, kept as written",
        ),
        "name": ("项目名称", "project name"),
        "company": ("企业名称", "company name"),
        "cluster": (
            "所属产业集群：产业集群表中的代码或中文/英文名称；未提供产业集群表时，名称即代码",
            "industry cluster: a code or a Chinese/English name of the clusters table; without a "
            "clusters table the names are the codes",
        ),
        "stage": ("招商阶段", "stage of the project"),
        "investment_yi": (
            "计划总投资；表头可改写单位，如 总投资(万元)",
            "planned total investment; the header may name another unit, e.g. 总投资(万元)",
        ),
        "land_mu": (
            "需要的用地面积；0 或空白 = 不需要用地；表头可改写单位，如 用地面积(公顷)",
            "land needed; 0 or blank = no land; the header may name another unit, e.g. 用地面积(公顷)",
        ),
        "floor_m2": (
            "需要的标准厂房建筑面积；0 或空白 = 不需要厂房",
            "standard-factory floor area needed; 0 or blank = none",
        ),
        "carrier": (
            "落地载体；空白 = 由用地面积和厂房面积推断",
            "carrier wanted; blank = inferred from the land and floor areas",
        ),
        "land_use": ("需要的用地性质", "land-use class needed"),
        "output_yi": ("达产后年产值", "yearly output at full production"),
        "tax_wan": ("达产后年税收", "yearly tax at full production"),
        "jobs": ("就业人数", "jobs"),
        "pollution": ("污染等级（1 最轻，3 最重）", "pollution class (1 lightest, 3 heaviest)"),
        "start_year": (
            "计划开工年份；空白 = 规划第一年",
            "planned start year; blank = first planning year",
        ),
        "ready_to_build": (
            "是否要求“拿地即开工”（供地时开工条件须已具备）",
            "requires 拿地即开工: the site must be ready when the land is supplied",
        ),
        "needs": (
            "需要的配套条件，多项用 ; 、 或 , 分隔",
            "utilities needed, several separated by ; 、 or ,",
        ),
        "min_floor_load_kg_m2": (
            "厂房楼面荷载要求（只对厂房项目）",
            "floor load required of a factory (factory projects only)",
        ),
        "min_clear_height_m": (
            "厂房净高要求（只对厂房项目）",
            "clear height required of a factory (factory projects only)",
        ),
        "tags": ("项目标签，多项用 ; 分隔，用于加分", "tags, separated by ; (priority points)"),
        "pinned_carrier": (
            "锁定落在该地块或厂房（填其编号）；空白 = 由优化决定",
            "pin the project to this parcel or factory (its id); blank = the optimiser decides",
        ),
    },
    "quotas": {
        "year": ("指标所属年份", "year of the quota"),
        "zone": (
            "片区代码（与地块图层的片区一致），或 全区（= *，全区合计）",
            "zone code (as in the parcels layer), or 全区 (= *, the whole district)",
        ),
        "land_mu": (
            "当年可供应的新增工业用地；表头可写 用地指标(公顷)",
            "industrial land that may be supplied that year; the header may be 用地指标(公顷)",
        ),
        "used_mu": (
            "本年度已经使用的指标（如年中规划时已供地块占用的）；从可用指标中扣除；空白 = 0",
            "quota of the year already used (e.g. by parcels supplied earlier in the year); "
            "subtracted from what the plan may use; blank = 0",
        ),
    },
    "clusters": {
        "cluster": (
            "集群代码，唯一；地块的准入产业和项目的产业集群可写代码或名称",
            "unique cluster code; parcels and projects may name a cluster by code or name",
        ),
        "name_zh": ("中文名称（地图和报表中显示）", "Chinese name (shown on maps and reports)"),
        "name_en": ("英文名称（--lang en 时显示）", "English name (shown with --lang en)"),
        "color": ("地图上的颜色", "colour on the map"),
        "anchor_x": (
            "链主企业位置的 X 坐标（工作坐标系，默认 EPSG:4549）；靠近链主加分",
            "X of the cluster's anchor firm (working CRS, EPSG:4549 by default); nearby placements "
            "score points",
        ),
        "anchor_y": ("链主企业位置的 Y 坐标", "Y of the anchor firm"),
    },
    "zones": {
        "zone": (
            "片区代码，唯一；与地块、厂房图层和用地指标中的片区一致",
            "unique zone code, as used by parcels, factories and quotas",
        ),
        "name_zh": (
            "片区中文名称；地块、用地指标中写名称时自动换成代码",
            "Chinese name; parcels and quotas may use it instead of the code",
        ),
        "name_en": ("片区英文名称", "English name"),
    },
}
