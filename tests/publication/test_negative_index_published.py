"""A unit published below 0 (negative options and a penalty: as a unit handed over with nothing scored and then
penalised) is classified in the lowest band, «Yếu», as the published scale says («Yếu: chỉ số dưới …»): on the
ranking page and its «Yếu» filter, in the CSV and JSON; and the distribution chart counts it in a bin below 0."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest
from django.test import Client

from scoring.models import Cycle, Publication
from scoring.publication import exports
from scoring.publication.services import cycle_publish
from tests.publication.conftest import DOC_DATE, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db

# −1 (plan not issued), 0,25 of the reports' 2 points, a penalty of 2 (two officials disciplined): −2,75.
BELOW_ZERO = {
    "1.1.1": {"option": "none"}, "1.1.2": {"numerator": 0, "denominator": 50}, "1.2.1": {"value": False},
    "1.2.2": {"counts": {"a": 4, "b": 0, "c": 0}}, "1.2.3": {"points": "0"},
    "2.1.1": {"numerator": 0, "denominator": 100}, "2.1.2": {"counts": {"late": 1, "missing": 3}},
    "2.2.1": {"counts": {"initiative": 0}}, "2.3.1": {"counts": {"disciplined": 2}},
}


@pytest.fixture
def negative(cycle: Cycle, admin_user: Any) -> Publication:
    sign_off_unit(cycle, "so-y-te", {})
    sign_off_unit(cycle, "so-xay-dung", BELOW_ZERO)
    return cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 1/UBND",
                         document_date=DOC_DATE, actor=admin_user)


def test_a_negative_index_is_published_in_the_lowest_band(negative: Publication) -> None:
    row = next(r for r in negative.snapshot["rows"] if r["unit_code"] == "so-xay-dung")
    assert row["index"] == "-2.75" and row["classification"] == "Yếu"

    filtered = Client().get("/ket-qua/2020/", {"xep_loai": "Yếu"}).content.decode()
    assert "Sở Xây dựng" in filtered
    text = "".join(b.decode("utf-8") for b in exports.csv_stream(negative, exports.csv_rows)).lstrip("\ufeff")
    assert {r["ma_don_vi"]: r["xep_loai"] for r in csv.DictReader(text.splitlines())}["so-xay-dung"] == "Yếu"
    results = json.loads(exports.open_data_bytes(negative))["results"]
    assert {r["unit_code"]: r["classification"] for r in results}["so-xay-dung"] == "Yếu"


def test_the_distribution_counts_the_unit_below_0(negative: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    dist = html[html.index('id="dist-title"'):]
    table = dist[dist.index("<table"):dist.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td></tr>', table)
    assert sum(int(n) for _label, n in rows) == 2
    assert rows[0] == ("-3,00 – dưới -2,50", "1")
