"""`GET /api/v1/assessments/{id}/feedback/`: the team's appraisal of each leaf as the unit's explanation page shows
it («Thẩm định vòng 1: 0,00 — Kiểm tra lại hồ sơ», the team's question on a leaf, the unit's agreement), to the unit's
people (and administrators) only, once a round has ended; 404 to anyone else, as the page."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from appraisal.services import explanation_request, line_appraise
from appraisal.services.rounds import line_agree
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.conftest import _user

pytestmark = pytest.mark.django_db
REASON = "Kiểm tra lại hồ sơ"
QUESTION = "Đơn vị gửi văn bản chỉ đạo nào?"


@pytest.fixture
def explaining(submitted: Any, lead: Any, unit_editor: Any) -> Any:
    """Every leaf decided, 2.1.1 scored 0 with a reason; 2.1.1 and 2.1.2 returned, 2.1.2 with a question; the unit
    agreed with 2.1.2."""
    appraise_all(submitted, lead)
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 0, "denominator": 100},
                  note=REASON)
    asked = line_of(submitted, "2.1.2")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk, asked.pk],
                        questions={asked.pk: QUESTION})
    asked = line_of(submitted, "2.1.2")
    line_agree(line=asked, actor=unit_editor, base_version=asked.version)
    return refresh(submitted)


def _url(assessment: Any) -> str:
    return f"/api/v1/assessments/{assessment.pk}/feedback/"


def test_the_unit_reads_the_feedback_its_page_shows(api: Any, client: Any, explaining: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get(_url(explaining))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "explanation" and body["open_round"]["number"] == 1
    lines = {row["indicator"]: row for row in body["lines"]}
    first = lines["2.1.1"]
    assert first["appraisal"]["label"] == "Thẩm định vòng 1"
    assert first["appraisal"]["shown"] == "0,00" and first["appraisal"]["note"] == REASON
    assert first["explanation_requested"] and not first["agreed"] and first["can_agree"]
    second = lines["2.1.2"]
    assert second["question"] == QUESTION and second["agreed"]
    assert lines["1.1.1"]["question"] == "" and not lines["1.1.1"]["explanation_requested"]
    # the page says the same
    client.force_login(unit_editor)
    page = unescape(client.get(reverse("appraisal:explain", args=[explaining.pk]) + "?tat-ca=1").content.decode())
    assert f"Thẩm định vòng 1</dt><dd>0,00 — <span class=\"user-text\" lang=\"vi\">{REASON}</span>" in page
    assert QUESTION in page


def test_people_outside_the_unit_get_a_404(api: Any, explaining: Any, appraiser: Any) -> None:
    other = _user("mai", "unit_editor", "so-tai-chinh")
    for user in (other, appraiser):
        api.force_login(user)
        response = api.get(_url(explaining))
        assert response.status_code == 404, (user, response.content)


def test_before_any_round_has_ended_the_unit_gets_a_404(api: Any, submitted: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    assert api.get(_url(submitted)).status_code == 404
