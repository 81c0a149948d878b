"""The open-data documentation (docs/open-data.md, its English version, the «Dữ liệu mở» page) says what the files
do, as an analyst reading them needs it: the lowest band's classification below its threshold as the engine gives
it, the top-level `areas` not a maximum for every unit, and how to open the CSV files in a Vietnamese Excel."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from scoring.engine.index import Band, classify
from scoring.models import Publication
from scoring.publication import exports

DOCS = Path(settings.BASE_DIR) / "docs"
VI = (DOCS / "open-data.md").read_text(encoding="utf-8")
EN = (DOCS / "open-data.en.md").read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_an_index_below_the_lowest_threshold_is_documented_as_the_engine_classifies_it() -> None:
    bands = (Band(Decimal("90"), "Tốt"), Band(Decimal("80"), "Khá"), Band(Decimal("65"), "Trung bình"),
             Band(Decimal("0"), "Yếu"))
    assert classify(Decimal("-2.75"), bands) == "Yếu"  # the lowest band starts at 0: a negative index is in it
    assert classify(Decimal("40"), bands[:3]) is None  # the lowest band starts above 0: below it, not classified

    vi, en = _flat(VI), _flat(EN)
    assert "chỉ số dưới ngưỡng thấp nhất thì không được xếp loại" not in vi
    assert "an index below the lowest threshold gets no classification" not in en
    assert "mức thấp nhất có `min` từ 0 trở xuống" in vi and "kể cả chỉ số âm" in vi
    assert "`\"-2.75\"` được xếp loại `\"Yếu\"`" in vi and "mức thấp nhất có `min` lớn hơn 0" in vi
    assert "the lowest band's `min` is 0 or below" in en and "a negative index too" in en
    assert "`\"-2.75\"` is classified `\"Yếu\"`" in en and "the lowest band's `min` is above 0" in en


@pytest.mark.django_db
def test_each_unit_row_names_its_set_and_the_docs_say_to_join_by_it_not_the_top_level_areas(
        two_set_publication: Publication) -> None:
    document = exports.open_data(two_set_publication)
    sets = {s["key"]: {a["code"]: a["max_points"] for a in s["areas"]} for s in document["indicator_sets"]}
    assert len(sets) == 2
    for row in document["results"]:
        mine = sets[row["indicator_set"]["key"]]  # the join the docs describe
        assert set(row["area_totals"]) <= set(mine)

    vi, en = _flat(VI), _flat(EN)
    assert "**`areas` ở cấp trên cùng không phải điểm tối đa của mọi đơn vị**" in vi
    assert "`indicator_set.key` của mỗi dòng `results` là `key` của một phần tử `indicator_sets`" in vi
    assert "**The top-level `areas` is not the maximum for every unit**" in en
    assert "each `results` row's `indicator_set.key` is the `key` of one of the `indicator_sets`" in en


@pytest.mark.django_db
def test_the_open_data_page_says_how_to_open_the_csv_in_a_vietnamese_excel_and_points_to_the_workbook() -> None:
    vi, en = _flat(VI), _flat(EN)
    assert "để Excel mở đúng tiếng Việt" not in vi  # no invitation to double-click
    assert "**Data → From Text/CSV**" in vi and "dấu thập phân «.»" in vi and "`ket-qua.xlsx`" in vi
    assert "**Data → From Text/CSV**" in en and "«.» as the decimal separator" in en and "`ket-qua.xlsx`" in en

    page = Client().get("/du-lieu-mo/").content.decode()
    assert "<strong>Data → From Text/CSV</strong>" in page and "dấu thập phân «.»" in page
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/du-lieu-mo/").content.decode()
    assert "<strong>Data → From Text/CSV</strong>" in page and "«.» as the decimal separator" in page
