"""The request-explanation and reopen forms, refused: the page lands on a focused summary (the publish form's
pattern) linking to what to fix, and the field or group at fault is marked invalid and described by the message.
The request's list of a hundred leaves has a short legend, its explanation a description read once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound
from appraisal.services import assessment_sign_off
from scoring.models import Assessment
from tests.appraisal.conftest import later, refresh

pytestmark = pytest.mark.django_db


def _tag(body: str, pattern: str) -> str:
    found = re.search(pattern, body, re.S)
    assert found is not None, pattern
    return found.group(0)


def test_a_request_with_no_leaf_chosen_lands_on_a_summary_linking_to_the_marked_list(
    client: Client, submitted: Any, lead: Any
) -> None:
    client.force_login(lead)
    refused = client.post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                          {"deadline": later().date().isoformat(), "message": "Bổ sung.", "confirm_undecided": "1"})
    assert refused.status_code == 400
    body = refused.content.decode()
    summary = _tag(body, r'<div class="error-summary"[^>]*>.*?</div>')
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert "Hãy chọn ít nhất một tiêu chí cần giải trình." in summary
    assert '<a href="#flag-lines" data-error-link>Đến danh sách tiêu chí</a>' in summary
    group = _tag(body, r'<fieldset class="flag-lines"[^>]*>')
    assert 'id="flag-lines"' in group and 'tabindex="-1"' in group and 'aria-invalid="true"' in group
    assert re.search(r'aria-describedby="flag-lines-hint[^"]* request-error"', group)
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.exists()


def test_the_list_of_leaves_has_a_short_legend_and_its_explanation_as_a_description(
    client: Client, submitted: Any, lead: Any
) -> None:
    client.force_login(lead)
    body = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    group = _tag(body, r'<fieldset class="flag-lines"[^>]*>')
    assert 'aria-describedby="flag-lines-hint"' in group and "aria-invalid" not in group
    assert "<legend>Các tiêu chí cần giải trình</legend>" in body
    hint = _tag(body, r'<p class="meta" id="flag-lines-hint">.*?</p>')
    assert "Chọn sẵn: các tiêu chí có điểm thẩm định thấp hơn điểm tự chấm" in hint
    assert "Hoặc chọn" not in body


def test_a_refused_deadline_links_to_its_field(client: Client, submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    refused = client.post(reverse("appraisal:request_explanation", args=[submitted.pk]),
                          {"deadline": "2001-01-01", "message": "Bổ sung.", "all": "1", "confirm_undecided": "1"})
    assert refused.status_code == 400
    summary = _tag(refused.content.decode(), r'<div class="error-summary"[^>]*>.*?</div>')
    assert 'href="#deadline"' in summary


def test_a_reopen_without_a_reason_lands_on_a_summary_linking_to_the_marked_reason(
    client: Client, appraised: Any, lead: Any, admin_user: Any
) -> None:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    client.force_login(admin_user)
    refused = client.post(reverse("appraisal:reopen", args=[signed.pk]), {"reason": "  "})
    assert refused.status_code == 400
    body = refused.content.decode()
    summary = _tag(body, r'<div class="banner-error error-summary"[^>]*>.*?</div>')
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert '<a href="#id_reason">Lý do mở lại: Hãy nêu lý do mở lại bản đánh giá.</a>' in summary
    field = _tag(body, r'<textarea[^>]*id="id_reason"[^>]*>')
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_reason_error"' in field
    assert '<p class="error" id="id_reason_error">Hãy nêu lý do mở lại bản đánh giá.</p>' in body
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


def test_a_reopen_page_not_yet_sent_has_no_summary(client: Client, appraised: Any, lead: Any, admin_user: Any) -> None:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    client.force_login(admin_user)
    body = client.get(reverse("appraisal:reopen", args=[signed.pk])).content.decode()
    assert "error-summary" not in body and "aria-invalid" not in body
