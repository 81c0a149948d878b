"""A sign-off waiting for a survey leaf says where that leaf's score comes from and who enters it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from appraisal.models import AppraisalAssignment
from appraisal.survey import survey_import_apply, survey_import_preview
from scoring.models import Assessment, Unit, UnitKind
from scoring.services import assessments_open, cycle_create, indicator_set_import
from tests.appraisal.conftest import SELF_VALUES, self_score, submit, survey_set_data

pytestmark = pytest.mark.django_db



@pytest.fixture
def waiting_for_survey(catalogue: Any, unit_editor: Any, unit_head: Any, lead: Any) -> Assessment:
    """Sở Y tế's 2021 assessment in appraisal, every leaf appraised but the survey's 1.2.3."""
    survey_set = indicator_set_import(data=survey_set_data(), actor=None)
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={UnitKind.objects.get(code="department"): survey_set}, actor=None)
    AppraisalAssignment.objects.create(cycle=cycle, user=lead, is_lead=True)
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]
    self_score(assessment, unit_editor, SELF_VALUES)
    submit(assessment, unit_head)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.IN_APPRAISAL)
    from appraisal.services import line_accept_self

    for line in assessment.lines.select_related("indicator").exclude(indicator__source="survey"):
        line_accept_self(line=line, actor=lead, base_version=line.version)
    return Assessment.objects.get(pk=assessment.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_lead_is_told_the_survey_leaf_waits_for_the_import_and_who_enters_it(
    waiting_for_survey: Assessment, lead: Any
) -> None:
    client = _client(lead)
    # when: the lead tries to sign off
    response = client.post(f"/tham-dinh/{waiting_for_survey.pk}/thong-qua/", follow=True)
    html = response.content.decode()
    # then: refused, and the page says where 1.2.3's score comes from and who enters it
    assert "Còn 1 tiêu chí chưa có điểm thẩm định." in html
    hint = html.split('data-survey-pending="1.2.3"')[1].split("</p>")[0]
    assert "lấy điểm từ kết quả điều tra xã hội học" in hint
    assert "Sở Nội vụ (quản trị) nhập điểm này" in hint and "/tham-dinh/dieu-tra/" not in hint
    assert Assessment.objects.get(pk=waiting_for_survey.pk).state == Assessment.State.IN_APPRAISAL


def test_an_administrator_is_linked_to_the_survey_import_of_the_cycle(
    waiting_for_survey: Assessment, admin_user: Any
) -> None:
    html = _client(admin_user).get(f"/tham-dinh/{waiting_for_survey.pk}/").content.decode()
    hint = html.split('data-survey-pending="1.2.3"')[1].split("</p>")[0]
    assert f'<a href="/tham-dinh/dieu-tra/?ky={waiting_for_survey.cycle_id}">' in hint


def test_the_hint_goes_once_the_survey_is_imported(
    waiting_for_survey: Assessment, admin_user: Any, lead: Any
) -> None:
    content = "mã đơn vị;mã tiêu chí;điểm\nso-y-te;1.2.3;0,5\n".encode()
    preview = survey_import_preview(cycle=waiting_for_survey.cycle, file_name="dot-1.csv", content=content,
                                    actor=admin_user)
    assert survey_import_apply(survey_import=preview, actor=admin_user) == 1
    assert "data-survey-pending" not in _client(lead).get(f"/tham-dinh/{waiting_for_survey.pk}/").content.decode()
