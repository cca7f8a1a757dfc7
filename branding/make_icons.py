"""Renders a branding folder's logo.svg into its PNG icons (192, 512 and maskable 512).

    .venv/bin/python branding/make_icons.py branding/<code> ["#rrggbb"]

The colour fills the maskable icon's safe-zone padding; without one, the folder's
theme.toml gives it (colours.primary). Uses Debian's Chromium.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = (
    ("icon-192.png", 192, 0.0),
    ("icon-512.png", 512, 0.0),
    ("icon-maskable-512.png", 512, 0.2),
)


def main(folder: Path, background: str) -> None:
    svg = (folder / "logo.svg").read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for name, size, padding in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            inner = int(size * (1 - padding))
            sized = svg.replace("<svg ", f'<svg width="{inner}" height="{inner}" ', 1)
            fill = background if padding else "transparent"
            page.set_content(
                f'<html><body style="margin:0;background:{fill};display:flex;'
                f'align-items:center;justify-content:center;width:{size}px;height:{size}px">'
                f"{sized}</body></html>"
            )
            page.screenshot(path=str(folder / name), omit_background=not padding)
            page.close()
        browser.close()


def theme_primary(folder: Path) -> str:
    """The folder's primary colour, from its theme.toml."""
    theme = tomllib.loads((folder / "theme.toml").read_text(encoding="utf-8"))
    return str(theme["colours"]["primary"])


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    colour = sys.argv[2] if len(sys.argv) == 3 else theme_primary(folder)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        sys.exit(f"expected a colour like '#1a2b3c', not {colour!r}")
    main(folder, colour)
