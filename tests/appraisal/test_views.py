"""The appraisal pages: each with its allowed and its denied permission test side by side."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import AppraisalAssignment, ExplanationRound
from appraisal.services import assessment_sign_off, explanation_request, line_appraise
from scoring.models import Assessment, IndexResult, ScoreLine, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import (
    appraise_all,
    evidence_not_required,
    flagged_line,
    later,
    line_of,
    refresh,
    seen,
    self_score,
    submit,
)
from tests.conftest import _user

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _post_value(line: ScoreLine, **fields: Any) -> dict[str, Any]:
    prefix = f"a{line.pk}-"
    return {"base_version": line.version, **{f"{prefix}{k}": v for k, v in fields.items()}}


# --- queue -------------------------------------------------------------------------------------------------


def test_an_appraiser_sees_the_queue_with_progress_of_the_assigned_area(
    client: Client, submitted: Any, appraiser: Any, cycle: Any, unit_editor: Any, unit_head: Any
) -> None:
    own = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    self_score(own, unit_editor)
    submit(own, unit_head)
    body = seen(login(client, appraiser).get(reverse("appraisal:queue")).content.decode())
    assert "Sở Y tế" in body and "2: 0/4" in body
    assert "Sở Tư pháp" not in body.split("<tbody>")[1]  # never the appraiser's own unit


def test_a_unit_editor_is_refused_the_queue_and_a_visitor_is_sent_to_log_in(
    client: Client, submitted: Any, unit_editor: Any
) -> None:
    assert client.get(reverse("appraisal:queue")).status_code == 302
    assert login(client, unit_editor).get(reverse("appraisal:queue")).status_code == 403


def test_the_queue_filters_by_state_group_and_area(client: Client, submitted: Any, lead: Any) -> None:
    login(client, lead)
    url = reverse("appraisal:queue")
    assert "Sở Y tế" in client.get(url, {"trang-thai": "submitted", "linh-vuc": "1"}).content.decode()
    assert "Sở Y tế" not in client.get(url, {"trang-thai": "signed_off"}).content.decode().split("<h1>")[1]
    # a group that is not one is named and left out (every group shown): test_queue_unknown_filters
    assert "Sở Y tế" in client.get(url, {"nhom": "999"}).content.decode().split("<h1>")[1]


# --- review ------------------------------------------------------------------------------------------------


def test_an_appraiser_reviews_a_submitted_assessment_side_by_side(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    response = login(client, appraiser).get(reverse("appraisal:review", args=[submitted.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    line = line_of(submitted, "2.1.1")
    assert f'id="line-{line.pk}"' in body and f'name="a{line.pk}-numerator"' in body
    assert 'data-self-figure="numerator">85<' in body  # the unit's figures, as text
    assert "6,58" in body  # the engine's self-assessed index


def test_an_appraiser_is_refused_their_own_unit(
    client: Client, cycle: Any, appraiser: Any, team: Any, unit_editor: Any, unit_head: Any
) -> None:
    own = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    self_score(own, unit_editor)
    submit(own, unit_head)
    refused = login(client, appraiser).get(reverse("appraisal:review", args=[own.pk]))
    assert refused.status_code == 403
    assert "xung đột lợi ích" in refused.content.decode() and "Sở Tư pháp" in refused.content.decode()


@pytest.mark.parametrize(("name", "method"), [
    ("appraisal:request_explanation", "get"),
    ("appraisal:start", "post"),
    ("appraisal:sign_off", "post"),
    ("appraisal:close_explanation", "post"),
])
def test_the_leads_pages_and_actions_on_their_own_unit_say_why_they_are_refused(
    client: Client, cycle: Any, lead: Any, team: Any, unit_editor: Any, unit_head: Any, name: str, method: str
) -> None:
    # given the lead's own unit's assessment (Sở Nội vụ), submitted
    own = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-noi-vu")], actor=None)[0]
    self_score(own, unit_editor)
    submit(own, unit_head)
    # when the lead opens its request page or sends one of its forms without the page's script
    refused = getattr(login(client, lead), method)(reverse(name, args=[own.pk]))
    # then the refusal names the conflict of interest, not a generic «Không có quyền truy cập»
    body = refused.content.decode()
    assert refused.status_code == 403
    assert "không thẩm định bản đánh giá của đơn vị mình" in body and "Sở Nội vụ" in body
    assert "Không có quyền truy cập" not in body
    assert refresh(own).state == Assessment.State.SUBMITTED  # nothing changed


def test_a_team_member_without_an_assignment_is_told_so_not_that_the_filters_hide_everything(
    client: Client, cycle: Any, appraiser: Any
) -> None:
    body = login(client, appraiser).get(reverse("appraisal:queue")).content.decode()
    assert "Anh/chị chưa được phân công thẩm định trong" in body and "theo điều kiện đã chọn" not in body


def test_a_draft_is_a_404_and_a_unit_editor_is_refused_the_review(
    client: Client, assessment: Any, submitted: Any, appraiser: Any, unit_editor: Any, cycle: Any
) -> None:
    draft = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    assert login(client, appraiser).get(reverse("appraisal:review", args=[draft.pk])).status_code == 404
    assert login(client, unit_editor).get(reverse("appraisal:review", args=[submitted.pk])).status_code == 403


def test_an_appraiser_assigned_to_other_units_is_refused(client: Client, submitted: Any, appraiser: Any) -> None:
    assignment = AppraisalAssignment.objects.get(user=appraiser)
    assignment.units.set([Unit.objects.get(code="so-tai-chinh")])
    assert login(client, appraiser).get(reverse("appraisal:review", args=[submitted.pk])).status_code == 403


@pytest.mark.parametrize("name", ["appraisal:review", "appraisal:assessment_workbook"])
def test_an_appraiser_not_assigned_the_unit_is_told_which_unit_not_a_generic_refusal(
    client: Client, submitted: Any, appraiser: Any, name: str
) -> None:
    # given an appraiser whose assignment names another unit only
    AppraisalAssignment.objects.get(user=appraiser).units.set([Unit.objects.get(code="so-tai-chinh")])
    # when they open the unit's review page (or its workbook)
    refused = login(client, appraiser).get(reverse(name, args=[submitted.pk]))
    # then the refusal names the unit and what to do, and nothing was being saved
    body = refused.content.decode()
    assert refused.status_code == 403
    assert "không được phân công thẩm định bản đánh giá của Sở Y tế" in body and "quản trị viên" in body
    assert "Không có quyền truy cập" not in body and "chưa được lưu" not in body


def test_the_review_page_costs_the_same_queries_whatever_the_evidence_and_history(
    client: Client, submitted: Any, lead: Any, django_assert_max_num_queries: Any
) -> None:
    login(client, lead)
    client.get(reverse("appraisal:review", args=[submitted.pk]))
    from tests.appraisal.conftest import appraise_all

    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    # the rounds' questions and agreements, and the colleagues' appraisals replaced within a round (from the
    # audit): one query each for every leaf
    with django_assert_max_num_queries(18):
        assert client.get(reverse("appraisal:review", args=[submitted.pk])).status_code == 200


# --- appraise a leaf ---------------------------------------------------------------------------------------


def test_an_appraiser_saves_a_leaf_of_the_assigned_area(client: Client, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    response = login(client, appraiser).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {**_post_value(line, numerator="9", denominator="10"), "note": "Tỷ lệ theo sổ theo dõi là 90%."},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{line.pk}")
    saved = line_of(submitted, "2.1.1")
    assert saved.appraised_score == Decimal("1.80")  # 90 % × 2 points
    assert saved.appraised_note == "Tỷ lệ theo sổ theo dõi là 90%."


def test_an_appraiser_is_refused_a_leaf_of_an_unassigned_area(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "1.2.3")
    response = login(client, appraiser).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]), _post_value(line, points="0,5")
    )
    assert response.status_code == 403
    assert line_of(submitted, "1.2.3").appraised_score is None
    # the form sent without the page's script is told which leaf and that nothing was saved
    body = response.content.decode()
    assert "Tiêu chí 1.2.3 không (còn) thuộc lĩnh vực" in body and "chưa được lưu" in body
    assert "Không có quyền truy cập" not in body


def test_a_bad_value_shows_a_vietnamese_message_on_the_page(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    response = login(client, lead).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {**_post_value(line, points="0,75"), "note": "thử"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "vượt quá điểm tối đa" in body and 'value="0,75"' in body
    assert line_of(submitted, "1.2.3").appraised_score is None


def test_a_missing_reason_is_answered_in_json_for_the_script(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    response = login(client, lead).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]), _post_value(line, points="0,25"), **JSON
    )
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required" and response.json()["field"] == "note"


def test_the_team_overrules_a_units_not_applicable_from_the_review_page(
    client: Client, submitted: Any, lead: Any
) -> None:
    """A «không phát sinh» leaf offers, beside accepting it, a score with a required reason; once overruled the
    page says so, and accepting the declaration again withdraws the score."""
    line = line_of(submitted, "1.2.2")
    ScoreLine.objects.filter(pk=line.pk).update(not_applicable=True, not_applicable_reason="Không kiểm tra",
                                                self_value=None, self_score=None)
    line = line_of(submitted, "1.2.2")
    login(client, lead)
    url = reverse("appraisal:review", args=[submitted.pk])
    page = client.get(url).content.decode()
    assert "Không chấp nhận «không phát sinh»: chấm điểm" in page and "Chấp nhận «không phát sinh»" in page
    save = reverse("appraisal:appraise_line", args=[submitted.pk, line.pk])
    fields = _post_value(line, **{"counts.a": "4", "counts.b": "2", "counts.c": "0"})
    refused = client.post(save, fields, **JSON)
    assert refused.status_code == 400 and refused.json()["field"] == "note"
    assert "hãy nêu lý do" in refused.json()["message"]
    assert not line_of(submitted, "1.2.2").na_overruled

    saved = client.post(save, {**fields, "note": "Có biên bản kiểm tra."}, **JSON)
    assert saved.status_code == 200 and saved.json()["line"]["na_overruled"] is True
    assert saved.json()["line"]["appraised_score"] == "0.75"
    page = client.get(url).content.decode()
    assert '<p data-na-state="overruled"><span class="tag flag" data-na-overruled>' in page  # shown, not hidden
    assert '<p class="meta" data-na-state="declared" hidden>' in page

    line = line_of(submitted, "1.2.2")
    accepted = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                           {"base_version": line.version}, **JSON)
    assert accepted.status_code == 200 and accepted.json()["line"]["na_overruled"] is False
    restored = line_of(submitted, "1.2.2")
    assert restored.not_applicable and restored.appraised_score is None


def test_a_stale_version_gets_409_with_both_values(client: Client, submitted: Any, lead: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version, value={"numerator": 85, "denominator": 100})
    login(client, lead)
    url = reverse("appraisal:appraise_line", args=[submitted.pk, line.pk])
    stale = {**_post_value(line, numerator="0", denominator="100"), "note": "không có tài liệu"}
    answer = client.post(url, stale, **JSON)
    assert answer.status_code == 409 and answer.json()["current"]["display"] == "1,70"
    page = client.post(url, stale)
    assert page.status_code == 409
    body = page.content.decode()
    assert "vừa được thẩm định ở nơi khác" in body and "1,70" in body and "không có tài liệu" in body
    assert line_of(submitted, "2.1.1").appraised_score == Decimal("1.70")


def test_a_leaf_of_another_assessment_is_a_404(client: Client, submitted: Any, lead: Any, cycle: Any) -> None:
    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-xay-dung")], actor=None)[0]
    line = line_of(other, "1.2.3")
    response = login(client, lead).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]), _post_value(line, points="0,5")
    )
    assert response.status_code == 404


# --- accept ------------------------------------------------------------------------------------------------


def test_accepting_a_leaf_and_an_area(client: Client, submitted: Any, appraiser: Any) -> None:
    evidence_not_required(submitted)
    login(client, appraiser)
    line = line_of(submitted, "2.2.1")
    answer = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                         {"base_version": line.version}, **JSON)
    assert answer.status_code == 200 and answer.json()["line"]["display"] == "1,50"
    area = submitted.indicator_set.indicators.get(code="2")
    response = client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]))
    assert response.status_code == 302
    assert not submitted.lines.filter(indicator__code__startswith="2.", appraised_score__isnull=True).exists()


def test_accepting_an_unassigned_leaf_or_area_is_refused(client: Client, submitted: Any, appraiser: Any) -> None:
    login(client, appraiser)
    line = line_of(submitted, "1.1.1")
    assert client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                       {"base_version": line.version}).status_code == 403
    area = submitted.indicator_set.indicators.get(code="1")
    assert client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk])).status_code == 403
    assert not submitted.lines.filter(appraised_score__isnull=False).exists()


# --- lead actions ------------------------------------------------------------------------------------------


def test_the_lead_starts_the_appraisal(client: Client, submitted: Any, lead: Any, appraiser: Any) -> None:
    url = reverse("appraisal:start", args=[submitted.pk])
    assert login(client, appraiser).post(url).status_code == 403
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert login(client, lead).post(url).status_code == 302
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


def test_the_lead_returns_chosen_leaves_for_explanation(client: Client, submitted: Any, lead: Any) -> None:
    login(client, lead)
    url = reverse("appraisal:request_explanation", args=[submitted.pk])
    assert client.get(url).status_code == 200
    line = line_of(submitted, "2.1.1")
    deadline = (timezone.localtime() + timedelta(days=5)).date()
    # nothing appraised yet: the lead confirms returning it all the same (test_request_undecided_confirm.py)
    response = client.post(url, {"lines": [str(line.pk)], "deadline": deadline.strftime("%d/%m/%Y"),
                                 "message": "Bổ sung báo cáo.", "confirm_undecided": "1"})
    assert response.status_code == 302
    assessment = refresh(submitted)
    assert assessment.state == Assessment.State.EXPLANATION
    assert timezone.localtime(assessment.explanation_deadline).date() == deadline


def test_a_return_without_a_valid_deadline_shows_the_form_again(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    response = login(client, lead).post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                                        {"lines": [str(line.pk)], "deadline": "31/02/2020"})
    assert response.status_code == 400
    assert "không phải là một ngày" in response.content.decode()
    assert not ExplanationRound.objects.exists()


def test_an_appraiser_cannot_return_close_or_sign_off(client: Client, appraised: Any, appraiser: Any) -> None:
    login(client, appraiser)
    for name in ("request_explanation", "close_explanation", "sign_off"):
        assert client.post(reverse(f"appraisal:{name}", args=[appraised.pk])).status_code == 403, name
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_the_lead_signs_off_and_the_page_shows_the_result(
    client: Client, appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appraisal:sign_off", args=[appraised.pk]))
    assert response.status_code == 302
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    assert "6,58" in body and "Trung bình" in body and "Đang tính" not in body


def test_a_sign_off_with_missing_leaves_or_a_second_one_changes_nothing(
    client: Client, submitted: Any, appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, lead)
    url = reverse("appraisal:sign_off", args=[appraised.pk])
    ScoreLine.objects.filter(assessment=appraised, indicator__code="1.1.1").update(appraised_score=None)
    response = client.post(url, follow=True)
    assert "chưa có điểm thẩm định" in response.content.decode()
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
    line = line_of(appraised, "1.1.1")
    line_appraise(line=line, actor=lead, base_version=line.version, value=line.self_value)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    second = client.post(url, **JSON)
    assert second.status_code == 409 and second.json()["code"] == "already_signed_off"
    assert IndexResult.objects.filter(assessment=appraised).count() == 1


def test_the_lead_closes_an_overdue_round(client: Client, submitted: Any, lead: Any) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    login(client, lead)
    url = reverse("appraisal:close_explanation", args=[submitted.pk])
    client.post(url)
    assert refresh(submitted).state == Assessment.State.EXPLANATION  # not overdue yet
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    assert client.post(url).status_code == 302
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


def test_an_administrator_reopens_with_a_reason(
    client: Client, appraised: Any, lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    url = reverse("appraisal:reopen", args=[appraised.pk])
    assert login(client, lead).post(url, {"reason": "x"}).status_code == 403
    login(client, admin_user)
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert refresh(appraised).state == Assessment.State.SIGNED_OFF
    assert client.post(url, {"reason": "Phúc tra theo đơn khiếu nại."}).status_code == 302
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
    assert IndexResult.objects.get(assessment=appraised).stale


# --- results -----------------------------------------------------------------------------------------------


def test_the_result_shows_dang_tinh_until_the_worker_has_written_it(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    with mock.patch("appraisal.tasks.recompute_index_result_task"), \
            django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    login(client, unit_editor)
    url = reverse("appraisal:result", args=[appraised.pk])
    assert client.get(url, **JSON).json() == {"state": "signed_off", "pending": True, "ready": False}
    page = client.get(url).content.decode()
    assert "Đang tính" in page and "data-result-poll" in page and "Tải lại" in page
    from appraisal.tasks import recompute_index_result_task

    recompute_index_result_task(appraised.pk)
    answer = client.get(url, **JSON).json()
    assert answer["ready"] and answer["index"] == "6,58" and answer["rank"] == 1


def test_another_units_people_never_see_the_result(
    client: Client, appraised: Any, lead: Any, other_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    assert login(client, other_editor).get(reverse("appraisal:result", args=[appraised.pk])).status_code == 404


# --- the unit's explanation page ---------------------------------------------------------------------------


def test_the_unit_sees_flagged_leaves_with_reasons_once_returned(
    client: Client, submitted: Any, lead: Any, appraiser: Any, unit_editor: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Thiếu báo cáo tổng hợp.")
    url = reverse("appraisal:explain", args=[submitted.pk])
    login(client, unit_editor)
    assert client.get(url).status_code == 404  # the round has not ended: no appraisers' notes yet
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk])
    body = client.get(url).content.decode()
    assert "Thiếu báo cáo tổng hợp." in body
    assert f'action="/tham-dinh/giai-trinh/{submitted.pk}/dong/{line.pk}/"' in body


def test_the_unit_does_not_see_round_two_notes_before_the_round_ends(
    client: Client, submitted: Any, lead: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    from appraisal.services import explanation_resubmit, line_explain

    line = flagged_line(submitted, lead)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    explanation_resubmit(assessment=submitted, actor=unit_head)
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 10, "denominator": 100}, note="Ghi chú nội bộ vòng 2.")
    body = login(client, unit_editor).get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    assert "Ghi chú nội bộ vòng 2." not in body


def test_another_units_people_and_appraisers_get_a_404_for_the_explanation_page(
    client: Client, submitted: Any, lead: Any, other_editor: Any, appraiser: Any
) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    url = reverse("appraisal:explain", args=[submitted.pk])
    assert login(client, other_editor).get(url).status_code == 404
    assert login(client, appraiser).get(url).status_code == 404


def test_the_unit_explains_a_leaf_and_the_head_resubmits(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = flagged_line(submitted, lead)
    login(client, unit_editor)
    response = client.post(reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
                           {"base_version": line.version, "explanation": "Đã bổ sung báo cáo số 5."})
    assert response.status_code == 302
    resubmit = reverse("appraisal:resubmit", args=[submitted.pk])
    assert client.post(resubmit).status_code == 403  # the editor does not resubmit
    assert login(client, unit_head).post(resubmit).status_code == 302
    assessment = refresh(submitted)
    assert assessment.state == Assessment.State.IN_APPRAISAL and assessment.appraisal_round == 2


def test_another_units_editor_cannot_explain(
    client: Client, submitted: Any, lead: Any, other_editor: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk])
    response = login(client, other_editor).post(
        reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, "explanation": "x"},
    )
    assert response.status_code == 404
    assert line_of(submitted, "2.1.1").explanation == ""


# --- oversight ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "lead"])
def test_the_dashboard_is_for_administrators_and_the_lead(
    client: Client, submitted: Any, request: pytest.FixtureRequest, who: str
) -> None:
    Assessment.objects.filter(pk=submitted.pk).update(state=Assessment.State.EXPLANATION,
                                                      explanation_deadline=timezone.now() - timedelta(days=1))
    body = login(client, request.getfixturevalue(who)).get(reverse("appraisal:dashboard")).content.decode()
    assert "Đơn vị quá hạn" in body and "chưa gửi giải trình" in body and "Sở Y tế" in body
    # units still self-assessing are followed on the cycle's page (the appraisal queue never lists them)
    cycle_page = reverse("administration:cycle_detail", args=[submitted.cycle_id]) + "?trang_thai=draft"
    assert (cycle_page in body) is (who == "admin_user")
    assert "trang-thai=draft" not in body


@pytest.mark.parametrize("who", ["appraiser", "unit_editor"])
def test_the_dashboard_is_refused_to_others(client: Client, submitted: Any, request: pytest.FixtureRequest,
                                            who: str) -> None:
    assert login(client, request.getfixturevalue(who)).get(reverse("appraisal:dashboard")).status_code == 403


def test_an_administrator_asks_for_a_set_wise_recompute(
    client: Client, cycle: Any, admin_user: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("appraisal:cycle_recompute", args=[cycle.pk])
    assert login(client, lead).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert login(client, admin_user).post(url).status_code == 302


def test_the_survey_preview_is_refused_to_the_lead(client: Client, lead: Any, admin_user: Any, cycle: Any) -> None:
    from appraisal.models import SurveyImport

    survey = SurveyImport.objects.create(cycle=cycle, file_name="a.csv", sha256="0" * 64, created_by=admin_user)
    assert login(client, lead).get(reverse("appraisal:survey_preview", args=[survey.pk])).status_code == 403
    assert login(client, admin_user).get(reverse("appraisal:survey_preview", args=[survey.pk])).status_code == 200


def test_the_nav_links_follow_the_role(client: Client, submitted: Any, appraiser: Any, admin_user: Any) -> None:
    other = _user("vy", "appraiser", "so-tai-chinh")
    body = login(client, appraiser).get(reverse("appraisal:queue")).content.decode()
    assert 'href="/tham-dinh/"' in body and 'href="/tham-dinh/tong-quan/"' not in body
    body = login(client, admin_user).get(reverse("appraisal:queue")).content.decode()
    assert 'href="/tham-dinh/tong-quan/"' in body and 'href="/tham-dinh/dieu-tra/"' in body
    assert other.pk


def test_the_queue_costs_the_same_queries_for_one_unit_or_many(
    client: Client, submitted: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any,
    django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, lead)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("appraisal:queue"))
    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get(reverse("appraisal:queue")).content.decode()
    assert "Cục Thuế tỉnh" in body


def test_the_queue_is_paginated_with_its_filters_kept_and_progress_counted_for_the_page(
    client: Client, submitted: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from appraisal.views import review as review_views

    monkeypatch.setattr(review_views, "QUEUE_PER_PAGE", 2)  # a national cycle's team sees thousands
    for code in ("so-tai-chinh", "so-xay-dung"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
    login(client, lead)
    url = reverse("appraisal:queue")
    first = client.get(url, {"trang-thai": "submitted"})
    page = first.context["page"]
    assert page.paginator.count == 3 and len(first.context["queue"].rows) == 2
    body = first.content.decode()
    assert f"?ky={cycle.pk}&amp;trang-thai=submitted&amp;trang=2" in body  # the next page keeps the filters
    assert "Bản 1–2 trong 3 bản đánh giá" in body
    second = client.get(url, {"trang-thai": "submitted", "trang": "2"})
    rows = second.context["queue"].rows
    assert len(rows) == 1 and rows[0].total > 0  # progress counted for the page's rows
    shown = {r.assessment.unit.name for r in first.context["queue"].rows} | {r.assessment.unit.name for r in rows}
    assert shown == {"Sở Y tế", "Sở Tài chính", "Sở Xây dựng"}


def test_after_a_reopen_the_unit_keeps_the_signed_off_results_but_not_the_new_notes(
    client: Client, appraised: Any, lead: Any, admin_user: Any, unit_editor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from appraisal.services import assessment_reopen

    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    assessment_reopen(assessment=appraised, actor=admin_user, reason="Phúc tra.")
    line = line_of(appraised, "1.2.3")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0"}, note="Ý kiến vòng phúc tra.")
    body = login(client, unit_editor).get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    assert "Kết quả cuối cùng" in body and "Ý kiến vòng phúc tra." not in body


def test_an_appraiser_assigned_one_criterion_appraises_and_accepts_only_its_leaves(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    evidence_not_required(submitted)
    assignment = AppraisalAssignment.objects.get(user=appraiser)
    assignment.areas.set(submitted.indicator_set.indicators.filter(code="2.1"))
    login(client, appraiser)
    inside, outside = line_of(submitted, "2.1.2"), line_of(submitted, "2.2.1")
    assert client.post(reverse("appraisal:accept_line", args=[submitted.pk, outside.pk]),
                       {"base_version": outside.version}).status_code == 403
    area = submitted.indicator_set.indicators.get(code="2")
    assert client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk])).status_code == 302
    assert line_of(submitted, "2.1.1").appraised_score is not None
    assert line_of(submitted, "2.1.2").appraised_score == inside.self_score
    assert line_of(submitted, "2.2.1").appraised_score is None
    assert "2: 2/4" in seen(client.get(reverse("appraisal:queue")).content.decode())


def test_a_units_people_get_a_feedback_link_once_a_round_has_ended(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    link = f'href="/tham-dinh/giai-trinh/{submitted.pk}/"'
    login(client, unit_editor)
    assert link not in client.get(reverse("home") + "?cong-khai=1").content.decode()
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    assert link in client.get(reverse("home") + "?cong-khai=1").content.decode()


def test_the_result_status_tag_shows_dang_tinh_then_the_result(
    rf: Any, appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    from django.template import Context, Template

    from appraisal.tasks import recompute_index_result_task

    with mock.patch("appraisal.tasks.recompute_index_result_task"), \
            django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    page = Template("{% load appraisal_tags %}{% result_status assessment %}")
    context = {"assessment": refresh(appraised), "request": rf.get("/")}
    assert "Đang tính" in page.render(Context(context))
    recompute_index_result_task(appraised.pk)
    rendered = page.render(Context(context))
    assert "Đang tính" not in rendered and "6,58" in rendered


def test_the_queue_shows_exactly_the_rows_the_permissions_allow_whoever_asks(
    submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any, team: Any, admin_user: Any
) -> None:
    """The queue picks, counts and pages its rows in the database: the same rows, each with the same areas and
    rights, as `area_ids_for` and `can_lead` give one assessment at a time, for every kind of user."""
    from appraisal import permissions
    from appraisal.selectors import queue_for_user, set_tree
    from appraisal.selectors.tree import WORK_STATES

    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue", "so-tu-phap", "so-noi-vu"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
    restricted = _user("thu", "appraiser", "so-tai-chinh")  # one criterion, two units (one of them her own)
    assignment = AppraisalAssignment.objects.create(cycle=cycle, user=restricted)
    assignment.areas.set(submitted.indicator_set.indicators.filter(code="2.1"))
    assignment.units.set(Unit.objects.filter(code__in=["so-y-te", "so-tai-chinh", "cuc-thue"]))
    unassigned = _user("minh", "appraiser", "so-xay-dung")
    users = [team["lead"], team["appraiser"], restricted, unassigned, admin_user]
    tree = set_tree(submitted.indicator_set_id)
    every = list(Assessment.objects.filter(cycle=cycle, state__in=WORK_STATES).select_related("unit"))
    for user in users:
        admin_only = permissions.is_administrator(user) and not permissions.is_appraiser(user)
        expected = {}
        for assessment in every:
            allowed = None if admin_only else permissions.area_ids_for(user, assessment)
            if allowed is None or allowed:
                expected[assessment.pk] = (
                    permissions.can_lead(user, assessment),
                    [(area.code, tree.area_has_assigned(allowed, area.pk)) for area in tree.areas],
                )
        queue = queue_for_user(user=user, cycle=cycle)
        got = {r.assessment.pk: (r.can_lead, [(p.area.code, p.mine) for p in r.areas]) for r in queue.rows}
        assert got == expected, user.username
        paged = queue_for_user(user=user, cycle=cycle, per_page=2, page=1)
        assert paged.page is not None and paged.page.paginator.count == len(expected)
        by_area = queue_for_user(user=user, cycle=cycle, area_code="1")
        assert {r.assessment.pk for r in by_area.rows} == {
            pk for pk, (_lead, areas) in expected.items() if ("1", True) in areas
        }, user.username
    shown = {u.username: {r.assessment.unit.code for r in queue_for_user(user=u, cycle=cycle).rows} for u in users}
    assert "so-noi-vu" not in shown["hoa"] and "so-tu-phap" in shown["hoa"]  # never the lead's own unit
    assert shown["thu"] == {"so-y-te", "cuc-thue"}  # her assignment's units, not her own
    assert shown["minh"] == set() and len(shown["bao"]) == 6


def test_a_bad_value_is_refused_in_english_when_english_is_chosen(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    signed_in = login(client, lead)
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = signed_in.post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {**_post_value(line, points="0,75"), "note": "thử"}, headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Points 0.75 exceed the maximum 0.5."
    assert line_of(submitted, "1.2.3").appraised_score is None


# --- defects found by QA -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"nhom": "99999999999999999999999"}, {"nhom": "²"}, {"ky": "²"}, {"trang": "99999999999999999999999"},
    {"linh-vuc": "99999999999999999999999"}, {"trang-thai": "99999999999999999999999"},
])
def test_the_queue_takes_out_of_range_or_odd_numbers_as_no_such_filter(
    client: Client, submitted: Any, lead: Any, query: dict[str, str]
) -> None:
    response = login(client, lead).get(reverse("appraisal:queue"), query)
    assert response.status_code == 200
    # as any filter that names nothing: left out, every row shown
    assert "Sở Y tế" in response.content.decode().split("<h1>")[1]


def test_a_cycle_no_row_can_have_is_a_404_on_the_dashboard_and_named_on_the_queue(
    client: Client, submitted: Any, lead: Any
) -> None:
    login(client, lead)
    assert client.get(reverse("appraisal:dashboard"), {"ky": "99999999999999999999999"}).status_code == 404
    assert client.get(reverse("appraisal:dashboard"), {"ky": "²"}).status_code == 200  # not a number: the current
    # the queue names it and shows the latest cycle, as any filter that names nothing (test_queue_unknown_filters)
    for ky in ("99999999999999999999999", "²"):
        response = client.get(reverse("appraisal:queue"), {"ky": ky})
        assert response.status_code == 200 and "Không có kỳ đánh giá" in response.content.decode(), ky


def test_explanation_lines_and_assignment_ids_that_no_row_can_have_are_left_out(
    client: Client, submitted: Any, lead: Any, admin_user: Any, cycle: Any
) -> None:
    login(client, lead)
    response = client.post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                           {"lines": ["99999999999999999999999", "²"], "deadline": later().date().isoformat()})
    assert response.status_code in (302, 400)
    login(client, admin_user)
    response = client.post(reverse("appraisal:assignments", args=[cycle.pk]),
                           {"user": "99999999999999999999999", "nodes": ["²", "99999999999999999999999"]})
    assert response.status_code == 400 and "Hãy chọn thành viên Tổ thẩm định." in response.content.decode()


def test_a_per_leaf_save_answers_with_the_pages_summary_as_a_reload_shows_it(
    client: Client, submitted: Any, lead: Any
) -> None:
    # given a submitted assessment (state «Đã gửi»), nothing appraised
    login(client, lead)
    line = line_of(submitted, "1.1.2")

    # when the lead accepts one leaf, then appraises another
    accepted = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                           {"base_version": line.version}, **JSON).json()
    other = line_of(submitted, "2.1.1")
    saved = client.post(reverse("appraisal:appraise_line", args=[submitted.pk, other.pk]),
                        _post_value(other, numerator="85", denominator="100"), **JSON).json()

    # then each answer carries the state, the progress and the appraised totals
    first = accepted["review"]
    assert first["state"] == "in_appraisal" and first["state_display"] == "Đang thẩm định"
    assert (first["done"], first["total"]) == (1, 9)
    review = saved["review"]
    areas = {a["id"]: a for a in review["areas"]}
    area_1, area_2 = (line.indicator.parent.parent_id, other.indicator.parent.parent_id)
    assert (areas[area_1]["done"], areas[area_1]["total"], areas[area_1]["appraised"]) == (1, 5, "1,00")
    assert (areas[area_2]["done"], areas[area_2]["total"], areas[area_2]["appraised"]) == (1, 4, "1,70")
    assert (review["done"], review["total"], review["index"]) == (2, 9, "2,70 (tạm tính)")
    page = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert f'data-area-progress="{area_1}">1/5<' in page and f'data-area-appraised="{area_2}">1,70<' in page
    assert "data-total-progress>2/9<" in page and "data-appraised-index>2,70 (tạm tính)<" in page


def test_the_summary_says_chua_tham_dinh_where_nothing_is_decided_and_marks_a_partial_index(
    client: Client, submitted: Any, lead: Any
) -> None:
    area_1, area_2 = (line_of(submitted, code).indicator.parent.parent_id for code in ("1.1.1", "2.1.1"))

    # given nothing decided yet: no 0,00 that nobody gave
    page = login(client, lead).get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    for cell in (f'data-area-appraised="{area_1}"', f'data-area-appraised="{area_2}"', "data-appraised-bonus",
                 "data-appraised-penalty", "data-appraised-index"):
        assert f"{cell}>chưa thẩm định<" in page

    # when one leaf of area 1 is accepted
    line = line_of(submitted, "1.1.2")
    answer = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                         {"base_version": line.version}, **JSON).json()["review"]

    # then area 1 has its score, area 2 and the bonus and the penalty are still undecided, the index provisional
    areas = {a["id"]: a["appraised"] for a in answer["areas"]}
    assert (areas[area_1], areas[area_2]) == ("1,00", "chưa thẩm định")
    assert (answer["bonus"], answer["penalty"], answer["index"]) == ("chưa thẩm định", "chưa thẩm định",
                                                                      "1,00 (tạm tính)")
    page = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert f'data-area-appraised="{area_1}">1,00<' in page and f'data-area-appraised="{area_2}">chưa thẩm định<' in page
    assert "data-appraised-bonus>chưa thẩm định<" in page and "data-appraised-index>1,00 (tạm tính)<" in page

    # and once every leaf is decided the totals are plain numbers again
    appraise_all(submitted, lead)
    answer = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                         {"base_version": ScoreLine.objects.get(pk=line.pk).version}, **JSON).json()["review"]
    assert "chưa" not in str(answer) and "tạm tính" not in answer["index"]
    page = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert "data-appraised-bonus>chưa thẩm định<" not in page and "(tạm tính)" not in page


def test_a_sign_off_too_early_names_the_first_missing_leaves_and_counts_the_others(
    client: Client, submitted: Any, lead: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from appraisal.views import _common

    monkeypatch.setattr(_common, "DETAILS_SHOWN", 3)
    Assessment.objects.filter(pk=submitted.pk).update(state=Assessment.State.IN_APPRAISAL)
    response = login(client, lead).post(reverse("appraisal:sign_off", args=[submitted.pk]), follow=True)
    body = response.content.decode()
    assert "Còn 9 tiêu chí chưa có điểm thẩm định. 1.1.1, 1.1.2, 1.2.1 và 6 tiêu chí khác." in body


def test_a_refused_page_is_the_sites_own_vietnamese_403_with_a_way_back(
    client: Client, submitted: Any, unit_editor: Any
) -> None:
    response = login(client, unit_editor).get(reverse("appraisal:queue"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Không có quyền truy cập" in body and f'href="{reverse("home")}"' in body and 'class="topbar"' in body
    assert "403 Forbidden" not in body


def test_the_explanation_form_has_the_boxes_its_script_fills_with_an_error_or_a_conflict(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk])
    page = login(client, unit_editor).get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    form = page.split("data-explain-line>")[1].split("</form>")[0]
    assert "data-error hidden" in form and "js-conflict" in form
    line = line_of(submitted, "2.1.1")
    url = reverse("appraisal:explain_line", args=[submitted.pk, line.pk])
    blank = client.post(url, {"base_version": line.version, "explanation": "   "}, **JSON)
    assert blank.status_code == 400 and blank.json()["message"] == "Hãy nhập nội dung giải trình."
    assert blank.json()["field"] == "explanation"
    client.post(url, {"base_version": line.version, "explanation": "Của người khác."}, **JSON)
    stale = client.post(url, {"base_version": line.version, "explanation": "Của tôi."}, **JSON)
    assert stale.status_code == 409 and stale.json()["current"]["explanation"] == "Của người khác."


def test_the_explanation_page_refuses_an_explanation_over_5000_characters_in_json(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    line = flagged_line(submitted, lead)
    url = reverse("appraisal:explain_line", args=[submitted.pk, line.pk])
    response = login(client, unit_editor).post(url, {"base_version": line.version, "explanation": "x" * 6000}, **JSON)
    assert response.status_code == 400
    assert response.json()["field"] == "explanation" and "tối đa 5000" in response.json()["message"]
    assert line_of(submitted, "2.1.1").explanation == ""


def test_the_close_round_button_shows_only_once_the_deadline_has_passed(
    client: Client, submitted: Any, lead: Any
) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    url = reverse("appraisal:review", args=[submitted.pk])
    close = reverse("appraisal:close_explanation", args=[submitted.pk])
    body = login(client, lead).get(url).content.decode()
    assert close not in body and "Kết thúc vòng giải trình" not in body
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    body = client.get(url).content.decode()
    assert f'action="{close}"' in body and "Kết thúc vòng giải trình (đã hết hạn)" in body


def test_a_not_applicable_leaf_reads_n_a_in_english_on_the_explanation_pages(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    line = line_of(submitted, "1.2.2")
    ScoreLine.objects.filter(pk=line.pk).update(not_applicable=True, not_applicable_reason="Không kiểm tra",
                                                self_value=None, self_score=None)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = login(client, lead).get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    assert '<td class="num">N/A</td>' in form and ">KPS<" not in form
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    page = login(client, unit_editor).get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    assert '<td class="num" data-label="Self-score">N/A</td>' in page and ">KPS<" not in page


# --- explanation rounds: what the pages say and keep -------------------------------------------------------


def test_the_explanation_page_does_not_prefill_the_text_the_leaf_had_before_the_round(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    ScoreLine.objects.filter(assessment=submitted, indicator__code="2.1.1").update(explanation="Giải trình cũ.")
    line = flagged_line(submitted, lead)
    url = reverse("appraisal:explain", args=[submitted.pk])
    body = login(client, unit_editor).get(url).content.decode()
    textarea = body.split(f'id="explanation-{line.pk}"')[1].split("</textarea>")[0]
    assert textarea.endswith(">")  # empty: the earlier text is shown apart, not offered as this round's
    assert "Giải trình trước đây" in body and "Giải trình cũ." in body
    # the head's immediate resubmission is refused and names the leaf
    response = login(client, unit_head).post(reverse("appraisal:resubmit", args=[submitted.pk]), follow=True)
    refused = response.content.decode()
    assert "chưa được giải trình trong vòng này." in refused
    assert f'<a href="#line-{line.pk}" data-refused-leaf>2.1.1 ' in refused
    assert refresh(submitted).state == Assessment.State.EXPLANATION
    # once written, the page offers this round's text
    login(client, unit_editor).post(reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
                                    {"base_version": line.version, "explanation": "Đã bổ sung báo cáo số 5."})
    textarea = client.get(url).content.decode().split(f'id="explanation-{line.pk}"')[1].split("</textarea>")[0]
    assert textarea.endswith("Đã bổ sung báo cáo số 5.")


def test_resubmitting_twice_or_explaining_after_the_round_tells_the_unit_why(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = flagged_line(submitted, lead)
    login(client, unit_editor).post(reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
                                    {"base_version": line.version, "explanation": "Đã bổ sung báo cáo số 5."})
    resubmit = reverse("appraisal:resubmit", args=[submitted.pk])
    assert login(client, unit_head).post(resubmit).status_code == 302
    again = client.post(resubmit, **JSON)
    assert again.status_code == 409 and again.json()["code"] == "already_resubmitted"
    assert "Đơn vị đã gửi giải trình" in again.json()["message"]
    line.refresh_from_db()
    late = login(client, unit_editor).post(reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
                                           {"base_version": line.version, "explanation": "Bổ sung thêm."}, **JSON)
    assert late.status_code == 409 and late.json()["code"] == "round_ended"
    assert "Vòng giải trình đã kết thúc" in late.json()["message"]


def test_a_refused_deadline_is_kept_in_the_date_inputs_own_format(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    response = login(client, lead).post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                                        {"lines": [str(line.pk)], "deadline": "31/12/9999"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "quá xa" in body and 'value="9999-12-31"' in body
    assert not ExplanationRound.objects.exists()


@pytest.mark.parametrize("bad", ["-1", "0", "abc", "²", "99999999999999999999999"])
def test_a_malformed_leaf_id_refuses_the_whole_request(client: Client, submitted: Any, lead: Any, bad: str) -> None:
    line = line_of(submitted, "2.1.1")
    response = login(client, lead).post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                                        {"lines": [bad, str(line.pk)], "deadline": later().date().isoformat()})
    assert response.status_code == 400
    assert "Có tiêu chí không thuộc bản đánh giá này." in response.content.decode()
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ScoreLine.objects.filter(assessment=submitted, explanation_requested=True).exists()


def test_a_reopen_reason_is_limited_to_5000_characters_with_the_apps_message(
    client: Client, appraised: Any, lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    url = reverse("appraisal:reopen", args=[appraised.pk])
    login(client, admin_user)
    too_long = client.post(url, {"reason": "x" * 5001})
    assert too_long.status_code == 400
    assert "Nội dung quá dài (5001 ký tự, tối đa 5000)" in too_long.content.decode()
    assert refresh(appraised).state == Assessment.State.SIGNED_OFF
    assert 'maxlength="5000"' in client.get(url).content.decode()
    assert client.post(url, {"reason": "x" * 5000}).status_code == 302
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
