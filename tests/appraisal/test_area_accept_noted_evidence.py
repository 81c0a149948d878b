"""Accepting a leaf missing its evidence on the unit's word (kept on paper) is a decision per leaf: the area's list
shows each such leaf with what the unit wrote and its self-score, none ticked, and accepts only the ticked ones, all
or nothing, each audited as accepted without evidence on the unit's note. The area's bulk accept never takes one."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import area_accept_noted, area_accept_self, line_accept_self
from appraisal.services.review import REASON_ACCEPTED_ON_NOTE
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Indicator, ScoreLine
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db
PAPER = "Tài liệu kiểm chứng lưu tại Văn phòng Sở, đã gửi bản giấy."
NONE = "Đơn vị không có văn bản này."


@pytest.fixture
def paper(submitted: Any) -> Any:
    """Sở Y tế sent no file for 2.1.1, 2.1.2 and 2.2.1 (a bonus), all needing evidence; it wrote on 2.1.1 and 2.1.2,
    and explained 2.2.1 only with blanks."""
    leaves = Indicator.objects.filter(indicator_set=submitted.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=("2.1.1", "2.1.2", "2.2.1")).update(evidence_required=True)
    ScoreLine.objects.filter(pk=line_of(submitted, "2.1.1").pk).update(self_note=NONE)
    ScoreLine.objects.filter(pk=line_of(submitted, "2.1.2").pk).update(self_note=PAPER)
    ScoreLine.objects.filter(pk=line_of(submitted, "2.2.1").pk).update(self_note="  ", explanation="")
    return submitted


def _area(assessment: Any) -> Any:
    return assessment.indicator_set.indicators.get(code="2", parent__isnull=True)


def _decided(assessment: Any) -> set[str]:
    return set(ScoreLine.objects.filter(assessment=assessment, appraised_score__isnull=False)
               .values_list("indicator__code", flat=True))


def test_the_bulk_accept_never_takes_a_leaf_missing_evidence_whatever_the_unit_wrote(
    paper: Any, appraiser: Any
) -> None:
    done = area_accept_self(assessment=paper, area=_area(paper), actor=appraiser)
    assert done["evidence_missing"] == ["2.1.1", "2.1.2", "2.2.1"] and done["evidence_noted"] == []
    assert _decided(paper) == {"2.3.1"}


def test_only_the_ticked_leaf_is_accepted_audited_as_on_the_units_note(paper: Any, appraiser: Any) -> None:
    chosen = line_of(paper, "2.1.2")
    done = area_accept_noted(assessment=paper, area=_area(paper), actor=appraiser, line_ids={chosen.pk})
    assert done["evidence_noted"] == ["2.1.2"] and done["accepted"] == 1
    # the other noted leaf and the area's other undecided leaves are left as they were
    assert _decided(paper) == {"2.1.2"}
    saved = line_of(paper, "2.1.2")
    assert saved.appraised_score == saved.self_score and saved.appraised_note == ""
    entry = AuditEntry.objects.get(action="score_line.appraise", object_id=str(chosen.pk))
    assert entry.actor == appraiser and entry.reason == REASON_ACCEPTED_ON_NOTE


def test_nothing_ticked_is_refused(paper: Any, appraiser: Any) -> None:
    with pytest.raises(ValidationFailed):
        area_accept_noted(assessment=paper, area=_area(paper), actor=appraiser, line_ids=set())
    assert _decided(paper) == set()


@pytest.mark.parametrize("other", ["2.2.1", "2.3.1", "1.2.1", "decided", "unknown"])
def test_one_ticked_leaf_no_longer_acceptable_refuses_them_all(paper: Any, appraiser: Any, other: str) -> None:
    # a leaf without any text, one with no evidence missing, another area's, one decided meanwhile, no such line
    if other == "decided":
        line = line_of(paper, "2.1.1")
        line_accept_self(line=line, actor=appraiser, base_version=line.version)
        other_id = line.pk
    else:
        other_id = 10**9 if other == "unknown" else line_of(paper, other).pk
    before = _decided(paper)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed):
        area_accept_noted(assessment=paper, area=_area(paper), actor=appraiser,
                          line_ids={line_of(paper, "2.1.2").pk, other_id})
    assert _decided(paper) == before and AuditEntry.objects.count() == entries


def test_the_page_lists_each_leaf_with_the_units_words_and_its_self_score_none_ticked(
    client: Client, paper: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    body = unescape(client.get(reverse("appraisal:review", args=[paper.pk])).content.decode())
    assert ("Xem 2 tiêu chí thiếu tài liệu có ghi chú của đơn vị về tài liệu (bản giấy) để chấp nhận từng tiêu chí"
            in body)
    assert "Chấp nhận cả" not in body and "data-accept-area-noted" not in body
    section = body[body.index("data-accept-noted-form"):body.index("</details>", body.index("data-accept-noted-form"))]
    for code, note in (("2.1.1", NONE), ("2.1.2", PAPER)):
        pk = line_of(paper, code).pk
        assert f'<input type="checkbox" name="dong" value="{pk}">' in section
        assert code in section and note in section
    assert "Điểm tự chấm: 1,7" in section or "Điểm tự chấm: 1.7" in section
    assert "checked" not in section
    assert f'value="{line_of(paper, "2.2.1").pk}"' not in section


def test_the_form_accepts_the_ticked_leaf_and_says_so(client: Client, paper: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    response = client.post(reverse("appraisal:accept_area", args=[paper.pk, _area(paper).pk]),
                           {"tai-lieu-ban-giay": "1", "dong": [str(line_of(paper, "2.1.2").pk)]}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "theo ghi chú, giải trình của đơn vị" in text and "2.1.2" in text
    assert _decided(paper) == {"2.1.2"}


@pytest.mark.parametrize("ticked", [[], ["x"]])
def test_the_form_with_nothing_or_nonsense_ticked_changes_nothing(
    client: Client, paper: Any, appraiser: Any, ticked: list[str]
) -> None:
    client.force_login(appraiser)
    response = client.post(reverse("appraisal:accept_area", args=[paper.pk, _area(paper).pk]),
                           {"tai-lieu-ban-giay": "1", "dong": ticked}, follow=True)
    assert _decided(paper) == set()
    assert response.context["messages"]


def test_the_form_is_refused_to_the_unit_and_changes_nothing(client: Client, paper: Any, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.post(reverse("appraisal:accept_area", args=[paper.pk, _area(paper).pk]),
                           {"tai-lieu-ban-giay": "1", "dong": [str(line_of(paper, "2.1.2").pk)]})
    assert response.status_code in (403, 404)
    assert _decided(paper) == set()


def test_the_api_accepts_the_lines_named_and_no_longer_a_blanket_flag(paper: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    url = f"/api/v1/assessments/{paper.pk}/areas/{_area(paper).pk}/accept/"
    # the former blanket flag is an unknown field now: refused, nothing accepted
    assert api.post(url, {"with_noted_evidence": True}, format="json").status_code == 400
    assert _decided(paper) == set()
    response = api.post(url, {"noted_lines": [line_of(paper, "2.1.1").pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["evidence_noted"] == ["2.1.1"] and _decided(paper) == {"2.1.1"}


def test_the_api_refuses_a_wrong_list_and_changes_nothing(paper: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    url = f"/api/v1/assessments/{paper.pk}/areas/{_area(paper).pk}/accept/"
    for bad in ({"noted_lines": "maybe"}, {"noted_lines": [line_of(paper, "2.2.1").pk]}):
        assert api.post(url, bad, format="json").status_code == 400
    assert _decided(paper) == set()
