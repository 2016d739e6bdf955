"""A still image of a map for slides, taken with headless Chromium (no Python browser driver).

Chromium runs with a fresh profile, no sandbox (containers), no GPU and no background traffic;
the page is loaded from the local file and given a few seconds of virtual time to draw. By
default the picture is made for a slide: 1920 × 1080 (16:9), the page in its slide layout
(``#slide``: title, key figures and legend in larger type, no filters or zoom buttons) and the
view fitted exactly to the data between the panels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from geodata.report import fail
from geodata.store import atomic_path

#: Where Chromium is looked for, after ``$LANDALLOC_CHROMIUM``.
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags for any automated Chromium (screenshots here, Playwright in the tests and the bench):
#: no sandbox (containers), no GPU, no background network traffic.
BROWSER_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: The size of a picture for a 16:9 slide (pixels).
SLIDE_SIZE = (1920, 1080)
#: The flags of a headless screenshot run.
CHROMIUM_FLAGS = ("--headless", *BROWSER_FLAGS, "--hide-scrollbars")


def find_chromium() -> str | None:
    """The Chromium executable to use, or ``None`` when none is installed."""
    env = os.environ.get("LANDALLOC_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(
    html_path: str | Path,
    png_path: str | Path,
    width: int = SLIDE_SIZE[0],
    height: int = SLIDE_SIZE[1],
    *,
    slide: bool = True,
    wait_ms: int = 8000,
    timeout_s: float = 120.0,
) -> Path:
    """Render a map page in headless Chromium and save a PNG (written atomically).

    Parameters
    ----------
    html_path, png_path
        The map page (a local file) and where to write the PNG.
    width, height
        The window size in pixels (default 1920 × 1080, 16:9).
    slide
        The slide layout of the page (``#slide``); ``False``: the page as a browser shows it.
    wait_ms, timeout_s
        Virtual time given to the page to draw (tiles, if any, load within it); wall-clock
        limit for Chromium.

    Raises
    ------
    DataError
        No Chromium, no page, or no image produced.
    """
    html_path = Path(html_path).resolve()
    png_path = Path(png_path)
    if not html_path.is_file():
        raise fail(
            "no_file",
            f"找不到地图文件 {html_path}",
            f"map file not found: {html_path}",
            file=str(html_path),
        )
    exe = find_chromium()
    if exe is None:
        raise fail(
            "no_chromium",
            "截图需要 Chromium 浏览器，但未找到（可安装 Debian 软件包 chromium，或设置环境变量 "
            "LANDALLOC_CHROMIUM 指向浏览器程序）",
            "a screenshot needs Chromium, which was not found (install the Debian package "
            "chromium, or point LANDALLOC_CHROMIUM at the browser)",
        )
    with (
        tempfile.TemporaryDirectory(prefix="landalloc-chromium-") as profile,
        atomic_path(png_path) as tmp,
    ):
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={int(width)},{int(height)}",
            f"--virtual-time-budget={int(wait_ms)}",
            f"--screenshot={tmp}",
            "--force-device-scale-factor=1",
            html_path.as_uri() + ("#slide" if slide else ""),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise fail(
                "screenshot_failed",
                f"Chromium 截图超时（{timeout_s:.0f} 秒）",
                f"Chromium screenshot timed out ({timeout_s:.0f} s)",
            ) from exc
        if not tmp.exists() or tmp.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise fail(
                "screenshot_failed",
                "Chromium 没有生成截图：" + " / ".join(tail),
                "Chromium produced no screenshot: " + " / ".join(tail),
            )
    return png_path
