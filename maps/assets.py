"""Static assets inlined into every map: Leaflet (from ``xstatic-leaflet``) and landalloc's own.

Nothing is fetched at view time: the Leaflet stylesheet's images are turned into ``data:`` URIs,
the source-map comment is dropped and the one external link Leaflet writes into its attribution
prefix is removed, so the HTML holds no ``src``/``href`` to the network.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet

#: Leaflet's attribution prefix links to its web site; the maps must not link out.
_LEAFLET_PREFIX_LINK = (
    '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">'
)
_LEAFLET_PREFIX_PLAIN = '<a title="A JavaScript library for interactive maps">'
_SOURCE_MAP_RE = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL_RE = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def leaflet_dir() -> Path:
    """The folder of the installed Leaflet distribution (``xstatic-leaflet``)."""
    return Path(xs_leaflet.BASE_DIR)


def leaflet_version() -> str:
    """Version of the inlined Leaflet."""
    return str(xs_leaflet.VERSION)


def _guard(text: str, tag: str) -> str:
    """Make an asset safe to place inside ``<tag>…</tag>`` (no early close tag)."""
    return re.sub(rf"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, without the source-map comment and the external link."""
    text = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    if _LEAFLET_PREFIX_LINK not in text:  # pragma: no cover - depends on the Leaflet build
        raise RuntimeError("unexpected Leaflet build: attribution prefix not found")
    text = text.replace(_LEAFLET_PREFIX_LINK, _LEAFLET_PREFIX_PLAIN)
    return _guard(_SOURCE_MAP_RE.sub("", text), "script")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images embedded as ``data:`` URIs."""
    base = leaflet_dir()
    text = (base / "leaflet.css").read_text(encoding="utf-8")

    def embed(m: re.Match[str]) -> str:
        data = base64.b64encode((base / m.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _guard(_CSS_URL_RE.sub(embed, text), "style")


def _own(name: str) -> str:
    return resources.files("maps").joinpath("assets", name).read_text(encoding="utf-8")


#: landalloc's scripts, in load order: the panels, then the map script that uses them.
OWN_SCRIPTS = ("landalloc_panels.js", "landalloc_map.js")


@functools.cache
def own_js() -> str:
    """landalloc's map scripts (panels and legend, layers, filters, popups), in load order."""
    return "\n".join(_guard(_own(name), "script") for name in OWN_SCRIPTS)


@functools.cache
def own_css() -> str:
    """landalloc's map stylesheet."""
    return _guard(_own("landalloc_map.css"), "style")


def head_html() -> str:
    """All styles and scripts as inline ``<style>``/``<script>`` blocks for the page head."""
    return (
        f"<style>{leaflet_css()}</style>\n"
        f"<style>{own_css()}</style>\n"
        f"<script>{leaflet_js()}</script>\n"
        f"<script>{own_js()}</script>\n"
    )
