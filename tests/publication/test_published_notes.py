"""The appraisers' notes on a unit's published page are those of that publication, never today's lines' notes
(a unit reopened and re-appraised after publishing must not show its unpublished notes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.models import Assessment, Publication, ScoreLine
from tests.publication.conftest import DOC_DATE, date_results

pytestmark = pytest.mark.django_db

DRAFT = "DRAFT-NOTE chưa công bố: hạ điểm"
PUBLISHED = "Kế hoạch ban hành trễ hạn"  # so-y-te's note on 1.1.1 at publishing (tests/publication/conftest.py)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reopen_and_reappraise(admin_user: Any, note: str = DRAFT) -> None:
    from appraisal.services import assessment_reopen
    from scoring.services import score_line_appraise

    assessment = Assessment.objects.get(unit__code="so-y-te")
    assessment_reopen(assessment=assessment, actor=admin_user, reason="Xem lại điểm tiêu chí 1.2.3")
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3")
    score_line_appraise(line=line, actor=admin_user, base_version=line.version, value={"points": "0"}, note=note)


def test_a_note_written_after_publishing_is_not_shown_on_the_published_page(
    publication: Publication, unit_editor: Any, admin_user: Any
) -> None:
    # given: 2020 published with the note, then the unit reopened and re-appraised with a new note (not published)
    _reopen_and_reappraise(admin_user)
    for client in (_client(unit_editor), _client(admin_user)):
        # when
        html = client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
        # then: the published note beside the published score, not the draft one
        assert DRAFT not in html
        assert PUBLISHED in html


def test_an_earlier_round_shows_its_own_notes_not_todays(
    publication: Publication, unit_editor: Any, admin_user: Any, signed_cycle: Any
) -> None:
    from appraisal.services import assessment_sign_off
    from scoring.publication.services import cycle_publish
    from scoring.services import index_result_recompute

    _reopen_and_reappraise(admin_user, note="Ý kiến của lần công bố 2")
    assessment = Assessment.objects.get(unit__code="so-y-te")
    assessment_sign_off(assessment=assessment, actor=admin_user)
    index_result_recompute(assessment_id=assessment.pk)
    date_results(signed_cycle)  # signed off again before the decision's date
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 5000/UBND-NC", document_date=DOC_DATE,
                  actor=admin_user, reason="Đính chính điểm tiêu chí 1.2.3")
    _reopen_and_reappraise(admin_user)
    client = _client(unit_editor)

    first = client.get("/ket-qua/2020/don-vi/so-y-te/?lan=1").content.decode()
    second = client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()

    assert PUBLISHED in first and "Ý kiến của lần công bố 2" not in first and DRAFT not in first
    assert "Ý kiến của lần công bố 2" in second and DRAFT not in second


def test_the_api_gives_the_published_notes_only(publication: Publication, unit_editor: Any, admin_user: Any) -> None:
    _reopen_and_reappraise(admin_user)

    body = _client(unit_editor).get("/api/v1/open-data/2020/units/so-y-te/").json()

    notes = {n["code"]: n["note"] for n in body["breakdown"]}
    assert notes["1.1.1"] == PUBLISHED and notes["1.2.3"] == ""
    assert DRAFT not in str(body)


def test_the_notes_stay_out_of_the_public_snapshot_and_files(publication: Publication) -> None:
    assert PUBLISHED not in str(publication.snapshot) and PUBLISHED not in str(publication.scores)
    assert publication.notes == {"so-y-te": {"1.1.1": PUBLISHED}}
    assert PUBLISHED.encode() not in Client().get("/ket-qua/2020/ket-qua.json").content


def test_a_publication_made_before_the_notes_were_kept_shows_none_and_says_why(
    publication: Publication, unit_editor: Any
) -> None:
    # given: a publication stored before this change (no notes kept with it)
    Publication.objects.filter(pk=publication.pk).update(notes=None)

    html = _client(unit_editor).get("/ket-qua/2020/don-vi/so-y-te/").content.decode()

    assert PUBLISHED not in html
    assert "data-notes-not-kept" in html


def test_the_public_does_not_see_the_notes(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert PUBLISHED not in html and "data-notes-not-kept" not in html
