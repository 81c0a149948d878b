"""WCAG 1.4.11 (non-text contrast), read from the stylesheet itself so that a colour changed later cannot silently
fall below 3:1: the focus ring on every background the site paints (the red top bar included), and every text
field's border on the light backgrounds fields sit on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
NAMED = {"white": "#ffffff", "black": "#000000"}
# The backgrounds the brief names besides those the stylesheet declares: a page's, a note's, the top bar's.
NAMED_BACKGROUNDS = ("#ffffff", "#f7f8fa", "#fff8e1", "#9b1c1c")
FIELD = re.compile(r"(?<![\w-])(input|textarea|select)(?![\w-])")


def _rules() -> list[tuple[str, dict[str, str]]]:
    """Every rule of the stylesheet as (selector, declarations), comments dropped, media queries flattened."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip().lower()] = value.strip()
        rules.append((selector.strip(), declarations))
    return rules


def _variables() -> dict[str, str]:
    out: dict[str, str] = {}
    for selector, declarations in _rules():
        if selector == ":root":
            out.update({k: v for k, v in declarations.items() if k.startswith("--")})
    return out


def _colour(value: str) -> str | None:
    """The colour a declaration's value paints (its var() resolved), as #rrggbb; None when it names none."""
    variables = _variables()
    value = re.sub(r"var\((--[\w-]+)(?:,[^)]*)?\)", lambda m: variables.get(m.group(1), m.group(0)), value)
    for word, code in NAMED.items():
        if re.search(rf"\b{word}\b", value):
            return code
    found = HEX.search(value)
    if not found:
        return None
    code = found.group(0)[1:].lower()
    return "#" + ("".join(c * 2 for c in code) if len(code) == 3 else code)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _backgrounds() -> set[str]:
    found = {c for _s, d in _rules() for k in ("background", "background-color") if k in d
             for c in [_colour(d[k])] if c}
    return found | set(NAMED_BACKGROUNDS)


def _focus_rules() -> list[tuple[str, dict[str, str]]]:
    return [(s, d) for s, d in _rules() if re.search(r":focus(-visible)?\b", s) and "outline" in d]


def test_the_contrast_formula_gives_the_known_ratios() -> None:
    # the brief's measurements of the colours replaced
    assert round(contrast("#e0a800", "#ffffff"), 2) == 2.15
    assert round(contrast("#98a2b3", "#ffffff"), 2) == 2.58
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0


def test_the_stylesheet_declares_a_focus_ring_for_every_control() -> None:
    selectors = [s for s, _d in _focus_rules()]
    assert any(re.search(r"(^|,)\s*:focus-visible\b", s) for s in selectors), selectors


@pytest.mark.parametrize("background", sorted(_backgrounds()))
def test_the_focus_ring_reads_at_3_to_1_on_every_background(background: str) -> None:
    rules = _focus_rules()
    assert rules
    for selector, declarations in rules:
        dark = _colour(declarations["outline"])
        light = _colour(declarations.get("box-shadow", "")) or dark
        assert dark, selector
        # the two tones are told apart from each other, and one of them from the background
        assert contrast(dark, light) >= 3 or dark == light, selector
        assert max(contrast(dark, background), contrast(light, background)) >= 3, (selector, dark, light, background)


def test_an_invalid_fields_focus_ring_is_the_focus_ring_not_the_red_invalid_outline() -> None:
    # [aria-invalid] paints a red outline; focused, the field shows the focus ring (a selector that outranks it)
    assert any('[aria-invalid="true"]:focus-visible' in s for s, _d in _focus_rules())


def test_every_text_fields_border_reads_at_3_to_1_on_the_light_backgrounds() -> None:
    light = sorted(b for b in _backgrounds() if _luminance(b) > 0.5)
    checked = []
    for selector, declarations in _rules():
        if not FIELD.search(selector) or "border" not in declarations:
            continue
        colour = _colour(declarations["border"])
        if colour is None:
            continue
        checked.append(selector)
        for background in light:
            assert contrast(colour, background) >= 3, (selector, colour, background)
    assert len(checked) >= 5, checked  # the sheet's number boxes, reason, texts; forms, filters, administration
