"""The page of a map: one folium/Leaflet map per scenario around the embedded payloads.

Every script and style is inlined (:mod:`maps.assets`); the geometry payload is embedded once as
escaped JSON (:func:`maps.offline.script_json`) and each map is started by the map script with
its scenario's payload, both encoded as keyed rows (:mod:`maps.payload`).
"""

from __future__ import annotations

import html
from typing import Any

import branca.element
import folium
from jinja2 import Template

from maps import assets
from maps.offline import script_json
from maps.payload import encode_geo, encode_result


class _Init(branca.element.MacroElement):
    """Calls the map script on a folium map with its (escaped) result payload."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "LandallocMap.init({{ this._parent.get_name() }}, landallocGeo, {{ this.payload }});"
        "{% if this.sync %}LandallocMap.syncAll();{% endif %}"
        "{% endmacro %}"
    )

    def __init__(self, payload: str, sync: bool = False) -> None:
        super().__init__()
        self._name = "LandallocInit"
        self.payload = payload
        self.sync = sync


def _page(page_title: str, geo: dict[str, Any], payloads: list[dict[str, Any]]) -> str:
    fig = branca.element.Figure()
    fig.header.add_child(
        branca.element.Element(f"<title>{html.escape(page_title)}</title>"), name="la_title"
    )
    fig.header.add_child(branca.element.Element(assets.head_html()), name="la_assets")
    fig.header.add_child(
        branca.element.Element(
            f'<script type="application/json" id="landalloc-geo">{script_json(encode_geo(geo))}'
            "</script>\n"
            "<script>var landallocGeo = JSON.parse("
            "document.getElementById('landalloc-geo').textContent);</script>"
        ),
        name="la_geo",
    )
    b = geo.get("bounds") or [[31.3, 120.5], [31.3, 120.5]]
    centre = [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2]
    n = len(payloads)
    for i, payload in enumerate(payloads):
        m = folium.Map(
            location=centre,
            tiles=None,
            prefer_canvas=True,
            zoom_start=13,
            width=f"{100 / n:.4f}%",
            height="100%",
            left=f"{100 * i / n:.4f}%",
            position="absolute",
            fade_animation=False,
        )
        m._id = f"la{i}"
        m.default_js = []
        m.default_css = []
        m.add_child(_Init(script_json(encode_result(payload)), sync=n > 1 and i == n - 1))
        fig.add_child(m, name=m.get_name())
    out: str = fig.render()
    return out
