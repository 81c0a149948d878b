"""The public results' unit search matches every word typed, without diacritics and in any order, against the
unit's name, short name and code: «ubnd cai be» finds «UBND huyện Cái Bè», «so-tai-chinh» finds Sở Tài chính."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication
from scoring.publication import selectors

pytestmark = pytest.mark.django_db


def _row(code: str, name: str, short_name: str, group: str = "so") -> dict[str, Any]:
    return {"unit_id": hash(code), "unit_code": code, "unit_name": name, "unit_short_name": short_name,
            "group_code": group, "rank": 1, "index": "80.00", "classification": "Tốt"}


SNAPSHOT: dict[str, Any] = {
    "groups": [{"code": "so", "name": "Khối sở"}, {"code": "cum-1", "name": "Cụm 1"}],
    "rows": [
        _row("so-tai-chinh", "Sở Tài chính", "STC"),
        _row("so-tai-nguyen-moi-truong", "Sở Tài nguyên và Môi trường", "STNMT"),
        _row("so-y-te", "Sở Y tế", "SYT"),
        _row("so-lao-dong-tbxh", "Sở Lao động – Thương binh và Xã hội", "SLĐTBXH"),
        _row("h-cai-be", "UBND huyện Cái Bè", "Cái Bè", "cum-1"),
        _row("h-cai-lay", "UBND huyện Cai Lậy", "H. Cai Lậy", "cum-1"),
        _row("tx-cai-lay", "UBND thị xã Cai Lậy", "TX Cai Lậy", "cum-1"),
        _row("tp-my-tho", "UBND thành phố Mỹ Tho", "TP Mỹ Tho", "cum-1"),
    ],
}


def _found(query: str) -> list[str]:
    tables = selectors.ranking_tables(snapshot=copy.deepcopy(SNAPSHOT), query=query)
    return [r["unit_code"] for t in tables for r in t.rows]


@pytest.mark.parametrize(("query", "codes"), [
    ("ubnd cai be", ["h-cai-be"]),
    ("UBND Cái Bè", ["h-cai-be"]),
    ("be cai", ["h-cai-be"]),  # any order
    ("so-tai-chinh", ["so-tai-chinh"]),  # the unit's code
    ("so tai chinh", ["so-tai-chinh"]),
    ("tai", ["so-tai-chinh", "so-tai-nguyen-moi-truong"]),
    ("y te", ["so-y-te"]),
    ("Sở Y", ["so-y-te"]),
    ("syt", ["so-y-te"]),  # the short name
    ("slđtbxh", ["so-lao-dong-tbxh"]),
    ("thuong binh xa hoi", ["so-lao-dong-tbxh"]),
    ("tp my tho", ["tp-my-tho"]),  # the short name's word with the name's
    ("cai lay", ["h-cai-lay", "tx-cai-lay"]),
    ("tx cai lay", ["tx-cai-lay"]),
    ("thi xa cai", ["tx-cai-lay"]),
    ("cai be lay", []),  # every word must match
    ("  ", ["so-tai-chinh", "so-tai-nguyen-moi-truong", "so-y-te", "so-lao-dong-tbxh", "h-cai-be", "h-cai-lay",
            "tx-cai-lay", "tp-my-tho"]),
])
def test_every_word_of_the_search_matches_the_name_short_name_or_code(query: str, codes: list[str]) -> None:
    assert _found(query) == codes


def test_a_search_typed_decomposed_finds_the_unit() -> None:
    import unicodedata

    assert _found(unicodedata.normalize("NFD", "Cái Bè")) == ["h-cai-be"]


def test_the_results_page_finds_a_unit_by_words_and_by_code(publication: Publication) -> None:
    for query in ("te y", "so-y-te", "SỞ Y TẾ"):
        html = Client().get("/ket-qua/2020/", {"q": query}).content.decode()
        assert 'href="/ket-qua/2020/don-vi/so-y-te/"' in html, query
        assert 'href="/ket-qua/2020/don-vi/so-tu-phap/"' not in html, query
