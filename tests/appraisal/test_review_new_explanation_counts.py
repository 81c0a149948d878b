"""The review page's «giải trình mới» counts follow its in-place actions: the JSON answer of a per-leaf save (an
appraisal, an acceptance), of a stale save (the leaf saved elsewhere) and of a «Đã xem» (a leaf, an area, the
whole assessment) carries them as the server now counts them for the user — the lines still tagged, the user's
count for the assessment and per area, in the page's words — for the page's script to show (the browser test is
tests/browser/test_appraisal_new_explanation_counts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
EXPLAINED = ("1.2.3", "2.1.1", "2.1.2")  # area 1: 1.2.3 (the lead's only); area 2: 2.1.1, 2.1.2 (the appraiser's too)


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, code).pk for code in EXPLAINED])
    for code in EXPLAINED:
        line = line_of(submitted, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=f"Giải trình {code}.")
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    return refresh(submitted)


def _area(assessment: Any, code: str) -> Any:
    return assessment.indicator_set.indicators.get(code=code, parent__isnull=True)


def _lines(assessment: Any, *codes: str) -> list[int]:
    return [line_of(assessment, code).pk for code in codes]


def _counts(found: dict[str, Any]) -> dict[str, Any]:
    """The answer's counts by area code, as a reader checks them."""
    return {"lines": found["lines"], "total": found["total"],
            "areas": {area["id"]: area["count"] for area in found["areas"]}}


def test_a_per_leaf_acceptance_answers_the_counts_left(client: Client, round_two: Any, lead: Any) -> None:
    line = line_of(round_two, "2.1.1")
    client.force_login(lead)
    response = client.post(reverse("appraisal:accept_line", args=[round_two.pk, line.pk]),
                           {"base_version": line.version}, **JSON)
    assert response.status_code == 200
    found = response.json()["new_explanations"]
    assert _counts(found) == {"lines": _lines(round_two, "1.2.3", "2.1.2"), "total": 2,
                              "areas": {_area(round_two, "1").pk: 1, _area(round_two, "2").pk: 1}}
    # in the page's words (the template's plural entries)
    assert found["note"] == "2 tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»)."
    assert found["button"] == "Đánh dấu đã xem 2 giải trình mới"
    assert [a["button"] for a in found["areas"]] == ["Đã xem 1 giải trình mới của lĩnh vực này"] * 2
    # the page loaded now says the same
    body = client.get(reverse("appraisal:review", args=[round_two.pk])).content.decode()
    assert found["note"] in body and found["button"] in body


def test_an_appraisal_saved_answers_the_counts_and_an_appraiser_counts_only_her_leaves(
    client: Client, round_two: Any, appraiser: Any
) -> None:
    line = line_of(round_two, "2.1.1")
    client.force_login(appraiser)
    response = client.post(reverse("appraisal:appraise_line", args=[round_two.pk, line.pk]),
                           {"base_version": line.version, f"a{line.pk}-numerator": "50",
                            f"a{line.pk}-denominator": "100", "note": "Mới đạt một nửa."}, **JSON)
    assert response.status_code == 200, response.content
    found = response.json()["new_explanations"]
    # 1.2.3 is still tagged on her page, but it is not hers to mark: her counts are area 2's
    assert _counts(found) == {"lines": _lines(round_two, "1.2.3", "2.1.2"), "total": 1,
                              "areas": {_area(round_two, "2").pk: 1}}


def test_a_stale_save_answers_the_counts_too(client: Client, round_two: Any, lead: Any, appraiser: Any) -> None:
    from appraisal.services import line_accept_self

    line = line_of(round_two, "2.1.1")
    line_accept_self(line=line, actor=appraiser, base_version=line.version)  # saved elsewhere meanwhile
    client.force_login(lead)
    response = client.post(reverse("appraisal:accept_line", args=[round_two.pk, line.pk]),
                           {"base_version": line.version}, **JSON)
    assert response.status_code == 409
    assert _counts(response.json()["new_explanations"])["lines"] == _lines(round_two, "1.2.3", "2.1.2")


def test_marking_seen_answers_the_counts_left_down_to_none(client: Client, round_two: Any, lead: Any) -> None:
    client.force_login(lead)
    line = line_of(round_two, "2.1.1")
    response = client.post(reverse("appraisal:explanation_seen_line", args=[round_two.pk, line.pk]), **JSON)
    assert response.json()["marked"] == ["2.1.1"]
    assert _counts(response.json()["new_explanations"])["total"] == 2
    response = client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]),
                           {"linh-vuc": _area(round_two, "2").pk}, **JSON)
    assert response.json()["marked"] == ["2.1.2"]
    assert _counts(response.json()["new_explanations"]) == {
        "lines": _lines(round_two, "1.2.3"), "total": 1, "areas": {_area(round_two, "1").pk: 1}}
    response = client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]), **JSON)
    found = response.json()["new_explanations"]
    assert _counts(found) == {"lines": [], "total": 0, "areas": {}}
