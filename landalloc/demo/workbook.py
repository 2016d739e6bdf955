"""The demo's projects as a 项目库 workbook: the messy form people keep, or a plain one.

:func:`write_pipeline_xlsx` writes either form; :func:`geodata.pipeline.read_pipeline` reads both
back to the ``projects`` table (``geodata/demo_pipeline.xlsx`` is the messy form of the demo).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from geodata.schema import LAYERS
from geodata.store import Tables
from geodata.textsafe import text_cells_as_text
from geodata.units import WAN_PER_YI


def projects_sheet(tables: Tables) -> pd.DataFrame:
    """The projects as a plain 项目库 sheet: one column per contract column, Chinese headers."""
    out = pd.DataFrame()
    for col in LAYERS["projects"]:
        values = tables.projects[col.name].tolist()
        if col.kind == "list":
            values = [";".join(v) if v else "" for v in values]
        elif col.kind == "bool":
            values = ["是" if v else "否" for v in values]
        out[col.label_zh or col.name] = pd.Series(values, dtype=object)
    return out


#: Forms of the 项目库 spreadsheet written by :func:`write_demo`.
XLSX_FORMS = ("messy", "plain")
#: Title of the messy 项目库 sheet (merged across the table, above a blank row and the header).
MESSY_TITLE = "苏州高新区2026年重点产业项目库（截至2026年11月）"
MESSY_SHEET = "项目库"
#: The grouping column of the messy sheet (not a contract column; merged over equal runs).
MESSY_GROUP = "所属片区/招商部门"
_STAGE_ZH = {"negotiating": "在谈", "signed": "签约", "registered": "注册"}
_CARRIER_ZH = {"land": "土地", "factory": "厂房", "either": "均可"}
_LAND_USE_ZH = {
    "M0": "新型产业用地",
    "M1": "一类工业用地",
    "M2": "二类工业用地",
    "M3": "三类工业用地",
}
_NEED_ZH = {
    "water": "供水", "power": "供电", "road": "道路", "telecom": "通信", "gas": "燃气",
    "heat": "供热", "drainage": "排水",
}  # fmt: skip
_TAG_ZH = {
    "fortune500": "世界500强", "hq": "总部", "listed": "上市", "specialised": "专精特新",
    "chain_leader": "链主",
}  # fmt: skip
#: Decimals of 占地(公顷): 亩/15 to 6 decimals is within 1e-5 亩 of the value, far inside 0.01 亩.
HECTARE_DECIMALS = 6
_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def _num(x: float) -> int | float:
    """``x`` as an int when it is whole (so Excel shows ``10700`` rather than ``10700.0``)."""
    return int(x) if float(x).is_integer() else float(x)


def _grouped(x: float, full_width: bool = False) -> str:
    """``x`` as text with thousands separators, optionally in full-width characters."""
    text = f"{_num(x):,}"
    return text.translate(_FULL_WIDTH) if full_width else text


def _departments(tables: Tables) -> list[str]:
    """The 招商部门 of each project: the zone that hosts its pinned carrier or its cluster."""
    zone_name: dict[str, str] = {}
    focus: list[tuple[str, set[str]]] = []
    if tables.zones is not None:
        for rec in tables.zones.drop(columns="geometry").to_dict("records"):
            zone_name[str(rec["zone"])] = str(rec.get("name_zh") or rec["zone"])
            focus.append((str(rec["zone"]), set(str(rec.get("focus_clusters") or "").split(";"))))
    carrier_zone = dict(zip(tables.parcels["parcel_id"], tables.parcels["zone"], strict=True))
    carrier_zone.update(zip(tables.factories["factory_id"], tables.factories["zone"], strict=True))
    out: list[str] = []
    for i, (cluster, pin) in enumerate(
        zip(tables.projects["cluster"], tables.projects["pinned_carrier"], strict=True)
    ):
        zone = carrier_zone.get(str(pin))
        if zone is None:
            hosts = [z for z, f in focus if cluster in f] or [z for z, _ in focus]
            zone = hosts[i % len(hosts)] if hosts else None
        out.append(f"{zone_name.get(zone, zone)}招商局" if zone else "投资促进局")
    return out


def messy_rows(tables: Tables) -> tuple[list[str], list[list[Any]]]:
    """Header and data rows of the 项目库 the way it is kept in practice.

    Chinese headers with units and synonyms (``投资总额(万元)``, ``占地(公顷)``), Chinese
    cluster/stage/utility/tag names, quantities in the units of the header (investment in 万元,
    land in 公顷 = 亩/15 to :data:`HECTARE_DECIMALS` decimals), some numbers as text with
    thousands separators or full-width digits, units written in some cells (``１１，５００㎡``,
    ``32人``, ``2026年``), rows sorted by the grouping column :data:`MESSY_GROUP` (stable, so
    within a group the projects keep their order) and numbered in ``序号``.
    """
    pro = tables.projects
    name_zh = dict(zip(tables.clusters["cluster"], tables.clusters["name_zh"], strict=True))
    groups = _departments(tables)
    order = sorted(range(len(pro)), key=lambda i: groups[i])
    header = [
        "序号", "项目编号", "项目名称", "企业名称", MESSY_GROUP, "产业集群", "项目阶段",
        "投资总额(万元)", "占地(公顷)", "厂房面积(平方米)", "载体类型", "用地性质",
        "年产值(亿元)", "年税收(万元)", "就业人数", "污染等级", "计划开工年份", "拿地即开工",
        "配套需求", "荷载要求(kg/㎡)", "净高要求(m)", "标签", "锁定载体",
    ]  # fmt: skip
    recs = pro.to_dict("records")
    rows: list[list[Any]] = []
    for n, i in enumerate(order, start=1):
        r = recs[i]
        # a few deterministic variations, spread over the sheet
        text_money, full_width, cell_unit = n % 5 == 0, n % 7 == 3, n % 6 == 1
        wan = round(float(r["investment_yi"]) * WAN_PER_YI, 2)
        land = float(r["land_mu"])
        floor = float(r["floor_m2"])
        ha = round(land / 15, HECTARE_DECIMALS)
        tax = float(r["tax_wan"])
        rows.append([
            n,
            str(r["project_id"]),
            r["name"],
            r["company"],
            groups[i],
            name_zh.get(r["cluster"], r["cluster"]),
            _STAGE_ZH[r["stage"]],
            _grouped(wan, full_width) if text_money or full_width else _num(wan),
            (None if land == 0 else
             (f"{_num(ha)}公顷" if cell_unit else
              (f"{_num(ha)}".translate(_FULL_WIDTH) if full_width else _num(ha)))),
            (None if floor == 0 else
             (_grouped(floor, full_width) + "㎡" if cell_unit or full_width else _num(floor))),
            _CARRIER_ZH[r["carrier"]],
            f"{_LAND_USE_ZH[r['land_use']]}({r['land_use']})" if n % 4 == 0 else r["land_use"],
            _num(float(r["output_yi"])),
            _grouped(tax, full_width) if text_money or full_width else _num(tax),
            f"{r['jobs']}人" if cell_unit else int(r["jobs"]),
            f"{r['pollution']}级" if n % 8 == 2 else int(r["pollution"]),
            f"{r['start_year']}年" if cell_unit else int(r["start_year"]),
            "是" if r["ready_to_build"] else "否",
            "、".join(_NEED_ZH[x] for x in r["needs"]),
            None if r["min_floor_load_kg_m2"] is None else _num(r["min_floor_load_kg_m2"]),
            None if r["min_clear_height_m"] is None else _num(r["min_clear_height_m"]),
            "、".join(_TAG_ZH.get(x, x) for x in r["tags"]) or None,
            r["pinned_carrier"] or None,
        ])  # fmt: skip
    return header, rows


def write_messy_pipeline_xlsx(tables: Tables, path: str | Path) -> None:
    """Write the projects as the 项目库 workbook people actually keep (see :func:`messy_rows`).

    Sheet :data:`MESSY_SHEET`; row 1 is the title :data:`MESSY_TITLE` merged across the table,
    row 2 is blank, row 3 the header, data from row 4; the grouping column :data:`MESSY_GROUP` is
    merged vertically over consecutive rows with the same value; project ids are text cells
    (format ``@``) so leading zeros survive; a note row follows the table.
    :func:`geodata.pipeline.read_pipeline` with the ``clusters`` table reads it back to the
    ``projects`` table (to the contract's precision: 0.01 亩, 1 万元).
    Writes ``path`` directly; :func:`write_demo` wraps it in an atomic write.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header, rows = messy_rows(tables)
    wb = Workbook()
    ws = wb.active
    ws.title = MESSY_SHEET
    width = len(header)
    ws.cell(row=1, column=1, value=MESSY_TITLE).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    first = 4
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=first - 1, column=j, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", wrap_text=True)
    id_col = header.index("项目编号") + 1
    group_col = header.index(MESSY_GROUP) + 1
    for k, row in enumerate(rows):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=first + k, column=j, value=v)
        ws.cell(row=first + k, column=id_col).number_format = "@"
    start = 0
    for k in range(1, len(rows) + 1):  # merge runs of equal groups
        if k == len(rows) or rows[k][group_col - 1] != rows[start][group_col - 1]:
            if k - start > 1:
                ws.merge_cells(
                    start_row=first + start,
                    start_column=group_col,
                    end_row=first + k - 1,
                    end_column=group_col,
                )
            ws.cell(row=first + start, column=group_col).alignment = Alignment(vertical="center")
            start = k
    ws.cell(
        row=first + len(rows) + 1,
        column=1,
        value="注：投资总额、年税收单位为万元，年产值单位为亿元，占地单位为公顷；本表为虚构示范数据。",
    )
    for j, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(30, 2 * len(h) + 2))
    ws.freeze_panes = ws.cell(row=first, column=3)
    text_cells_as_text(ws)
    wb.save(path)


def write_pipeline_xlsx(tables: Tables, path: str | Path, form: str = "messy") -> None:
    """Write the projects as a 项目库 workbook: ``messy`` (as kept in practice) or ``plain``.

    Parameters
    ----------
    tables
        Tables from :func:`generate` (the messy form also uses clusters, zones and carriers).
    path
        The ``.xlsx`` to write (directly; callers wanting atomicity use ``atomic_path``).
    form
        ``"messy"`` (:func:`write_messy_pipeline_xlsx`) or ``"plain"`` (:func:`projects_sheet`:
        one column per contract column).
    """
    if form == "messy":
        write_messy_pipeline_xlsx(tables, path)
    elif form == "plain":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            projects_sheet(tables).to_excel(writer, sheet_name=MESSY_SHEET, index=False)
            text_cells_as_text(writer.sheets[MESSY_SHEET])
    else:
        raise ValueError(f"unknown xlsx form {form!r}; expected one of {XLSX_FORMS}")
