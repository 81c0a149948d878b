"""A colleague's appraisal replaced is not anonymous: the conflict answer names who stored the value and when, the
replaced value and its reason stay in the leaf's «Quá trình chấm điểm» on the review page, and the colleague is
told by a notification."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from appraisal.models import Notification
from appraisal.services import line_appraise
from scoring.templatetags.scoring_tags import full_name
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "fetch"}
TAM_VALUE = {"numerator": "70", "denominator": "100"}  # 0 points: below the 80 % threshold
TAM_REASON = "Biên bản kiểm tra ghi 70%."


def _tam_appraises(submitted: Any, appraiser: Any) -> Any:
    line = line_of(submitted, "2.1.1")
    return line_appraise(line=line, actor=appraiser, base_version=line.version, value=TAM_VALUE, note=TAM_REASON)


def test_a_stale_save_answers_who_stored_the_value_and_when(client: Any, submitted: Any, appraiser: Any,
                                                             lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    seen_version = line.version
    _tam_appraises(submitted, appraiser)
    client.force_login(lead)
    response = client.post(reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
                           {f"a{line.pk}-numerator": "90", f"a{line.pk}-denominator": "100", "note": "Đủ 90%.",
                            "base_version": seen_version}, **JSON)
    assert response.status_code == 409
    said = response.json()["current"]["appraised_by"]
    assert full_name(appraiser) in said and "lưu lúc" in said
    # refused: nothing changed
    assert line_of(submitted, "2.1.1").appraised_note == TAM_REASON


def test_a_stale_save_in_another_tab_of_the_same_person_says_so(client: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    seen_version = line.version
    _tam_appraises(submitted, appraiser)
    client.force_login(appraiser)
    response = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                           {"base_version": seen_version}, **JSON)
    assert response.status_code == 409
    assert "chính anh/chị" in response.json()["current"]["appraised_by"]


def test_keeping_my_value_leaves_the_colleagues_value_and_reason_in_the_leafs_history(
    client: Any, submitted: Any, appraiser: Any, lead: Any
) -> None:
    # given tam's appraisal, replaced by the lead («Giữ giá trị của tôi» sends at the stored version)
    stored = _tam_appraises(submitted, appraiser)
    line_appraise(line=stored, actor=lead, base_version=stored.version,
                  value={"numerator": "90", "denominator": "100"}, note="Sổ theo dõi cho thấy 90%.")
    # when the review page is read
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[submitted.pk]) + "?linh-vuc=tat-ca").content.decode()
    # then the leaf's history keeps tam's value and reason, and says who replaced it
    start = body.index(f'id="line-{stored.pk}"')
    leaf = body[start:body.index("</article>", start)]
    assert "data-history-overwritten" in leaf
    assert f"Thẩm định của {full_name(appraiser)}" in leaf
    assert f"được {full_name(lead)} thay bằng giá trị khác" in leaf
    assert TAM_REASON in leaf


def test_the_colleague_whose_value_was_replaced_is_notified(submitted: Any, appraiser: Any, lead: Any) -> None:
    stored = _tam_appraises(submitted, appraiser)
    line_appraise(line=stored, actor=lead, base_version=stored.version,
                  value={"numerator": "90", "denominator": "100"}, note="Sổ theo dõi cho thấy 90%.")
    sent = Notification.objects.get(kind=Notification.Kind.APPRAISAL_OVERWRITTEN)
    assert sent.recipient == appraiser
    assert "2.1.1" in sent.subject
    assert full_name(lead) in sent.body
    assert TAM_REASON in sent.body and "Sổ theo dõi cho thấy 90%." in sent.body


def test_changing_ones_own_value_notifies_nobody_and_adds_no_history(client: Any, submitted: Any,
                                                                     appraiser: Any) -> None:
    stored = _tam_appraises(submitted, appraiser)
    line_appraise(line=stored, actor=appraiser, base_version=stored.version,
                  value={"numerator": "90", "denominator": "100"}, note="Đếm lại: 90%.")
    assert not Notification.objects.filter(kind=Notification.Kind.APPRAISAL_OVERWRITTEN).exists()
    client.force_login(appraiser)
    body = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert "data-history-overwritten" not in body


def test_without_the_script_a_stale_save_names_who_stored_the_value(client: Any, submitted: Any, appraiser: Any,
                                                                    lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    seen_version = line.version
    _tam_appraises(submitted, appraiser)
    client.force_login(lead)
    page = client.post(reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
                       {f"a{line.pk}-numerator": "90", f"a{line.pk}-denominator": "100", "note": "Đủ 90%.",
                        "base_version": seen_version})
    assert page.status_code == 409
    box = page.content.decode().split('<div class="conflict-box" role="alert">')[1].split("</div>")[0]
    assert f"do {full_name(appraiser)} lưu lúc" in box
