"""A bonus, a penalty or a change written with its sign follows one rule (`signed_score`): «+5,00», «−0,50», and a
zero without a sign («0,00», never «−0,00» or «+0,00»). The public unit page, the comparison page and the files
(which write bonus and penalty unsigned, the penalty as a positive number) are checked here."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from scoring.models import Cycle, Publication, UnitKind
from scoring.publication import exports
from scoring.publication.services import cycle_publish
from scoring.services import cycle_create
from scoring.templatetags import scoring_tags
from tests.publication.conftest import DOC_DATE, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db

NO_PENALTY = {"2.3.1": {"counts": {"disciplined": 0}}}
NEITHER = {"2.2.1": {"counts": {"initiative": 0}}, **NO_PENALTY}


def _summary(html: str) -> str:
    """The «Điểm cộng / trừ» item of the unit page's summary."""
    start = html.index("Điểm cộng / trừ")
    return html[start:html.index("</div>", start)]


@pytest.fixture
def zero_publication(cycle: Cycle, admin_user: Any) -> Publication:
    """2020 published: Sở Y tế without a penalty (bonus 1,50), Sở Tư pháp with neither, Sở Xây dựng with both."""
    sign_off_unit(cycle, "so-y-te", NO_PENALTY)
    sign_off_unit(cycle, "so-tu-phap", NEITHER)
    sign_off_unit(cycle, "so-xay-dung", {})
    return cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 4567/UBND-NC",
                         document_date=DOC_DATE, actor=admin_user)


# --- the rule ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "against", "expected"), [
    (Decimal("5"), "", "+5,00"),
    (Decimal("1.5"), "", "+1,50"),
    (Decimal("0"), "", "0,00"),
    (Decimal("-0.00"), "", "0,00"),
    (Decimal("0.001"), "", "0,00"),
    (Decimal("-1"), "", "\u22121,00"),
    (Decimal("0.5"), "-", "\u22120,50"),  # a penalty, stored positive, counts against
    (Decimal("0"), "-", "0,00"),
    (Decimal("0.00"), "-", "0,00"),
    (Decimal("-2"), "-", "+2,00"),
    ("1.25", "", "+1,25"),
    (None, "", "—"),
    ("", "-", "—"),
])
def test_a_signed_number_has_a_sign_unless_it_is_zero(value: Any, against: str, expected: str) -> None:
    assert scoring_tags.signed_score(value, against) == expected


def test_a_signed_number_is_written_in_the_active_language() -> None:
    with translation.override("en"):
        assert scoring_tags.signed_score(Decimal("5"), "") == "+5.00"
        assert scoring_tags.signed_score(Decimal("0"), "-") == "0.00"
        assert scoring_tags.signed_score(Decimal("0.5"), "-") == "\u22120.50"


# --- the public unit page ----------------------------------------------------------------------------------


def test_a_unit_without_a_penalty_reads_zero_without_a_sign(zero_publication: Publication) -> None:
    summary = _summary(Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode())

    assert "<dd>+1,50 / 0,00</dd>" in summary
    assert "\u22120,00" not in summary and "-0,00" not in summary


def test_a_unit_with_neither_bonus_nor_penalty_reads_two_zeros(zero_publication: Publication) -> None:
    summary = _summary(Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode())

    assert "<dd>0,00 / 0,00</dd>" in summary


def test_a_unit_with_both_keeps_both_signs(zero_publication: Publication) -> None:
    summary = _summary(Client().get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode())

    assert "<dd>+1,50 / \u22121,00</dd>" in summary


def test_the_english_unit_page_writes_a_decimal_point_and_no_signed_zero(zero_publication: Publication) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()

    assert "<dd>+1.50 / 0.00</dd>" in html


def test_the_criteria_a_unit_leads_on_are_signed_by_the_same_rule(zero_publication: Publication) -> None:
    # given: Sở Tư pháp (6,08: neither bonus nor penalty) is listed below Sở Xây dựng (6,58: both)
    html = Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode()

    # then: it leads on the penalty 2.3.1 by 1,00, written with the rule's plus sign
    assert "2.3.1 (+1,00)" in html


# --- the comparison page -----------------------------------------------------------------------------------


def test_the_comparison_signs_a_change_and_leaves_no_change_unsigned(
    publication: Publication, admin_user: Any, small_set: Any
) -> None:
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={k: small_set for k in UnitKind.objects.filter(code="department")}, actor=None)
    sign_off_unit(later, "so-y-te", {})  # 6,58 both years
    sign_off_unit(later, "so-tu-phap", {})  # 7,58 → 6,58
    cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                  document_date=datetime.date(2022, 3, 1), actor=admin_user)

    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()

    same = html[html.index('<th scope="row"><a href="/ket-qua/2021/don-vi/so-y-te/">Sở Y tế'):].split("</tr>")[0]
    down = html[html.index('<th scope="row"><a href="/ket-qua/2021/don-vi/so-tu-phap/">Sở Tư pháp'):].split("</tr>")[0]
    assert '<td class="num">0,00</td>' in same and "+0,00" not in same and "\u22120,00" not in same
    assert '<td class="num">\u22121,00</td>' in down


# --- the files: bonus and penalty unsigned, a zero a plain zero --------------------------------------------


def test_the_files_write_a_zero_penalty_and_bonus_as_plain_zeros(zero_publication: Publication) -> None:
    header, *rows = list(exports.csv_rows(zero_publication))
    table = {r[header.index("ma_don_vi")]: r for r in rows}
    bonus, penalty = header.index("diem_cong"), header.index("diem_tru")
    assert (table["so-y-te"][bonus], table["so-y-te"][penalty]) == ("1.50", "0.00")
    assert (table["so-tu-phap"][bonus], table["so-tu-phap"][penalty]) == ("0.00", "0.00")
    assert table["so-xay-dung"][penalty] == "1.00"  # a penalty is a positive number in the files

    text = "".join(b.decode("utf-8") for b in exports.csv_stream(zero_publication))
    assert "-0.00" not in text and "\u2212" not in text
    assert next(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == header

    document = json.loads(exports.open_data_bytes(zero_publication))
    results = {r["unit_code"]: r for r in document["results"]}
    assert (results["so-tu-phap"]["bonus"], results["so-tu-phap"]["penalty"]) == ("0.00", "0.00")

    report = exports.report_html(zero_publication)
    assert "-0,00" not in report and "\u22120,00" not in report
