"""A survey preview is applied only while it is what it showed: after a newer preview of the same leaves (by
anyone), or once a leaf's score has changed since, applying it is refused and changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import SurveyImport
from appraisal.survey import survey_import_apply, survey_import_preview
from scoring.errors import StateConflict
from scoring.models import AuditEntry
from scoring.services import score_line_appraise
from tests.appraisal.test_survey import _csv, _survey_line
from tests.conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(catalogue: Any) -> Any:
    return _user("hoa", "administrator", None, first_name="Hoa", last_name="Trần")


def _preview(cycle: Any, actor: Any, name: str, *rows: str) -> SurveyImport:
    return survey_import_preview(cycle=cycle, file_name=name, content=_csv(*rows), actor=actor)


def test_an_older_preview_is_refused_after_a_newer_one_of_the_same_leaves(
    survey_cycle: Any, admin_user: Any, other_admin: Any
) -> None:
    # given my preview, then another administrator's of the same leaf
    mine = _preview(survey_cycle, admin_user, "dot-1.csv", "so-y-te;1.2.3;0,5", "so-tai-chinh;1.2.3;0,5")
    theirs = _preview(survey_cycle, other_admin, "dot-2.csv", "so-y-te;1.2.3;0,25")
    entries = AuditEntry.objects.count()
    # when I apply mine
    with pytest.raises(StateConflict) as refused:
        survey_import_apply(survey_import=mine, actor=admin_user)
    # then nothing is written, and the message names the newer preview
    assert refused.value.code == "stale_preview" and refused.value.status == 409
    assert "dot-2.csv" in str(refused.value.message) and "Hoa" in str(refused.value.message)
    assert _survey_line(survey_cycle, "so-y-te").appraised_score is None
    assert _survey_line(survey_cycle, "so-tai-chinh").appraised_score is None
    assert AuditEntry.objects.count() == entries
    mine.refresh_from_db()
    assert mine.status == SurveyImport.Status.PREVIEWED
    # the newer one still applies
    assert survey_import_apply(survey_import=theirs, actor=other_admin) == 1
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.25")


def test_an_older_preview_never_overwrites_a_newer_one_already_applied(
    survey_cycle: Any, admin_user: Any
) -> None:
    first = _preview(survey_cycle, admin_user, "dot-1.csv", "so-y-te;1.2.3;0,5")
    second = _preview(survey_cycle, admin_user, "dot-2.csv", "so-y-te;1.2.3;0,25")
    survey_import_apply(survey_import=second, actor=admin_user)
    with pytest.raises(StateConflict):
        survey_import_apply(survey_import=first, actor=admin_user)
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.25")


def test_a_newer_preview_of_other_leaves_does_not_stale_an_older_one(
    survey_cycle: Any, admin_user: Any
) -> None:
    first = _preview(survey_cycle, admin_user, "dot-1.csv", "so-y-te;1.2.3;0,5")
    _preview(survey_cycle, admin_user, "dot-2.csv", "so-tai-chinh;1.2.3;0,25")
    assert survey_import_apply(survey_import=first, actor=admin_user) == 1
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.5")


def test_a_preview_is_refused_when_a_score_changed_since(survey_cycle: Any, admin_user: Any) -> None:
    preview = _preview(survey_cycle, admin_user, "dot-1.csv", "so-y-te;1.2.3;0,5")
    line = _survey_line(survey_cycle, "so-y-te")
    score_line_appraise(line=line, actor=None, base_version=line.version, value={"points": "0.25"})
    with pytest.raises(StateConflict) as refused:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert refused.value.code == "stale_preview"
    assert refused.value.details == ["Sở Y tế · 1.2.3"]
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.25")


def test_the_preview_page_warns_of_a_newer_preview_and_a_stale_apply_is_a_409_page(
    survey_cycle: Any, admin_user: Any, other_admin: Any
) -> None:
    mine = _preview(survey_cycle, admin_user, "dot-1.csv", "so-y-te;1.2.3;0,5")
    theirs = _preview(survey_cycle, other_admin, "dot-2.csv", "so-y-te;1.2.3;0,25")
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("appraisal:survey_preview", args=[mine.pk])).content.decode()
    warning = page.split("data-newer-previews>")[1].split("</div>")[0]
    assert "Đã có bản xem trước mới hơn" in warning
    assert reverse("appraisal:survey_preview", args=[theirs.pk]) in warning
    assert reverse("appraisal:survey_apply", args=[mine.pk]) not in page  # no button to apply it
    # a form sent anyway (a tab left open): refused on the page, nothing applied
    response = client.post(reverse("appraisal:survey_apply", args=[mine.pk]))
    assert response.status_code == 409
    refusal = response.content.decode().split("data-refusal>")[1].split("</div>")[0]
    assert "Bản xem trước này đã cũ" in refusal and "dot-2.csv" in refusal
    assert _survey_line(survey_cycle, "so-y-te").appraised_score is None
    # the newer preview's own page has no warning and its button
    newer_page = client.get(reverse("appraisal:survey_preview", args=[theirs.pk])).content.decode()
    assert "data-newer-previews" not in newer_page
    assert reverse("appraisal:survey_apply", args=[theirs.pk]) in newer_page
