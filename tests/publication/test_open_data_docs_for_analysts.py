"""The open-data documentation (docs/open-data.md, its English version, the «Dữ liệu mở» page) says what the files
do, as an analyst reading them needs it: the lowest band's classification below its threshold as the engine gives
it, the top-level `areas` not a maximum for every unit, and how to open the CSV files in a Vietnamese Excel."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from scoring.engine.index import Band, classify

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
