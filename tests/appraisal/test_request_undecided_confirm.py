"""The request page says how many leaves the team has not decided yet (and in which areas) and asks the lead to
confirm returning the assessment for explanation all the same."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound
from appraisal.services import explanation_request, line_accept_self
from scoring.errors import ValidationFailed
from scoring.models import Assessment
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
MESSAGE = "Đề nghị bổ sung tài liệu."


def _url(assessment: Any) -> str:
    return reverse("appraisal:request_explanation", args=[assessment.pk])


def _post(client: Client, assessment: Any, **extra: str) -> Any:
    return client.post(_url(assessment), {"deadline": later().date().isoformat(), "message": MESSAGE,
                                          "lines": [str(line_of(assessment, "2.1.1").pk)], **extra})


def _accept(assessment: Any, actor: Any, codes: list[str]) -> None:
    for code in codes:
        line = line_of(assessment, code)
        line_accept_self(line=line, actor=actor, base_version=line.version)


def test_the_request_page_counts_the_undecided_leaves_per_area_and_asks_to_confirm(
    client: Client, submitted: Any, lead: Any
) -> None:
    # given area 2 wholly decided, area 1 with 1 of its 5 leaves decided
    _accept(submitted, lead, ["1.1.1", "2.1.1", "2.1.2", "2.2.1", "2.3.1"])
    client.force_login(lead)
    body = client.get(_url(submitted)).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))
    assert "Còn 4 trong 9 tiêu chí Tổ thẩm định chưa thẩm định" in text
    # the areas with undecided leaves are named with their count; a decided area is not
    assert "1. Công tác chỉ đạo, điều hành CCHC: 4/5 tiêu chí" in text
    assert "Hiện đại hóa hành chính:" not in text
    assert re.search(r'<input[^>]*name="confirm_undecided"[^>]*required', body)


def test_a_request_not_confirmed_while_leaves_are_undecided_is_refused_and_changes_nothing(
    client: Client, submitted: Any, lead: Any
) -> None:
    client.force_login(lead)
    refused = _post(client, submitted)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "9 tiêu chí" in body and "xác nhận" in body
    # what was typed is kept
    assert MESSAGE in body and "checked" in body.split(f'id="flag-{line_of(submitted, "2.1.1").pk}"')[1].split(">")[0]
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.exists()
    # confirmed, it goes
    assert _post(client, submitted, confirm_undecided="1").status_code == 302
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_nothing_to_confirm_once_every_leaf_is_decided(client: Client, appraised: Any, lead: Any) -> None:
    client.force_login(lead)
    body = client.get(_url(appraised)).content.decode()
    assert 'name="confirm_undecided"' not in body and "Tổ thẩm định chưa thẩm định" not in body
    assert _post(client, appraised).status_code == 302
    assert refresh(appraised).state == Assessment.State.EXPLANATION


def test_the_service_refuses_undecided_leaves_unless_they_are_accepted(submitted: Any, lead: Any) -> None:
    _accept(submitted, lead, ["2.1.1", "2.1.2", "2.2.1", "2.3.1"])
    ids = [line_of(submitted, "2.1.1").pk]
    with pytest.raises(ValidationFailed) as caught:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids, message=MESSAGE,
                            undecided_ok=False)
    assert caught.value.code == "undecided_not_confirmed"
    assert str(caught.value.message) == ("Còn 5 trong 9 tiêu chí Tổ thẩm định chưa thẩm định (1. Công tác chỉ đạo, "
                                         "điều hành CCHC: 5/5 tiêu chí): hãy xác nhận vẫn trả đơn vị giải trình.")
    assert caught.value.details == {"field": "confirm_undecided"}
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL  # started by the accepts, nothing more
    assert not ExplanationRound.objects.exists()
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids, message=MESSAGE,
                        undecided_ok=True)
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_the_refusal_is_said_at_the_top_of_the_form_with_a_link_to_the_confirmation(
    client: Client, submitted: Any, lead: Any
) -> None:
    # the browser's own «required» bubble is not all: a post without the box ticked is refused by the server, in
    # the page's language, at the top of the form, with a link down to the box; nothing saved
    client.force_login(lead)
    refused = _post(client, submitted)
    assert refused.status_code == 400
    body = refused.content.decode()
    error = re.search(r'<p class="error" id="request-error" role="alert">(.*?)</p>', body, re.S)
    assert error is not None
    assert "hãy xác nhận vẫn trả đơn vị giải trình" in error.group(1)
    assert 'href="#confirm-undecided"' in error.group(1)
    assert body.index('id="request-error"') < body.index('<form method="post" class="form explanation-request">')
    box = re.search(r'<input type="checkbox" id="confirm-undecided"[^>]*>', body)
    assert box is not None and " required" in box.group(0) and 'aria-invalid="true"' in box.group(0)
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.exists()
