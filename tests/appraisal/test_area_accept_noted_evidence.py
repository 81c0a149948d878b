"""An area's bulk accept may, on an explicit second button, take too the leaves missing their evidence on which the
unit wrote where its evidence is (kept on paper at the unit): the team accepts the unit's word. A leaf missing its
evidence with no text at all is still left for a decision of its own."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import area_accept_self
from scoring.models import AuditEntry, Indicator, ScoreLine
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db
PAPER = "Tài liệu kiểm chứng lưu tại Văn phòng Sở, đã gửi bản giấy."


@pytest.fixture
def paper(submitted: Any) -> Any:
    """Sở Y tế sent no file for 2.1.2 and 2.2.1, both needing evidence; it wrote where 2.1.2's is kept."""
    leaves = Indicator.objects.filter(indicator_set=submitted.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=("2.1.2", "2.2.1")).update(evidence_required=True)
    ScoreLine.objects.filter(pk=line_of(submitted, "2.1.2").pk).update(self_note=PAPER)
    ScoreLine.objects.filter(pk=line_of(submitted, "2.2.1").pk).update(self_note="  ", explanation="")
    return submitted


def _area(assessment: Any) -> Any:
    return assessment.indicator_set.indicators.get(code="2", parent__isnull=True)


def test_the_flag_accepts_a_leaf_whose_note_says_where_its_evidence_is(paper: Any, appraiser: Any) -> None:
    # when the appraiser accepts area 2 taking the unit's word for its paper evidence
    done = area_accept_self(assessment=paper, area=_area(paper), actor=appraiser, with_noted_evidence=True)
    # then the noted leaf is accepted with its self-score, audited as any accepted leaf, and named
    noted = line_of(paper, "2.1.2")
    assert noted.appraised_score == noted.self_score
    assert done["evidence_noted"] == ["2.1.2"]
    entry = AuditEntry.objects.get(action="score_line.appraise", object_id=str(noted.pk))
    assert entry.actor == appraiser
    # the audit says it was taken on the unit's word, while a leaf with its evidence is accepted without a reason
    from appraisal.services.review import REASON_NOTED_EVIDENCE

    assert entry.reason == REASON_NOTED_EVIDENCE
    others = AuditEntry.objects.filter(action="score_line.appraise").exclude(object_id=str(noted.pk))
    assert others.exists() and set(others.values_list("reason", flat=True)) == {""}
    # and the leaf without any text stays out, for a decision of its own
    assert done["evidence_missing"] == ["2.2.1"]
    assert line_of(paper, "2.2.1").appraised_score is None
    assert done["accepted"] == 3 and done["skipped"] == 1


def test_an_explanation_counts_as_the_units_word_on_its_evidence(paper: Any, appraiser: Any) -> None:
    ScoreLine.objects.filter(pk=line_of(paper, "2.2.1").pk).update(explanation="Bản giấy lưu tại Sở.")
    done = area_accept_self(assessment=paper, area=_area(paper), actor=appraiser, with_noted_evidence=True)
    assert done["evidence_noted"] == ["2.1.2", "2.2.1"] and done["evidence_missing"] == []


def test_without_the_flag_a_noted_leaf_is_still_left_out(paper: Any, appraiser: Any) -> None:
    done = area_accept_self(assessment=paper, area=_area(paper), actor=appraiser)
    assert done["evidence_missing"] == ["2.1.2", "2.2.1"] and done["evidence_noted"] == []
    assert line_of(paper, "2.1.2").appraised_score is None


def test_the_page_offers_the_second_button_naming_how_many_and_the_units_word(
    client: Client, paper: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    body = unescape(client.get(reverse("appraisal:review", args=[paper.pk])).content.decode())
    assert "Chấp nhận điểm tự chấm cho 2 tiêu chí chưa thẩm định" in body
    assert "Chấp nhận cả 1 tiêu chí thiếu tài liệu có ghi chú của đơn vị về tài liệu (bản giấy)" in body
    assert "Chấp nhận điểm tự chấm của 1 tiêu chí «Cần tài liệu kiểm chứng»" in body
    assert "Tổ thẩm định tin theo lời đơn vị về tài liệu kiểm chứng bản giấy" in body


def test_the_page_has_no_second_button_when_no_leaf_missing_evidence_carries_a_text(
    client: Client, paper: Any, appraiser: Any
) -> None:
    ScoreLine.objects.filter(pk=line_of(paper, "2.1.2").pk).update(self_note="")
    client.force_login(appraiser)
    body = client.get(reverse("appraisal:review", args=[paper.pk])).content.decode()
    assert "data-accept-area-noted" not in body


def test_the_second_form_accepts_the_noted_leaf_and_says_so(client: Client, paper: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    response = client.post(reverse("appraisal:accept_area", args=[paper.pk, _area(paper).pk]),
                           {"tai-lieu-ban-giay": "1"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "theo ghi chú, giải trình của đơn vị" in text and "2.1.2" in text
    assert line_of(paper, "2.1.2").appraised_score is not None
    assert line_of(paper, "2.2.1").appraised_score is None


def test_the_second_form_is_refused_to_the_unit_and_changes_nothing(
    client: Client, paper: Any, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = client.post(reverse("appraisal:accept_area", args=[paper.pk, _area(paper).pk]),
                           {"tai-lieu-ban-giay": "1"})
    assert response.status_code in (403, 404)
    assert not ScoreLine.objects.filter(assessment=paper, appraised_score__isnull=False).exists()


def test_the_api_mirrors_the_flag(paper: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    url = f"/api/v1/assessments/{paper.pk}/areas/{_area(paper).pk}/accept/"
    response = api.post(url, {"with_noted_evidence": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["evidence_noted"] == ["2.1.2"]
    assert response.json()["evidence_missing"] == ["2.2.1"]


def test_the_api_refuses_a_wrong_flag_and_changes_nothing(paper: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    url = f"/api/v1/assessments/{paper.pk}/areas/{_area(paper).pk}/accept/"
    response = api.post(url, {"with_noted_evidence": "maybe", "other": 1}, format="json")
    assert response.status_code == 400
    assert not ScoreLine.objects.filter(assessment=paper, appraised_score__isnull=False).exists()
