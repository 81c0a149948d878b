"""The appraisal API's refusals speak to an API caller: no «tải lại trang», and the role or assignment the request
needs (as «Chỉ thủ trưởng đơn vị được gửi…» of the submission); the pages keep their own words."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from appraisal.services import assessment_sign_off, explanation_request, line_explain
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db


def _refusal(response: Any) -> str:
    assert response.status_code == 403, response.content
    return str(response.json()["message"])


def test_an_appraiser_outside_the_area_is_told_which_assignment_is_needed(
    api: Any, client: Any, submitted: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "1.1.1")  # area 1: not the appraiser's
    api.force_login(appraiser)
    text = _refusal(api.post(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/accept/",
                             {"version": line.version}, format="json"))
    assert "tải lại trang" not in text.lower()
    assert "1.1.1" in text and "thành viên Tổ thẩm định được phân công" in text
    area = line.indicator.parent.parent
    text = _refusal(api.post(f"/api/v1/assessments/{submitted.pk}/areas/{area.pk}/accept/", format="json"))
    assert "tải lại trang" not in text.lower() and "Lĩnh vực 1" in text
    # the page's script still reads its own words
    client.force_login(appraiser)
    page = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                       {"base_version": line.version}, HTTP_ACCEPT="application/json")
    assert page.status_code == 403 and "tải lại trang" in page.json()["message"]


def test_resubmit_and_reopen_refused_by_role_say_which_role(
    api: Any, submitted: Any, lead: Any, unit_editor: Any, admin_user: Any
) -> None:
    appraise_all(submitted, lead)
    line = line_of(submitted, "2.1.1")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk], message="?")
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    api.force_login(unit_editor)
    text = _refusal(api.post(f"/api/v1/assessments/{submitted.pk}/resubmit/", format="json"))
    assert "Chỉ thủ trưởng đơn vị" in text
    api.force_login(lead)
    text = _refusal(api.post(f"/api/v1/assessments/{submitted.pk}/reopen/", {"reason": "Phúc tra"}, format="json"))
    assert "Chỉ quản trị viên" in text
    assert refresh(submitted).state == "explanation"


def test_a_signed_off_assessment_reopen_refused_to_the_lead_changes_nothing(
    api: Any, submitted: Any, lead: Any
) -> None:
    appraise_all(submitted, lead)
    signed = assessment_sign_off(assessment=refresh(submitted), actor=lead)
    api.force_login(lead)
    text = _refusal(api.post(f"/api/v1/assessments/{signed.pk}/reopen/", {"reason": "Phúc tra"}, format="json"))
    assert "Chỉ quản trị viên được mở lại" in text
    assert refresh(signed).state == "signed_off"
