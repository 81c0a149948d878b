"""The administrator's criteria pages for a keyboard or screen-reader user: a refused save of a criterion or of a
set's clone lists its problems once, in a summary focused on load that links to each faulty field, which is marked
(aria-invalid, described by its message); the editor's hints are read with their fields; the tree's rows say their
level, its scroll box is reachable by keyboard, its «Thêm con» links are named starting with what they show; the
set list marks its Vietnamese data lang="vi" on the English page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    """Every element's attributes, by id, and the attributes of every element in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.all: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.all.append((tag, found))
        if "id" in found:
            self.by_id[found["id"]] = found


def _summary(html: str, summary_id: str) -> str:
    match = re.search(rf'<div [^>]*id="{summary_id}".*?</div>', html, re.S)
    assert match, f"no error summary #{summary_id}"
    return match.group(0)


@pytest.fixture
def levels_leaf(small_set: IndicatorSet, admin_user: Any) -> Indicator:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    return draft.indicators.get(code="1.1.1")  # levels: on_time 1, late 0, none −1


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf), save="1")
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


def test_a_refused_criterion_save_lists_each_problem_once_in_a_focused_summary_linking_to_the_marked_fields(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    # given
    client.force_login(admin_user)
    before = (levels_leaf.max_points, levels_leaf.params)
    # when: a maximum that is no number and a level whose points are no number
    response = _edit(client, levels_leaf, max_points="abc", p_options="on_time | Ban hành | x")
    # then: refused, nothing saved
    assert response.status_code == 400
    levels_leaf.refresh_from_db()
    assert (levels_leaf.max_points, levels_leaf.params) == before
    html = response.content.decode()
    elements = _Elements(html)
    # one summary, focused on load, each problem a link to its field
    summary = _summary(html, "indicator-errors")
    box = elements.by_id["indicator-errors"]
    assert box.get("tabindex") == "-1" and "autofocus" in box and box.get("role") == "alert"
    assert 'href="#id_max_points"' in summary and 'href="#id_p_options"' in summary
    assert "«Các mức», dòng 1" in summary
    # nothing in the banner above the page, nor a second copy under the heading
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert html.count("«Các mức», dòng 1") == 2  # the summary and the message next to the textarea
    # the levels' textarea marked and described by its message, as the maximum is
    options = elements.by_id["id_p_options"]
    assert options.get("aria-invalid") == "true"
    assert "id_p_options_error" in options.get("aria-describedby", "").split()
    assert "«Các mức», dòng 1" in re.search(r'id="id_p_options_error">(.*?)</span>', html, re.S).group(1)
    assert elements.by_id["id_max_points"].get("aria-invalid") == "true"


def test_a_level_line_out_of_shape_is_said_on_the_levels_textarea_and_in_the_summary(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    response = _edit(client, levels_leaf, p_options="on_time | Ban hành đúng hạn\nlate | Trễ | 0")
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html, "indicator-errors")
    assert 'href="#id_p_options"' in summary and "dòng 1" in summary
    assert _Elements(html).by_id["id_p_options"].get("aria-invalid") == "true"
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def test_the_editors_list_hint_describes_the_list_inputs(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    html = client.get(reverse("administration:node_edit", args=[levels_leaf.pk])).content.decode()
    elements = _Elements(html)
    assert "Danh sách: mỗi dòng một mục" in html
    assert "method-list-hint" in elements.by_id
    for name in ("options", "bands", "variables", "items"):
        assert "method-list-hint" in elements.by_id[f"id_p_{name}"].get("aria-describedby", "").split(), name
        assert "aria-invalid" not in elements.by_id[f"id_p_{name}"]
    assert elements.by_id["id_p_whole_numbers"].get("aria-describedby") == "id_p_whole_numbers_hint"
    assert "id_p_whole_numbers_hint" in elements.by_id


def test_a_clone_to_a_key_already_taken_is_said_on_the_key_field_and_in_the_summary(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_clone", args=[small_set.pk]), {
        "key": small_set.key, "year": "2021", "name": "Bộ 2021", "decision_ref": "", "proposed_year": "2021"})
    assert response.status_code == 400
    assert IndicatorSet.objects.count() == 1
    html = response.content.decode()
    key = _Elements(html).by_id["id_key"]
    assert key.get("aria-invalid") == "true" and "id_key_error" in key.get("aria-describedby", "")
    assert "đã tồn tại" in re.search(r'id="id_key_error">(.*?)</span></span>', html, re.S).group(1)
    summary = _summary(html, "clone-errors")
    assert 'href="#id_key"' in summary and "đã tồn tại" in summary
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def _english(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


class _Langs(HTMLParser):
    """Each text of the page with the language it is in (the nearest open element saying one)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        lang = next((lang for _tag, lang in reversed(self.stack) if lang), "")
        self.texts.append((data, lang))


def _lang_of(html: str, text: str) -> list[str]:
    return [lang for data, lang in _Langs(html).texts if text in data]


def test_the_set_list_in_english_marks_the_sets_vietnamese_data(admin_user: Any, small_set: IndicatorSet) -> None:
    from scoring.models import UnitKind
    from scoring.services import cycle_create

    kind = UnitKind.objects.get(pk=small_set.unit_kind_id)
    cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={kind: small_set}, actor=None)
    html = _english(admin_user).get(reverse("administration:set_list")).content.decode()
    assert '<html lang="en"' in html
    html = html[html.index('<table class="grid set-table">'):html.index("</table>")]  # not the form
    for text in ("Bộ chỉ số thử nghiệm", "689/QĐ-UBND ngày 11/3/2020", "Chỉ số CCHC năm 2020", kind.name):
        langs = _lang_of(html, text)
        assert langs and all(lang == "vi" for lang in langs), (text, langs)


def test_the_criteria_tree_is_a_named_keyboard_region_whose_rows_say_their_level(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    html = client.get(reverse("administration:set_detail", args=[levels_leaf.indicator_set_id])).content.decode()
    box = re.search(r'<div class="table-scroll"([^>]*)><table class="grid tree admin-tree">', html)
    assert box, "the tree's scroll box"
    attrs = box.group(1)
    assert 'tabindex="0"' in attrs and 'role="region"' in attrs and 'aria-labelledby="tree-title"' in attrs
    assert re.search(r'<h2 id="tree-title">Cây tiêu chí</h2>', html)
    row = re.search(rf'<tr id="node-{levels_leaf.pk}".*?</tr>', html, re.S).group(0)
    assert '<td>1.1.1<span class="visually-hidden"> (cấp 3)</span></td>' in row


def test_the_add_child_link_is_named_starting_with_what_it_shows(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    html = client.get(reverse("administration:set_detail", args=[levels_leaf.indicator_set_id])).content.decode()
    row = re.search(rf'<tr id="node-{levels_leaf.pk}".*?</tr>', html, re.S).group(0)
    link = re.search(r'<a href="[^"]*\?cha=\d+"([^>]*)>(.*?)</a>', row, re.S)
    assert link and "aria-label" not in link.group(1)
    name = re.sub(r"<[^>]+>", "", link.group(2))
    assert name == "Thêm con — tiêu chí con của 1.1.1"
