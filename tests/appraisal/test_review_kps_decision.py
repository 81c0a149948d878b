"""A unit's «không phát sinh» (KPS) is a claim the appraisal team decides, like any other leaf: until an appraiser
accepts it or overrules it with a score, it waits («Chờ thẩm định»), it is not counted as appraised, and sign-off
is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from appraisal import selectors
from appraisal.services import (
    area_accept_self,
    assessment_reopen,
    assessment_sign_off,
    line_accept_self,
    line_appraise,
)
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import assessment_compute
from tests.appraisal.conftest import evidence_not_required, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
KPS = "1.2.2"  # the small set's one leaf a unit may declare «không phát sinh» (max 1.5)


def _accept_all_but_kps(assessment: Any, lead: Any) -> None:
    for line in assessment.lines.select_related("indicator").exclude(indicator__code=KPS):
        line_accept_self(line=line, actor=lead, base_version=line.version)


def _leaf_html(body: str, line: ScoreLine) -> str:
    return body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]


def _area_1(assessment: Any) -> Any:
    return assessment.indicator_set.indicators.get(code="1")


# --- shown as waiting, not counted ---------------------------------------------------------------------------


def test_an_undecided_kps_is_not_counted_as_appraised(kps_submitted: Any, lead: Any) -> None:
    # given nothing appraised yet
    data = selectors.review(assessment=kps_submitted, allowed=None)
    summary = selectors.review_summary(assessment_id=kps_submitted.pk)
    # then no leaf counts as done, and the KPS earns no appraised points while it waits
    assert data.done == 0 and summary.done == 0
    assert [(a.code, done) for a, done, _total in summary.areas] == [("1", 0), ("2", 0)]
    assert data.appraised_comp is not None and data.appraised_comp.area_totals["1"] == Decimal("0")
    assert summary.appraised_comp is not None and summary.appraised_comp.area_totals["1"] == Decimal("0")


def test_the_review_page_shows_an_undecided_kps_as_waiting(client: Client, kps_submitted: Any, lead: Any) -> None:
    line = line_of(kps_submitted, KPS)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[kps_submitted.pk])).content.decode()
    leaf = _leaf_html(body, line)
    assert "Chờ thẩm định" in leaf and "Đã thẩm định" not in leaf
    assert '<output data-appraised aria-live="polite">—</output>' in leaf
    area = _area_1(kps_submitted)
    assert f'data-area-progress="{area.pk}">0/5<' in body


def test_an_accepted_kps_is_counted_and_shows_the_points_it_is_credited(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    line = line_of(kps_submitted, KPS)
    client.force_login(lead)
    answer = client.post(reverse("appraisal:accept_line", args=[kps_submitted.pk, line.pk]),
                         {"base_version": line.version}, **JSON)
    assert answer.status_code == 200
    data = answer.json()
    assert data["line"]["done"] is True and data["line"]["display"] == "KPS (tính 1,50 điểm)"
    area = next(a for a in data["review"]["areas"] if a["id"] == _area_1(kps_submitted).pk)
    assert area["done"] == 1 and area["appraised"] == "1,50"  # full credit, as before
    assert line_of(kps_submitted, KPS).na_accepted
    body = client.get(reverse("appraisal:review", args=[kps_submitted.pk])).content.decode()
    leaf = _leaf_html(body, line)
    assert '<output data-appraised aria-live="polite">KPS (tính 1,50 điểm)</output>' in leaf
    assert "Đã thẩm định" in leaf and "Chờ thẩm định" not in leaf


def test_an_overruled_kps_is_decided_and_accepting_it_again_keeps_it_decided(kps_submitted: Any, lead: Any) -> None:
    line = line_of(kps_submitted, KPS)
    accepted = line_accept_self(line=line, actor=lead, base_version=line.version)
    assert accepted.na_accepted and accepted.version == line.version + 1  # a decision other tabs must see
    overruled = line_appraise(line=accepted, actor=lead, base_version=accepted.version,
                              value={"counts": {"a": 4, "b": 2, "c": 0}}, note="Có biên bản kiểm tra.")
    assert overruled.na_overruled and not overruled.na_accepted
    assert selectors.review_summary(assessment_id=kps_submitted.pk).done == 1
    restored = line_accept_self(line=overruled, actor=lead, base_version=overruled.version)
    assert restored.na_accepted and not restored.na_overruled and restored.appraised_score is None
    assert selectors.review_summary(assessment_id=kps_submitted.pk).done == 1


# --- sign-off ----------------------------------------------------------------------------------------------


def test_sign_off_is_refused_while_a_kps_is_undecided(kps_submitted: Any, lead: Any) -> None:
    # given every other leaf appraised, the KPS untouched
    _accept_all_but_kps(kps_submitted, lead)
    with pytest.raises(ValidationFailed) as caught:
        assessment_sign_off(assessment=kps_submitted, actor=lead)
    assert caught.value.code == "missing_appraisal"
    assert caught.value.details == [KPS]
    assert caught.value.details[0].line_id == line_of(kps_submitted, KPS).pk
    assert caught.value.details[0].kind == "not_applicable_undecided"
    assert "Còn 1 tiêu chí chưa được thẩm định" in str(caught.value.message)
    assert "«không phát sinh»" in str(caught.value.message)
    assert refresh(kps_submitted).state == Assessment.State.IN_APPRAISAL


def test_sign_off_after_the_kps_is_accepted_grants_it_full_credit(kps_submitted: Any, lead: Any) -> None:
    _accept_all_but_kps(kps_submitted, lead)
    line = line_of(kps_submitted, KPS)
    line_accept_self(line=line, actor=lead, base_version=line.version)
    signed = assessment_sign_off(assessment=kps_submitted, actor=lead)
    assert signed.state == Assessment.State.SIGNED_OFF
    # the same arithmetic as before: the accepted KPS earns its maximum (points mode)
    comp = assessment_compute(assessment=signed, basis="appraised")
    self_comp = assessment_compute(assessment=signed, basis="self")
    assert comp.area_totals["1"] == self_comp.area_totals["1"]


def test_the_sign_off_page_names_the_count_and_lands_on_the_first_undecided_leaf(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    _accept_all_but_kps(kps_submitted, lead)
    line = line_of(kps_submitted, KPS)
    client.force_login(lead)
    response = client.post(reverse("appraisal:sign_off", args=[kps_submitted.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#line-{line.pk}")
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Còn 1 tiêu chí chưa được thẩm định" in t and KPS in t for t in texts)
    assert refresh(kps_submitted).state == Assessment.State.IN_APPRAISAL


def test_the_review_page_links_the_sign_off_hint_to_the_first_undecided_leaf(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    _accept_all_but_kps(kps_submitted, lead)
    line = line_of(kps_submitted, KPS)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[kps_submitted.pk])).content.decode()
    hint = body.split('id="signoff-hint"')[1].split("</a>")[0]
    assert "8/9" in hint and f'href="#line-{line.pk}"' in hint


# --- accepting a whole area --------------------------------------------------------------------------------


def test_accepting_an_area_accepts_its_undecided_kps_with_its_own_audit_entry(kps_submitted: Any, lead: Any) -> None:
    evidence_not_required(kps_submitted)
    line = line_of(kps_submitted, KPS)
    counts = area_accept_self(assessment=kps_submitted, area=_area_1(kps_submitted), actor=lead)
    assert {k: counts[k] for k in ("accepted", "skipped", "not_applicable")} == {
        "accepted": 5, "skipped": 0, "not_applicable": 1}
    assert line_of(kps_submitted, KPS).na_accepted
    entries = AuditEntry.objects.filter(action="score_line.accept_not_applicable", object_id=str(line.pk))
    assert entries.count() == 1 and entries.get().actor == lead
    # a second run finds nothing left to accept and records nothing more
    again = area_accept_self(assessment=kps_submitted, area=_area_1(kps_submitted), actor=lead)
    assert again == {"accepted": 0, "skipped": 0, "not_applicable": 0, "evidence_missing": [],
                     "awaiting_explanation": [], "evidence_noted": [], "accepted_ids": [], "started": False}
    assert entries.count() == 1


def test_accepting_an_area_from_the_page_says_how_many_kps_it_accepted(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    evidence_not_required(kps_submitted)
    client.force_login(lead)
    area = _area_1(kps_submitted)
    page = client.get(reverse("appraisal:review", args=[kps_submitted.pk])).content.decode()
    assert "Chấp nhận điểm tự chấm cho 5 tiêu chí chưa thẩm định" in page  # the KPS is among them
    response = client.post(reverse("appraisal:accept_area", args=[kps_submitted.pk, area.pk]))
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("đã chấp nhận 5 tiêu chí" in t and "1 tiêu chí «không phát sinh»" in t for t in texts)


def test_the_api_accepts_an_areas_kps_too(client: Client, kps_submitted: Any, lead: Any) -> None:
    evidence_not_required(kps_submitted)
    client.force_login(lead)
    area = _area_1(kps_submitted)
    response = client.post(reverse("api:accept_area", args=[kps_submitted.pk, area.pk]))
    assert response.status_code == 200
    assert response.json() == {"accepted": 5, "skipped": 0, "not_applicable": 1, "evidence_missing": [],
                               "awaiting_explanation": [], "evidence_noted": []}


# --- data signed off under the old rule ---------------------------------------------------------------------


def test_a_kps_signed_off_before_the_rule_is_shown_as_decided_until_reopened(
    kps_submitted: Any, lead: Any, admin_user: Any
) -> None:
    # given an assessment signed off while a KPS needed no decision (no acceptance recorded)
    _accept_all_but_kps(kps_submitted, lead)
    Assessment.objects.filter(pk=kps_submitted.pk).update(state=Assessment.State.SIGNED_OFF)
    signed = refresh(kps_submitted)
    assert not line_of(signed, KPS).na_accepted
    # then its page counts every leaf as done, as signed off
    assert selectors.review(assessment=signed, allowed=None, writable=False).done == 9
    # when it is reopened, the KPS waits for the team like any other undecided leaf
    reopened = assessment_reopen(assessment=signed, actor=admin_user, reason="Kiểm tra lại")
    assert selectors.review(assessment=reopened, allowed=None).done == 8
    with pytest.raises(ValidationFailed) as caught:
        assessment_sign_off(assessment=reopened, actor=lead)
    assert caught.value.details == [KPS]


# --- a stale save's conflict message ------------------------------------------------------------------------


def test_a_stale_save_names_no_other_person(client: Client, kps_submitted: Any, lead: Any) -> None:
    line = line_of(kps_submitted, "1.1.1")
    line_accept_self(line=line, actor=lead, base_version=line.version)  # the same user, in another tab
    client.force_login(lead)
    url = reverse("appraisal:appraise_line", args=[kps_submitted.pk, line.pk])
    page = client.post(url, {"base_version": line.version, f"a{line.pk}-option": "late", "note": "Trễ hạn."})
    assert page.status_code == 409
    body = page.content.decode()
    assert "vừa được thẩm định ở nơi khác" in body and "người khác hoặc một thẻ khác của anh/chị" in body
    assert "vừa được người khác thẩm định" not in body


def test_the_queue_counts_a_kps_as_done_only_once_the_team_accepted_it(kps_submitted: Any, lead: Any) -> None:
    from appraisal.selectors.queue import queue_for_user

    def area_1_done() -> int:
        (row,) = [r for r in queue_for_user(user=lead, cycle=kps_submitted.cycle).rows
                  if r.assessment.pk == kps_submitted.pk]
        return next(p.done for p in row.areas if p.area.code == "1")

    assert area_1_done() == 0  # the unit's claim waits
    line = line_of(kps_submitted, KPS)
    line_accept_self(line=line, actor=lead, base_version=line.version)
    assert area_1_done() == 1
