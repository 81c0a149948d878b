"""«Vì sao xếp ở vị trí này» on the page of a unit listed after a unit it ties with: it says what is true — the
same score on every criterion, or the criteria where they differ — and why the other one is listed first (the
rule the published order uses: equals by name in Vietnamese alphabetical order), never a lead-in ending in a
colon followed by nothing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from scoring.models import Cycle, Publication
from scoring.publication import selectors
from tests.publication.conftest import DOC_DATE, sign_off_unit

pytestmark = pytest.mark.django_db


def _why(html: str) -> list[str]:
    """The paragraphs and captions of the «Vì sao xếp ở vị trí này» section, as text."""
    section = html.split('aria-labelledby="why"')[1].split("</section>")[0]
    blocks = re.findall(r"<(p|caption)[^>]*>(.*?)</\1>", section, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", body)).split()) for _tag, body in blocks]


def _english() -> Client:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_a_unit_tied_on_every_criterion_with_the_unit_listed_above_says_so_and_why_it_is_listed_after(
    publication: Publication,
) -> None:
    # given Sở Công Thương and Sở Tư pháp at 7,58 with the same score on every criterion (C before T by name)
    why = selectors.rank_explanation(
        snapshot=publication.snapshot, scores=publication.scores,
        row=selectors.unit_row(snapshot=publication.snapshot, unit_code="so-tu-phap"),
    )
    assert why.tied and why.identical and why.above is not None and why.above["unit_code"] == "so-cong-thuong"
    # when
    texts = _why(Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode())
    # then nothing ends in a dangling colon, and the page says the scores are the same everywhere and the rule
    assert not any(t.endswith(":") for t in texts), texts
    said = " ".join(texts)
    assert "đồng hạng liệt kê ngay trên:" not in said
    assert "Sở Công Thương, đơn vị đồng hạng liệt kê ngay trên, có cùng điểm với đơn vị này ở mọi tiêu chí." in said
    assert "theo tên, thứ tự chữ cái tiếng Việt" in said
    assert "không phải vì điểm cao hơn" in said


def test_the_english_page_of_a_fully_tied_unit_has_no_dangling_colon_nor_a_space_before_a_comma(
    publication: Publication,
) -> None:
    texts = _why(_english().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode())
    assert texts and not any(t.endswith(":") for t in texts), texts
    assert not any(" ," in t for t in texts), texts


def test_a_unit_tied_with_other_scores_names_the_criteria_after_saying_why_it_is_listed_after(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from scoring.publication.services import cycle_publish

    # given Sở Nội vụ at 7,58 without a discipline penalty, as Sở Công Thương is with 1.1.1 on time
    sign_off_unit(signed_cycle, "so-noi-vu", {"2.3.1": {"counts": {"disciplined": 0}}})
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 1", document_date=DOC_DATE,
                                actor=admin_user)
    why = selectors.rank_explanation(
        snapshot=publication.snapshot, scores=publication.scores,
        row=selectors.unit_row(snapshot=publication.snapshot, unit_code="so-noi-vu"),
    )
    assert why.tied and not why.identical and why.behind and why.ahead
    # when
    html = Client().get("/ket-qua/2020/don-vi/so-noi-vu/").content.decode()
    texts = _why(html)
    # then the lead-in says they differ on some criteria, and the table and the criteria it leads on follow
    said = " ".join(texts)
    assert ("Sở Công Thương, đơn vị đồng hạng liệt kê ngay trên, có cùng chỉ số nhưng khác điểm ở một số tiêu chí"
            in said)
    assert "theo tên, thứ tự chữ cái tiếng Việt" in said
    assert "Các tiêu chí đơn vị đồng hạng Sở Công Thương đạt cao hơn" in said
    assert "Tiêu chí đơn vị này đạt cao hơn: 2.3.1" in said
    assert not any(t.endswith(":") for t in texts), texts


def test_a_unit_listed_below_a_higher_unit_keeps_its_gap_sentence(publication: Publication) -> None:
    texts = _why(Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode())
    assert "Đơn vị xếp ngay trên là Sở Tư pháp (hạng 1), cao hơn 1,00 điểm." in texts
    assert not any("cùng điểm" in t for t in texts)
