"""A stale write's 409 names who made the stored version (`current_by`), as the review page's conflict box does:
the person, when, by which write, and whether it was the caller's own other tab or script. The team's writes stay
unnamed to a unit's people while the appraisal is hidden from them."""

from __future__ import annotations

from typing import Any

import pytest

from appraisal.selectors.changes import last_line_write
from appraisal.services import line_accept_self
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db


def _put(api: Any, assessment: Any, line: Any, version: int, value: Any) -> Any:
    return api.put(f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/", {"version": version, "value": value},
                   format="json")


def test_a_stale_self_score_names_the_colleague_who_saved(api: Any, assessment: Any, unit_editor: Any,
                                                          unit_head: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    assert _put(api, assessment, line, line.version, {"value": True}).status_code == 200
    api.force_login(unit_head)
    response = _put(api, assessment, line, line.version, {"value": False})
    assert response.status_code == 409
    by = response.json()["current_by"]
    assert by["username"] == unit_editor.username
    assert by["name"] == (unit_editor.get_full_name() or unit_editor.username)
    assert by["action"] == "score_line.self"
    assert by["action_label"] == "Tự chấm điểm"
    assert by["yours"] is False
    assert by["at"]


def test_a_stale_self_score_after_ones_own_save_says_it_was_yours(api: Any, assessment: Any,
                                                                  unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    assert _put(api, assessment, line, line.version, {"value": True}).status_code == 200
    response = _put(api, assessment, line, line.version, {"value": False})
    assert response.status_code == 409
    assert response.json()["current_by"]["yours"] is True


def test_a_line_nobody_wrote_names_nobody(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = _put(api, assessment, line, line.version + 3, {"value": True})
    assert response.status_code == 409
    assert response.json()["current_by"] is None


def test_a_stale_accept_names_the_appraiser_who_decided(api: Any, submitted: Any, appraiser: Any,
                                                         lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=appraiser, base_version=line.version)
    api.force_login(lead)
    response = api.post(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/accept/", {"version": line.version},
                        format="json")
    assert response.status_code == 409
    by = response.json()["current_by"]
    assert (by["username"], by["action"], by["yours"]) == (appraiser.username, "score_line.appraise", False)


def test_the_teams_writes_are_left_out_for_a_reader_the_appraisal_is_hidden_from(submitted: Any, appraiser: Any,
                                                                                 unit_editor: Any) -> None:
    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=appraiser, base_version=line.version)
    assert last_line_write(line=line, appraisal_hidden=False).actor == appraiser
    hidden = last_line_write(line=line, appraisal_hidden=True)
    assert hidden.action == "score_line.self"
    assert hidden.actor == unit_editor
