"""The public reads (published results, open data) answer a wrong or revoked token as if no credentials were sent,
and keep a valid one; the published rows carry the unit kind's code (`unit_kind_code`, CSV `ma_loai_don_vi`), derived
for a publication stored before it from the kind's name at the moment it was published; the publication preview's
refusal names who may use it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.administration.services import unit_kind_create, unit_kind_rename
from scoring.models import Publication, RoleAssignment, UnitKind
from scoring.publication import exports
from scoring.tokens import api_token_issue, api_token_revoke
from tests.api.conftest import as_user

pytestmark = pytest.mark.django_db

PUBLIC = (
    "/api/v1/open-data/2020/units/so-y-te/", "/api/v1/open-data/2020/rankings/", "/api/v1/open-data/2020/results.json",
    "/api/v1/open-data/2020/results.csv", "/api/v1/results/2020/", "/api/v1/publications/",
)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _token(user: Any, admin: Any, role: str) -> tuple[str, Any]:
    issued = api_token_issue(user=user, role=role, name="Cổng dữ liệu", actor=admin)
    return issued.key, issued.token


@pytest.mark.parametrize("path", PUBLIC)
def test_a_wrong_or_revoked_token_reads_the_public_data_as_anonymous(
    publication: Publication, admin_user: Any, path: str
) -> None:
    key, token = _token(admin_user, admin_user, RoleAssignment.Role.ADMINISTRATOR)
    api_token_revoke(token=token, actor=admin_user)
    anonymous = APIClient().get(path)
    assert anonymous.status_code == 200
    anonymous_body = _body(anonymous)
    for header in ("Token bad", f"Token {key}", "Token", "Token a b"):
        response = APIClient().get(path, HTTP_AUTHORIZATION=header)
        assert response.status_code == 200, (header, response.content[:200])
        assert _body(response) == anonymous_body


def test_a_valid_token_still_counts_on_a_public_read(publication: Publication, admin_user: Any, unit_head: Any) -> None:
    # the unit's own people see their appraisers' notes on the unit's published result; anonymous callers do not
    key, _token_row = _token(unit_head, admin_user, RoleAssignment.Role.UNIT_HEAD)
    path = "/api/v1/open-data/2020/units/so-y-te/"
    noted = [n["note"] for n in APIClient().get(path, HTTP_AUTHORIZATION=f"Token {key}").json()["breakdown"]]
    assert "Kế hoạch ban hành trễ hạn" in noted
    assert "Kế hoạch ban hành trễ hạn" not in [n["note"] for n in APIClient().get(path).json()["breakdown"]]


def test_a_wrong_token_is_still_refused_where_credentials_are_needed(publication: Publication) -> None:
    response = APIClient().get("/api/v1/assessments/", HTTP_AUTHORIZATION="Token bad")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


# --- the unit kind's code ----------------------------------------------------------------------------------------


def _csv(publication: Publication) -> list[dict[str, str]]:
    text = "".join(b.decode("utf-8") for b in exports.csv_stream(publication, exports.csv_rows)).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_published_rows_carry_the_catalogues_kind_code(publication: Publication) -> None:
    assert {r["unit_kind_code"] for r in publication.snapshot["rows"]} == {"department"}
    unit = APIClient().get("/api/v1/open-data/2020/units/so-y-te/").json()["result"]
    assert unit["unit_kind_code"] == "department" and unit["unit_kind"] == "Sở, ban, ngành tỉnh"
    rows = [r for g in APIClient().get("/api/v1/open-data/2020/rankings/").json()["groups"] for r in g["rows"]]
    assert rows and {r["unit_kind_code"] for r in rows} == {"department"}
    assert {r["ma_loai_don_vi"] for r in _csv(publication)} == {"department"}
    assert {r["unit_kind_code"] for r in json.loads(exports.open_data_bytes(publication))["results"]} == {"department"}


def test_the_preview_rows_carry_it_too(signed_cycle: Any, admin_user: Any) -> None:
    groups = as_user(APIClient(), admin_user).get("/api/v1/publications/2020/preview/").json()["groups"]
    assert {r["unit_kind_code"] for g in groups for r in g["rows"]} == {"department"}


def _as_stored_before(publication: Publication) -> Publication:
    """The publication as stored before its rows had the kind's code."""
    snapshot = publication.snapshot
    for row in snapshot["rows"]:
        row.pop("unit_kind_code")
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)
    return Publication.objects.select_related("cycle").get(pk=publication.pk)


def test_an_older_publication_gets_the_code_of_the_kinds_name_then_even_after_a_rename(
    publication: Publication, admin_user: Any
) -> None:
    old = _as_stored_before(publication)
    department = UnitKind.objects.get(code="department")
    # renamed after the publication, and another kind made since with the name it had then
    unit_kind_rename(kind=department, name="Sở, ban, ngành", actor=admin_user)
    unit_kind_create(code="moi", name="Sở, ban, ngành tỉnh", actor=admin_user)

    from scoring.publication.selectors import kind_codes

    assert kind_codes(old.snapshot, old.published_at)["Sở, ban, ngành tỉnh"] == "department"
    unit = APIClient().get("/api/v1/open-data/2020/units/so-y-te/").json()["result"]
    assert unit["unit_kind_code"] == "department"
    assert {r["ma_loai_don_vi"] for r in _csv(old)} == {"department"}


def test_a_kind_name_not_told_for_certain_gives_null(publication: Publication) -> None:
    old = _as_stored_before(publication)
    snapshot = old.snapshot
    snapshot["rows"][0]["unit_kind"] = "Một loại không còn ai biết"
    Publication.objects.filter(pk=old.pk).update(snapshot=snapshot)
    old.refresh_from_db()
    results = json.loads(exports.open_data_bytes(old))["results"]
    assert sorted(str(r["unit_kind_code"]) for r in results) == ["None", "department", "department", "department"]


def test_a_correction_of_an_older_publication_with_the_same_figures_is_still_document_only(
    publication: Publication, admin_user: Any
) -> None:
    from scoring.publication.services import cycle_publish
    from tests.publication.conftest import DOC_DATE

    _as_stored_before(publication)
    corrected = cycle_publish(cycle=publication.cycle, document_number="Công văn số 4568/UBND-NC",
                              document_date=DOC_DATE, reason="Sửa số văn bản", actor=admin_user, document_only=True)
    assert corrected.snapshot.get("document_only") is True


# --- the preview's refusal ---------------------------------------------------------------------------------------


def test_the_preview_refusal_names_who_may_use_it(signed_cycle: Any, unit_editor: Any, lead: Any) -> None:
    editor = as_user(APIClient(), unit_editor).get("/api/v1/publications/2020/preview/")
    assert editor.status_code == 403
    assert editor.json()["message"] == "Chỉ quản trị viên (Sở Nội vụ) được xem trước và công bố kết quả."
    refused = as_user(APIClient(), lead).get("/api/v1/publications/2020/preview/")
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("Chỉ quản trị viên (Sở Nội vụ)")
    assert "bảng kết quả sơ bộ" in refused.json()["message"]
