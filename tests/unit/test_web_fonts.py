"""Issue 13: the sites' fonts are WOFF2 subsets (Thai, Latin) made by tools/make_fonts.py, and up to date."""

from __future__ import annotations

import re
from pathlib import Path

from fontTools.ttLib import TTFont

from tools import make_fonts

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_fonts_and_stylesheet_are_what_the_script_makes() -> None:
    assert make_fonts.main(["--check"]) == 0


def test_every_face_is_woff2_with_its_range_and_swaps() -> None:
    css = (REPO / "web" / "citizen" / "css" / "site.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face \{(.*?)\}", css, re.S)
    assert len(faces) == 4  # two weights, each a Thai and a Latin subset
    for face in faces:
        assert 'format("woff2")' in face
        assert "font-display: swap;" in face
        assert "unicode-range: U+" in face
    assert ".ttf" not in css


def test_the_thai_subset_draws_thai_and_the_latin_one_does_not() -> None:
    fonts = REPO / "web" / "citizen" / "fonts"
    (thai,) = fonts.glob("sarabun-400-thai.*.woff2")
    (latin,) = fonts.glob("sarabun-400-latin.*.woff2")
    thai_cmap = TTFont(thai).getBestCmap()
    latin_cmap = TTFont(latin).getBestCmap()
    assert all(ord(c) in thai_cmap for c in "ขออนุญาตเปิดร้านอาหาร")
    assert ord("ก") not in latin_cmap and ord("A") in latin_cmap and ord("9") in latin_cmap
    assert thai.stat().st_size < 20_000 and latin.stat().st_size < 20_000


def test_both_sites_preload_the_regular_thai_subset() -> None:
    (thai,) = (REPO / "web" / "citizen" / "fonts").glob("sarabun-400-thai.*.woff2")
    for page, prefix in (
        (REPO / "web" / "citizen" / "index.html", "fonts/"),
        (REPO / "web" / "officer" / "index.html", "../fonts/"),
    ):
        html = page.read_text(encoding="utf-8")
        assert f'<link rel="preload" href="{prefix}{thai.name}" as="font" type="font/woff2" crossorigin>' in html
