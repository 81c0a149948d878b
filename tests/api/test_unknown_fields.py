"""Every request body of the API refuses keys it does not take: a misspelt field (`not_aplicable`) is a 400
`invalid` naming it, never a write that goes through without it. Inside a score `value`, the keys the leaf's method
does not take are refused the same way."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.models import AuditEntry, Publication
from tests.appraisal.conftest import line_of, self_score, submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _line_url(assessment: Any, line: Any, tail: str = "") -> str:
    return f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/{tail}"


def test_a_misspelt_field_of_a_self_score_is_refused_and_nothing_is_saved(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    # given
    line = line_of(assessment, "1.2.3")
    audits = AuditEntry.objects.count()
    api.force_login(unit_editor)
    # when
    response = api.put(
        _line_url(assessment, line),
        {"version": line.version, "value": {"points": "0.5"}, "foo": 1, "not_aplicable": True}, format="json",
    )
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {
        "foo": ["Trường «foo» không được hỗ trợ."],
        "not_aplicable": ["Trường «not_aplicable» không được hỗ trợ."],
    }
    line.refresh_from_db()
    assert (line.self_score, line.version) == (None, 1)
    assert AuditEntry.objects.count() == audits


def test_unknown_fields_are_named_together_with_the_other_field_errors(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(assessment, "1.2.3")
    api.force_login(unit_editor)
    response = api.put(_line_url(assessment, line), {"version": "x", "foo": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"version", "foo"}


def test_a_key_of_the_value_the_leafs_method_does_not_take_is_refused(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(assessment, "1.2.3")  # manual: {"points"}
    api.force_login(unit_editor)
    response = api.put(
        _line_url(assessment, line), {"version": line.version, "value": {"points": "0.5", "x": 1}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"value.x": ["Trường «value.x» không được hỗ trợ."]}
    line.refresh_from_db()
    assert line.self_score is None


def test_a_count_the_formula_does_not_have_is_refused_by_its_name(api: Any, unit_editor: Any, assessment: Any) -> None:
    line = line_of(assessment, "1.2.2")  # formula over counts a, b, c
    api.force_login(unit_editor)
    value = {"counts": {"a": 4, "b": 2, "c": 1, "d": 1}, "extra": 0}
    response = api.put(_line_url(assessment, line), {"version": line.version, "value": value}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"value.counts.d", "value.extra"}


def test_every_expected_key_of_the_value_is_still_accepted(api: Any, unit_editor: Any, assessment: Any) -> None:
    api.force_login(unit_editor)
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = line_of(assessment, code)
        response = api.put(_line_url(assessment, line), {"version": line.version, "value": value}, format="json")
        assert response.status_code == 200, (code, response.json())


def test_an_appraisal_with_an_unknown_field_or_value_key_is_refused(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, appraiser: Any
) -> None:
    self_score(assessment, unit_editor)
    submitted = submit(assessment, unit_head)
    line = line_of(submitted, "2.1.1")
    value, _score = SMALL_SET_VALUES["2.1.1"]
    api.force_login(appraiser)
    extra_field = api.post(
        _line_url(submitted, line, "appraise/"), {"version": line.version, "value": value, "nota": "x"}, format="json"
    )
    extra_key = api.post(
        _line_url(submitted, line, "appraise/"),
        {"version": line.version, "value": {**value, "numerater": 1}}, format="json",
    )
    assert extra_field.status_code == 400 and list(extra_field.json()["fields"]) == ["nota"]
    assert extra_key.status_code == 400 and list(extra_key.json()["fields"]) == ["value.numerater"]
    line.refresh_from_db()
    assert line.appraised_score is None


def test_a_publication_with_an_extra_field_is_refused_and_nothing_is_published(
    api: Any, signed_cycle: Any, admin_user: Any
) -> None:
    api.force_login(admin_user)
    response = api.post(
        "/api/v1/publications/2020/publish/",
        {"document_number": "Công văn số 4567/UBND-NC", "document_date": "08/12/2020", "extra": 1}, format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"extra": ["Trường «extra» không được hỗ trợ."]}
    assert not Publication.objects.exists()


def test_the_evidence_link_refuses_an_unknown_field(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.3")
    api.force_login(unit_editor)
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/link/", {"file_id": 1, "line_id": line.pk, "lines": [1]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["lines"]


def test_a_withdrawal_with_a_misspelt_reason_is_refused(api: Any, assessment: Any, unit_editor: Any,
                                                        unit_head: Any) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    api.force_login(unit_head)
    response = api.post(f"/api/v1/assessments/{assessment.pk}/withdraw/", {"reasn": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reasn"]
    assessment.refresh_from_db()
    assert assessment.state == "submitted"


def test_query_parameters_other_than_the_endpoints_own_are_ignored(api: Any, publication: Any) -> None:
    # a URL may carry other parameters (a cache buster, `format`): only request bodies are strict
    assert api.get("/api/v1/results/2020/", {"_": "123"}).status_code == 200
    assert api.get("/api/v1/open-data/2020/rankings/", {"_": "123"}).status_code == 200


def test_a_body_of_thousands_of_stray_keys_is_answered_briefly_and_changes_nothing(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    from scoring.api.common import MAX_UNKNOWN_FIELDS_NAMED

    # given a body with 5,000 keys the endpoint does not take, at the top and inside the value
    line = line_of(assessment, "1.2.3")
    api.force_login(unit_editor)
    body = {"version": line.version, "value": {"points": "0.5", **{f"v{n}": 0 for n in range(2500)}},
            **{f"k{n}": 0 for n in range(2500)}}
    # when
    response = api.put(_line_url(assessment, line), body, format="json")
    # then the first keys are named, the rest counted in one message, and the answer stays small
    assert response.status_code == 400
    fields = response.json()["fields"]
    named = [key for key in fields if key != "non_field_errors"]
    assert len(named) == MAX_UNKNOWN_FIELDS_NAMED
    assert fields["k0"] == ["Trường «k0» không được hỗ trợ."]
    assert fields["non_field_errors"] == [
        f"Còn {5000 - MAX_UNKNOWN_FIELDS_NAMED} trường khác không được hỗ trợ (chỉ nêu {MAX_UNKNOWN_FIELDS_NAMED} "
        "trường đầu). Hãy gửi đúng các trường của yêu cầu này."
    ]
    assert len(response.content) < 10_000
    line.refresh_from_db()
    assert (line.self_score, line.version) == (None, 1)
