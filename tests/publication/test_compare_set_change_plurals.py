"""The year-over-year page's counts of criteria changed between two sets take their language's singular or plural
(«1 new criterion», «2 criteria dropped»), and its sentence about the sets has no space before its punctuation, in
Vietnamese and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import trans_real

from scoring.models import Publication
from scoring.publication.selectors import set_differences
from scoring.services import indicator_set_import
from tests.conftest import small_set_data
from tests.publication.test_compare import _publish_2021

pytestmark = pytest.mark.django_db

ADDED = "%(n)s tiêu chí mới"
DROPPED = "%(n)s tiêu chí bỏ"
REWORDED = "%(n)s tiêu chí đổi nội dung"
# English entries as the translator will write them (locale/ is translated after this change): the test puts them in
# the English catalogue for its own run, and takes them out after.
ENGLISH = {
    (ADDED, 0): "%(n)s new criterion", (ADDED, 1): "%(n)s new criteria",
    (DROPPED, 0): "%(n)s criterion dropped", (DROPPED, 1): "%(n)s criteria dropped",
    (REWORDED, 0): "%(n)s criterion reworded", (REWORDED, 1): "%(n)s criteria reworded",
}


@pytest.fixture
def english_plurals() -> Iterator[None]:
    catalog = trans_real.translation("en")._catalog._catalogs[0]
    missing = object()
    before = {key: catalog.get(key, missing) for key in ENGLISH}
    catalog.update(ENGLISH)
    yield
    for key, value in before.items():
        if value is missing:
            del catalog[key]
        else:
            catalog[key] = value


def _set(code: str, name: str, parent: str | None = None, *, uid: int) -> dict[str, Any]:
    return {"id": uid, "code": code, "parent": parent, "name": name, "level": 1 if parent is None else 2,
            "kind": "normal", "max_points": "10.00", "is_leaf": parent is not None}


def test_each_count_takes_the_singular_or_the_plural(english_plurals: None) -> None:
    # given: 2021 drops two criteria and adds one
    earlier = {"standard_max": "100", "indicators": [
        _set("1", "Lĩnh vực", uid=1), _set("1.1", "A", "1", uid=2), _set("1.2", "B", "1", uid=3),
        _set("1.3", "C", "1", uid=4)]}
    later = {"standard_max": "100", "indicators": [
        {**_set("1", "Lĩnh vực", uid=11), "origins": [1]}, {**_set("1.1", "A", "1", uid=12), "origins": [2]},
        _set("1.2", "D", "1", uid=13)]}
    # when / then
    with translation.override("en"):
        assert set_differences(earlier, later) == ["1 new criterion", "2 criteria dropped"]
    with translation.override("vi"):
        assert set_differences(earlier, later) == ["1 tiêu chí mới", "2 tiêu chí bỏ"]


@pytest.mark.parametrize(("language", "said"), [
    ("en", "a different issuing document; 1 criterion reworded."),
    ("vi", "văn bản ban hành bộ chỉ số khác; 1 tiêu chí đổi nội dung."),
])
def test_the_pages_sentence_about_the_sets_reads_as_a_sentence(
    publication: Publication, admin_user: Any, english_plurals: None, language: str, said: str
) -> None:
    # given: 2021's set issued by another decision, with one criterion reworded
    data = small_set_data(key="test-set-2021", year=2021, decision_ref="123/QĐ-UBND ngày 1/3/2021")
    data["indicators"][0]["children"][0]["children"][0]["name"] = "Ban hành kế hoạch CCHC năm đúng hạn"
    _publish_2021(admin_user, indicator_set_import(data=data, actor=None))
    client = Client()
    client.cookies["django_language"] = language
    # when
    html = client.get("/ket-qua/2021/so-sanh/2020/").content.decode()
    # then
    summary = " ".join(strip_tags(html.split("data-set-changes>")[1].split("</section>")[0]).split())
    assert said in summary, summary
    assert not re.search(r"\s[.,:;]", summary), summary
