"""The language of data on a page in another language (WCAG 3.1.2, language of parts).

Names of units, sets, areas and criteria, guidance, option labels, document numbers, notes and reasons are
written in Vietnamese whatever the interface's language. On a page in English a screen reader would read them
with an English voice: `{{ value|vi }}` marks such a text `<span lang="vi">…</span>` (escaped), with no class and
no style, so it changes nothing on screen. On a Vietnamese page the page's own `lang` already says it, and the
text is written as it is (escaped). An element whose whole content is data, or one that cannot hold a span (an
`<option>`), takes the attribute itself: `<option lang="vi">`, or `<option{% vi_lang %}>` to write it only on a page
in another language (the Vietnamese page's markup stays as it was).

    {% load data_language %}
    <td class="name">{{ n.name|vi }}</td>
    {% blocktranslate with name=unit.name|vi %}… {{ name }} …{% endblocktranslate %}
    <option value="{{ u.code }}"{% vi_lang %}>{{ u.name }}</option>
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

DATA_LANGUAGE = "vi"


def _in_data_language() -> bool:
    return (get_language() or DATA_LANGUAGE).split("-")[0] == DATA_LANGUAGE


def marked_language() -> str:
    """The language code to mark data with outside a template (a chart's drawn names): DATA_LANGUAGE on a page in
    another language, "" on a Vietnamese page (nothing to mark)."""
    return "" if _in_data_language() else DATA_LANGUAGE


@register.simple_tag
def vi_lang() -> SafeString:
    """` lang="vi"` for an element whose whole content is Vietnamese data, on a page in another language; nothing
    on a Vietnamese page."""
    return SafeString("" if _in_data_language() else f' lang="{DATA_LANGUAGE}"')


@register.filter
def vi(value: Any) -> SafeString:
    """Vietnamese data text marked `lang="vi"` on a page in another language; escaped as `{{ value }}` would be
    (a text already safe, as a `join`'s, is not escaped twice); nothing for None or an empty text."""
    if value is None or value == "":
        return SafeString("")
    if _in_data_language():
        return SafeString(conditional_escape(value))
    return format_html('<span lang="{}">{}</span>', DATA_LANGUAGE, value)
