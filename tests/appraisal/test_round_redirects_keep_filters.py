"""The lead's and the administrator's decisions (sign-off, the explanation round's request, close, withdrawal and
deadline, reopen) return to the review page filtered as it was — the area shown and the queue's filters (`tu`) —
as the per-leaf and per-area actions do. A refused sign-off lands on the first leaf still undecided: on the page
as filtered when that leaf is in the area shown, else without the area filter (the leaf would be hidden), the
queue's filters kept."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.services import assessment_sign_off, explanation_request, line_accept_self
from scoring.models import Assessment
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
TU = "trang-thai=in_appraisal&linh-vuc=2"


def _review(assessment: Any, **params: str) -> str:
    url = reverse("appraisal:review", args=[assessment.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _filtered(assessment: Any) -> str:
    """The review page filtered to area 2, opened from a filtered queue."""
    return _review(assessment, **{"linh-vuc": "2", "tu": TU})


def _hidden_next(body: str, action: str) -> str:
    """The ``next`` the form posting to `action` carries (escaped as the page writes it)."""
    form = body.split(f'action="{action}"')[1].split("</form>")[0]
    return form.split('name="next" value="')[1].split('"')[0]


def _accept_area(assessment: Any, lead: Any, code: str) -> None:
    for line in assessment.lines.select_related("indicator").filter(indicator__code__startswith=f"{code}."):
        line_accept_self(line=line, actor=lead, base_version=line.version)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def in_appraisal(submitted: Any, lead: Any) -> Any:
    """Area 2 accepted, area 1 not yet (first undecided leaf: 1.1.1)."""
    _accept_area(submitted, lead, "2")
    return refresh(submitted)


# --- sign-off ----------------------------------------------------------------------------------------------------


def test_the_sign_off_form_posts_the_filtered_page_and_a_sign_off_returns_to_it(
    client: Client, appraised: Any, lead: Any
) -> None:
    client.force_login(lead)
    page = _filtered(appraised)
    body = client.get(page).content.decode()
    assert _hidden_next(body, reverse("appraisal:sign_off", args=[appraised.pk])) == escape(page)
    response = client.post(reverse("appraisal:sign_off", args=[appraised.pk]), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert refresh(appraised).state == Assessment.State.SIGNED_OFF


def test_a_refused_sign_off_lands_on_the_first_undecided_leaf_of_the_area_shown_keeping_the_filters(
    client: Client, submitted: Any, lead: Any
) -> None:
    # given area 1 accepted, area 2 undecided, the page filtered to area 2
    _accept_area(submitted, lead, "1")
    client.force_login(lead)
    page = _filtered(submitted)
    # when the lead signs off
    response = client.post(reverse("appraisal:sign_off", args=[submitted.pk]), {"next": page})
    # then refused, on the first undecided leaf (2.1.1), the page filtered as it was
    assert response.status_code == 302
    assert response["Location"] == f"{page}#line-{line_of(submitted, '2.1.1').pk}"
    assert any("Còn 4 tiêu chí chưa có điểm thẩm định." in m for m in _messages(response))
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


def test_a_refused_sign_off_whose_first_undecided_leaf_is_in_another_area_drops_only_the_area_filter(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    client.force_login(lead)
    response = client.post(reverse("appraisal:sign_off", args=[in_appraisal.pk]), {"next": _filtered(in_appraisal)})
    assert response.status_code == 302
    assert response["Location"] == f"{_review(in_appraisal, tu=TU)}#line-{line_of(in_appraisal, '1.1.1').pk}"
    # the page it lands on shows that leaf
    landed = client.get(response["Location"].split("#")[0]).content.decode()
    assert f'id="line-{line_of(in_appraisal, "1.1.1").pk}"' in landed


def test_a_refused_sign_off_from_an_unfiltered_page_lands_on_the_first_undecided_leaf(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    client.force_login(lead)
    first = line_of(in_appraisal, "1.1.1").pk
    for posted in ({"next": _review(in_appraisal)}, {}):
        response = client.post(reverse("appraisal:sign_off", args=[in_appraisal.pk]), posted)
        assert response["Location"] == f"{_review(in_appraisal)}#line-{first}"
    queue_only = _review(in_appraisal, tu=TU)
    response = client.post(reverse("appraisal:sign_off", args=[in_appraisal.pk]), {"next": queue_only})
    assert response["Location"] == f"{queue_only}#line-{first}"


def test_a_sign_off_refused_for_its_state_returns_to_the_page_as_filtered(
    client: Client, appraised: Any, lead: Any
) -> None:
    assessment_sign_off(assessment=appraised, actor=lead)
    client.force_login(lead)
    page = _filtered(appraised)
    response = client.post(reverse("appraisal:sign_off", args=[appraised.pk]), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "Bản đánh giá đã được thông qua." in _messages(response)


@pytest.mark.parametrize("elsewhere", ["https://example.com/tham-dinh/?linh-vuc=2", "/tham-dinh/?linh-vuc=2"])
def test_a_sign_off_ignores_a_next_that_is_not_this_review_page(
    client: Client, in_appraisal: Any, lead: Any, elsewhere: str
) -> None:
    client.force_login(lead)
    refused = client.post(reverse("appraisal:sign_off", args=[in_appraisal.pk]), {"next": elsewhere})
    assert refused["Location"] == f"{_review(in_appraisal)}#line-{line_of(in_appraisal, '1.1.1').pk}"


# --- the explanation round ---------------------------------------------------------------------------------------


def test_the_request_link_carries_the_filters_and_the_request_returns_to_the_filtered_page(
    client: Client, appraised: Any, lead: Any
) -> None:
    client.force_login(lead)
    page = _filtered(appraised)
    query = page.split("?")[1]
    request_url = reverse("appraisal:request_explanation", args=[appraised.pk])
    # the review page links to the request page with its filters
    assert f'href="{escape(f"{request_url}?{query}")}"' in client.get(page).content.decode()
    # the request page's form posts them back, and its back link keeps them
    body = client.get(f"{request_url}?{query}").content.decode()
    form = body.split('class="form explanation-request"')[1].split("</form>")[0]
    assert f'name="next" value="{escape(page)}"' in form
    assert f'<a href="{escape(page)}">' in body
    # a refused request keeps them on the form shown again
    refused = client.post(request_url, {"deadline": "", "lines": [line_of(appraised, "2.1.1").pk], "next": page})
    assert refused.status_code == 400 and f'name="next" value="{escape(page)}"' in refused.content.decode()
    # the request returns to the filtered page (2.1.1 was accepted without a reason: the request says what to explain)
    response = client.post(request_url, {"deadline": later().date().isoformat(), "message": "Đề nghị bổ sung.",
                                         "lines": [line_of(appraised, "2.1.1").pk], "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert refresh(appraised).state == Assessment.State.EXPLANATION


@pytest.fixture
def explaining(appraised: Any, lead: Any) -> Any:
    """Returned for an explanation of leaf 2.1.1, the round open."""
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line_of(appraised, "2.1.1").pk])
    return refresh(appraised)


def test_the_round_page_carries_the_filters_to_each_of_its_forms(client: Client, explaining: Any, lead: Any) -> None:
    client.force_login(lead)
    page = _filtered(explaining)
    query = page.split("?")[1]
    request_url = reverse("appraisal:request_explanation", args=[explaining.pk])
    review_body = client.get(page).content.decode()
    assert f'href="{escape(f"{request_url}?{query}")}" data-round-actions' in review_body
    body = client.get(f"{request_url}?{query}").content.decode()
    for name in ("change_explanation_deadline", "withdraw_explanation"):
        assert _hidden_next(body, reverse(f"appraisal:{name}", args=[explaining.pk])) == escape(page)
    Assessment.objects.filter(pk=explaining.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    body = client.get(f"{request_url}?{query}").content.decode()
    assert _hidden_next(body, reverse("appraisal:close_explanation", args=[explaining.pk])) == escape(page)
    # and the review page's own close button posts the page as filtered
    review_body = client.get(page).content.decode()
    assert _hidden_next(review_body, reverse("appraisal:close_explanation", args=[explaining.pk])) == escape(page)


def test_withdrawing_the_round_returns_to_the_filtered_page(client: Client, explaining: Any, lead: Any) -> None:
    client.force_login(lead)
    page = _filtered(explaining)
    url = reverse("appraisal:withdraw_explanation", args=[explaining.pk])
    refused = client.post(url, {"reason": "", "next": page})
    assert refused.status_code == 400 and f'name="next" value="{escape(page)}"' in refused.content.decode()
    response = client.post(url, {"reason": "Yêu cầu nhầm.", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert refresh(explaining).state == Assessment.State.IN_APPRAISAL
    again = client.post(url, {"reason": "Yêu cầu nhầm.", "next": page})  # no round open any more: said there
    assert again.status_code == 302 and again["Location"] == page


def test_moving_the_deadline_returns_to_the_filtered_page(client: Client, explaining: Any, lead: Any) -> None:
    client.force_login(lead)
    page = _filtered(explaining)
    url = reverse("appraisal:change_explanation_deadline", args=[explaining.pk])
    refused = client.post(url, {"deadline": "", "reason": "Cần thêm thời gian.", "next": page})
    assert refused.status_code == 400 and f'name="next" value="{escape(page)}"' in refused.content.decode()
    response = client.post(url, {"deadline": later(3).date().isoformat(), "reason": "Cần thêm thời gian.",
                                 "next": page})
    assert response.status_code == 302 and response["Location"] == page


def test_closing_an_overdue_round_returns_to_the_filtered_page(client: Client, explaining: Any, lead: Any) -> None:
    client.force_login(lead)
    page = _filtered(explaining)
    url = reverse("appraisal:close_explanation", args=[explaining.pk])
    refused = client.post(url, {"next": page})  # not overdue yet: said on the page as filtered
    assert refused.status_code == 302 and refused["Location"] == page
    assert refresh(explaining).state == Assessment.State.EXPLANATION
    Assessment.objects.filter(pk=explaining.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    response = client.post(url, {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert refresh(explaining).state == Assessment.State.IN_APPRAISAL


# --- reopen --------------------------------------------------------------------------------------------------------


def test_the_reopen_link_carries_the_filters_and_a_reopen_returns_to_the_filtered_page(
    client: Client, appraised: Any, lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    client.force_login(admin_user)
    page = _filtered(appraised)
    query = page.split("?")[1]
    url = reverse("appraisal:reopen", args=[appraised.pk])
    assert f'href="{escape(f"{url}?{query}")}"' in client.get(page).content.decode()
    body = client.get(f"{url}?{query}").content.decode()
    assert f'name="next" value="{escape(page)}"' in body and f'<a href="{escape(page)}">' in body
    refused = client.post(url, {"reason": "", "next": page})
    assert refused.status_code == 400 and f'name="next" value="{escape(page)}"' in refused.content.decode()
    response = client.post(url, {"reason": "Phúc tra theo đơn khiếu nại.", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_a_reopen_ignores_a_next_that_is_not_this_review_page(
    client: Client, appraised: Any, lead: Any, admin_user: Any
) -> None:
    assessment_sign_off(assessment=appraised, actor=lead)
    client.force_login(admin_user)
    response = client.post(reverse("appraisal:reopen", args=[appraised.pk]),
                           {"reason": "Phúc tra.", "next": "https://example.com/?linh-vuc=2"})
    assert response["Location"] == _review(appraised)
