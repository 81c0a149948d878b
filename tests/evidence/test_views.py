"""Evidence pages and endpoints: each with its allowed and denied cases side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from scoring.models import AuditEntry, ScoreLine
from tests.evidence import samples
from tests.evidence.conftest import stored_files, upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any = None, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def _line(assessment: Any, code: str = "1.1.1") -> ScoreLine:
    return assessment.lines.get(indicator__code=code)


def _url(name: str, obj: Any) -> str:
    return reverse(f"evidence:{name}", args=[obj.pk])


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.fixture
def linked_pdf(assessment: Any, unit_editor: Any, stored_pdf: Any) -> Any:
    """The stored PDF linked to leaf 1.2.1: evidence of the assessment, which the appraisal team may see once it is
    submitted (a file linked to no leaf is the unit's draft, never shown outside the unit)."""
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment, "1.2.1"), actor=unit_editor)
    return stored_pdf


# --- library page ----------------------------------------------------------------------------------------------


def test_the_unit_editor_sees_the_library_with_upload_and_links(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    response = _client(unit_editor).get(_url("library", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kế hoạch CCHC năm 2020.pdf" in html
    assert "data-dropzone" in html and 'name="files"' in html and "multiple" in html
    assert ">1.1.1</a>" in html
    assert _url("preview", stored_pdf) in html and _url("download", stored_pdf) in html
    assert _url("delete", stored_pdf) in html


def test_the_unit_head_sees_the_library_too(assessment: Any, unit_head: Any, stored_pdf: Any) -> None:
    assert _client(unit_head).get(_url("library", assessment)).status_code == 200


def test_another_units_editor_gets_404_for_the_library(assessment: Any, other_editor: Any) -> None:
    assert _client(other_editor).get(_url("library", assessment)).status_code == 404


def test_an_appraiser_gets_404_for_the_library_before_submission(assessment: Any, appraiser: Any) -> None:
    assert _client(appraiser).get(_url("library", assessment)).status_code == 404


def test_an_appraiser_reads_the_library_after_submission_without_controls(
    team: Any, assessment: Any, appraiser: Any, linked_pdf: Any, submit: Any
) -> None:
    submit()
    response = _client(appraiser).get(_url("library", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kế hoạch CCHC năm 2020.pdf" in html
    assert "data-dropzone" not in html and _url("delete", linked_pdf) not in html


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_library(assessment: Any) -> None:
    assert _is_login_redirect(_client().get(_url("library", assessment)))


def test_the_library_shows_the_partial_of_a_chosen_leaf(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    line = _line(assessment, "1.2.1")
    response = _client(unit_editor).get(_url("library", assessment) + f"?tieu_chi={line.pk}")
    html = response.content.decode()
    assert f'id="evidence-line-{line.pk}"' in html
    # the library's files to link to it, as a plain form (the page's own picker, no link to it)
    assert f'id="evidence-pick-{line.pk}"' not in html and "data-evidence-picker" in html
    assert f'name="file_id" value="{stored_pdf.pk}">' in html


# --- upload -----------------------------------------------------------------------------------------------------


def test_the_editor_uploads_several_files_at_once(assessment: Any, unit_editor: Any, media_root: Path) -> None:
    response = _client(unit_editor).post(
        _url("upload", assessment),
        {"files": [upload("Kế hoạch.pdf", samples.pdf()), upload("Ảnh chụp.png", samples.png())]},
        **JSON,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["errors"] == []
    assert [f["name"] for f in data["files"]] == ["Kế hoạch.pdf", "Ảnh chụp.png"]
    first = EvidenceFile.objects.get(original_name="Kế hoạch.pdf")
    assert data["files"][0] == {
        "id": first.pk, "name": "Kế hoạch.pdf", "size": len(samples.pdf()),
        "preview_url": _url("preview", first), "download_url": _url("download", first), "already_present": False,
    }
    assert len(stored_files(media_root)) == 2  # no temporary file left behind


def test_the_unit_head_may_upload_too(assessment: Any, unit_head: Any) -> None:
    response = _client(unit_head).post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]}, **JSON)
    assert response.status_code == 200 and EvidenceFile.objects.count() == 1


def test_one_bad_file_in_a_batch_is_refused_and_the_good_ones_are_stored(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    response = _client(unit_editor).post(
        _url("upload", assessment),
        {"files": [upload("tot.pdf", samples.pdf()), upload("gia.pdf", samples.png())]},
        **JSON,
    )
    data = response.json()
    assert response.status_code == 200 and data["ok"] is True
    assert [f["name"] for f in data["files"]] == ["tot.pdf"]
    assert [(e["name"], e["code"]) for e in data["errors"]] == [("gia.pdf", "bad_type")]
    assert "các tệp hợp lệ khác vẫn được lưu" in data["message"]
    assert len(stored_files(media_root)) == 1


def test_a_batch_of_only_bad_files_answers_400_and_stores_nothing(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    response = _client(unit_editor).post(
        _url("upload", assessment), {"files": [upload("virus.exe", samples.WINDOWS_EXE)]}, **JSON
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_type"
    assert "Chỉ nhận PDF" in response.json()["errors"][0]["message"]
    assert stored_files(media_root) == []


def test_an_upload_without_files_gets_a_clear_message(assessment: Any, unit_editor: Any) -> None:
    response = _client(unit_editor).post(_url("upload", assessment), {}, **JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "no_file"


def test_a_file_over_the_limit_is_refused_while_streaming_and_nothing_remains(
    assessment: Any, unit_editor: Any, settings: Any, media_root: Path
) -> None:
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64 * 1024
    big = samples.pdf() + b"%" + b"x" * (256 * 1024)
    response = _client(unit_editor).post(
        _url("upload", assessment), {"files": [upload("lon.pdf", big), upload("nho.pdf", samples.pdf())]}, **JSON
    )
    data = response.json()
    assert [(e["name"], e["code"]) for e in data["errors"]] == [("lon.pdf", "too_large")]
    assert "vượt quá dung lượng cho phép (0,0625 MB)" in data["errors"][0]["message"]
    assert [f["name"] for f in data["files"]] == ["nho.pdf"]
    assert [p.name for p in stored_files(media_root)] == [EvidenceBlob.objects.get().sha256]


def test_the_upload_handler_never_writes_a_file_with_a_refused_extension(
    assessment: Any, unit_editor: Any, media_root: Path, monkeypatch: Any
) -> None:
    from evidence import storage

    created: list[Any] = []
    original = storage.Spool.__init__

    def spy(self: Any, **kwargs: Any) -> None:
        created.append(self)
        original(self, **kwargs)

    monkeypatch.setattr(storage.Spool, "__init__", spy)
    _client(unit_editor).post(_url("upload", assessment), {"files": [upload("x.exe", samples.WINDOWS_EXE)]}, **JSON)
    assert created == []


def test_a_large_upload_streams_through_in_chunks_of_a_mebibyte(
    assessment: Any, unit_editor: Any, media_root: Path, monkeypatch: Any
) -> None:
    """Each chunk the parser hands over is hashed and written once: 1 MiB at a time, not Django's 64 KiB (a
    200 MB file is 200 writes, not 3,200); the stored file is the upload, byte for byte."""
    import hashlib

    from evidence import storage

    sizes: list[int] = []
    original = storage.Spool.write

    def spy(self: Any, chunk: bytes) -> bool:
        sizes.append(len(chunk))
        return original(self, chunk)

    monkeypatch.setattr(storage.Spool, "write", spy)
    pdf = samples.pdf()
    head = pdf.index(b"\n") + 1
    body = pdf[:head] + b"%" + b"x" * (7 * 2**19) + b"\n" + pdf[head:]  # a 3.5 MiB comment after the header
    response = _client(unit_editor).post(_url("upload", assessment), {"files": [upload("lon.pdf", body)]}, **JSON)
    assert response.status_code == 200, response.content
    assert sum(sizes) == len(body)
    assert len(sizes) == 4 and max(sizes) == 2**20
    (stored,) = stored_files(media_root)
    assert stored.read_bytes() == body
    assert stored.name == hashlib.sha256(body).hexdigest()


def test_upload_and_link_in_one_step_from_a_leaf(assessment: Any, unit_editor: Any) -> None:
    line = _line(assessment, "1.2.1")
    response = _client(unit_editor).post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())], "line_id": line.pk}, **JSON
    )
    assert response.status_code == 200
    assert list(EvidenceLink.objects.values_list("score_line_id", flat=True)) == [line.pk]


def test_a_plain_form_upload_redirects_to_next_with_messages(assessment: Any, unit_editor: Any) -> None:
    client = _client(unit_editor)
    next_url = _url("library", assessment) + "?tieu_chi=1"
    response = client.post(
        _url("upload", assessment),
        {"files": [upload("a.pdf", samples.pdf()), upload("b.pdf", b"")], "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == next_url
    texts = [str(m) for m in response.wsgi_request._messages]
    assert any("Đã lưu 1 tệp" in t for t in texts)
    assert any("rỗng" in t for t in texts)


def test_an_unsafe_next_is_ignored(assessment: Any, unit_editor: Any) -> None:
    response = _client(unit_editor).post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())], "next": "https://evil.example/x"}
    )
    assert response["Location"] == _url("library", assessment)


def test_another_units_editor_gets_404_when_uploading(assessment: Any, other_editor: Any, media_root: Path) -> None:
    response = _client(other_editor).post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]})
    assert response.status_code == 404
    assert stored_files(media_root) == [] and not EvidenceFile.objects.exists()


def test_an_appraiser_gets_404_when_uploading_before_submission(assessment: Any, appraiser: Any) -> None:
    response = _client(appraiser).post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]})
    assert response.status_code == 404


def test_an_appraiser_gets_403_when_uploading_after_submission(
    team: Any, assessment: Any, appraiser: Any, submit: Any, media_root: Path
) -> None:
    submit()
    response = _client(appraiser).post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]}, **JSON
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert stored_files(media_root) == []


def test_an_anonymous_upload_is_sent_to_log_in(assessment: Any) -> None:
    response = _client().post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]})
    assert _is_login_redirect(response)
    assert not EvidenceFile.objects.exists()


def test_an_upload_without_a_csrf_token_is_refused_and_leaves_nothing(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    response = _client(unit_editor, csrf=True).post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]}
    )
    assert response.status_code == 403
    assert not EvidenceFile.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_with_a_csrf_token_passes_the_check(assessment: Any, unit_editor: Any) -> None:
    client = _client(unit_editor, csrf=True)
    client.get(_url("library", assessment))
    token = client.cookies["csrftoken"].value
    response = client.post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())], "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and EvidenceFile.objects.count() == 1


# --- link and unlink --------------------------------------------------------------------------------------------


def test_the_editor_links_and_unlinks_a_file(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    client, line = _client(unit_editor), _line(assessment)
    payload = {"file_id": stored_pdf.pk, "line_id": line.pk}
    response = client.post(_url("link", assessment), payload, **JSON)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert "1.1.1" in response.json()["message"]
    assert EvidenceLink.objects.filter(evidence_file=stored_pdf, score_line=line).exists()
    response = client.post(_url("unlink", assessment), payload, **JSON)
    assert response.status_code == 200 and not EvidenceLink.objects.exists()


def test_a_plain_form_link_redirects_with_a_message(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).post(
        _url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}
    )
    assert response.status_code == 302 and response["Location"] == _url("library", assessment)


def test_another_units_editor_gets_404_when_linking(assessment: Any, other_editor: Any, stored_pdf: Any) -> None:
    response = _client(other_editor).post(
        _url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not EvidenceLink.objects.exists()


def test_linking_another_units_file_is_404(
    assessment: Any, unit_editor: Any, other_editor: Any, cycle: Any
) -> None:
    from scoring.models import Unit

    foreign = services.evidence_upload(
        unit=Unit.objects.get(code="so-tu-phap"), cycle=cycle, uploaded_file=upload("x.pdf", samples.pdf()),
        actor=other_editor,
    )
    response = _client(unit_editor).post(
        _url("link", assessment), {"file_id": foreign.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 404 and not EvidenceLink.objects.exists()


@pytest.mark.parametrize("bad", ["", "abc", "-1", "999999"])
def test_a_missing_or_foreign_line_is_404(assessment: Any, unit_editor: Any, stored_pdf: Any, bad: str) -> None:
    response = _client(unit_editor).post(_url("link", assessment), {"file_id": stored_pdf.pk, "line_id": bad}, **JSON)
    assert response.status_code == 404


def test_an_appraiser_gets_403_when_linking_after_submission(
    team: Any, assessment: Any, appraiser: Any, linked_pdf: Any, submit: Any
) -> None:
    submit()
    response = _client(appraiser).post(
        _url("link", assessment), {"file_id": linked_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 403


def test_the_editor_gets_409_with_the_state_when_linking_after_submission(
    assessment: Any, unit_editor: Any, stored_pdf: Any, submit: Any
) -> None:
    submit()
    response = _client(unit_editor).post(
        _url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 409 and response.json()["code"] == "not_editable"
    assert not EvidenceLink.objects.exists()


def test_the_editor_hears_that_a_published_cycle_takes_no_more_evidence(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    from scoring.models import Cycle

    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    response = _client(unit_editor).post(
        _url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 409 and response.json()["code"] == "cycle_closed"
    assert not EvidenceLink.objects.exists()


def test_an_anonymous_link_is_sent_to_log_in(assessment: Any, stored_pdf: Any) -> None:
    response = _client().post(_url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk})
    assert _is_login_redirect(response)


def test_a_link_without_a_csrf_token_is_refused(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor, csrf=True).post(
        _url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}
    )
    assert response.status_code == 403 and not EvidenceLink.objects.exists()


def test_another_units_editor_gets_404_when_unlinking(
    assessment: Any, unit_editor: Any, other_editor: Any, stored_pdf: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    response = _client(other_editor).post(
        _url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}
    )
    assert response.status_code == 404 and EvidenceLink.objects.count() == 1


def test_an_appraiser_gets_403_when_unlinking_after_submission(
    team: Any, assessment: Any, unit_editor: Any, appraiser: Any, stored_pdf: Any, submit: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    submit()
    response = _client(appraiser).post(
        _url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 403 and EvidenceLink.objects.count() == 1


def test_an_anonymous_unlink_is_sent_to_log_in(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    response = _client().post(_url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk})
    assert _is_login_redirect(response) and EvidenceLink.objects.count() == 1


def test_an_unlink_without_a_csrf_token_is_refused(assessment: Any, unit_editor: Any, stored_pdf: Any) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    response = _client(unit_editor, csrf=True).post(
        _url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}
    )
    assert response.status_code == 403 and EvidenceLink.objects.count() == 1


def test_an_earlier_link_cannot_be_removed_during_explanation(
    assessment: Any, unit_editor: Any, lead: Any, stored_pdf: Any, submit: Any
) -> None:
    from scoring.services import assessment_transition

    line = _line(assessment)
    services.evidence_link(evidence_file=stored_pdf, line=line, actor=unit_editor)
    submit()
    assessment_transition(assessment=assessment, to_state="in_appraisal", actor=lead)
    ScoreLine.objects.filter(pk=line.pk).update(explanation_requested=True)
    assessment_transition(assessment=assessment, to_state="explanation", actor=lead)
    response = _client(unit_editor).post(
        _url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": line.pk}, **JSON
    )
    assert response.status_code == 409 and response.json()["code"] == "link_locked"
    assert "giữ nguyên" in response.json()["message"]
    assert EvidenceLink.objects.count() == 1


def test_unlinking_a_file_that_was_never_linked_is_refused_and_writes_nothing(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    client, line = _client(unit_editor), _line(assessment)
    audit_before = AuditEntry.objects.count()
    response = client.post(_url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": line.pk}, **JSON)
    assert response.status_code == 409 and response.json()["code"] == "not_linked"
    assert "không gắn với tiêu chí 1.1.1" in response.json()["message"]
    plain = client.post(_url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": line.pk})
    shown = [str(m) for m in plain.wsgi_request._messages]
    assert plain.status_code == 302 and shown == [response.json()["message"]]
    assert not any("Đã gỡ" in m for m in shown)
    assert AuditEntry.objects.count() == audit_before and EvidenceFile.objects.filter(pk=stored_pdf.pk).exists()


def test_unlinking_a_file_linked_to_another_leaf_leaves_that_link(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment, "1.2.1"), actor=unit_editor)
    response = _client(unit_editor).post(
        _url("unlink", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk}, **JSON
    )
    assert response.status_code == 409 and response.json()["code"] == "not_linked"
    assert EvidenceLink.objects.filter(evidence_file=stored_pdf, score_line=_line(assessment, "1.2.1")).exists()


# --- delete -----------------------------------------------------------------------------------------------------


def test_the_editor_deletes_a_draft_file(
    assessment: Any, unit_editor: Any, stored_pdf: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(unit_editor).post(_url("delete", stored_pdf), {"xac_nhan": "1"}, **JSON)
    assert response.status_code == 200 and response.json() == {
        "ok": True, "message": "Đã xoá «Kế hoạch CCHC năm 2020.pdf» khỏi thư viện.", "id": stored_pdf.pk,
    }
    assert not EvidenceFile.objects.exists() and stored_files(media_root) == []
    assert AuditEntry.objects.filter(action="evidence.delete", unit=assessment.unit, assessment=assessment).exists()


def test_another_units_editor_gets_404_when_deleting(assessment: Any, other_editor: Any, stored_pdf: Any) -> None:
    assert _client(other_editor).post(_url("delete", stored_pdf)).status_code == 404
    assert EvidenceFile.objects.exists()


def test_deleting_a_file_linked_to_a_submitted_assessment_answers_409(
    assessment: Any, unit_editor: Any, stored_pdf: Any, submit: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    submit()
    client = _client(unit_editor)
    # after submission the library is closed for the unit: the view says why (the state), as upload, link and
    # unlink do, before the service is asked
    response = client.post(_url("delete", stored_pdf), **JSON)
    assert response.status_code == 409 and response.json()["code"] == "not_editable"
    assert "Đã gửi" in response.json()["message"] and "không có quyền" not in response.json()["message"]
    plain = client.post(_url("delete", stored_pdf))
    assert plain.status_code == 302 and plain["Location"] == _url("library", assessment)
    assert [str(m) for m in plain.wsgi_request._messages] == [response.json()["message"]]
    assert EvidenceFile.objects.exists()


def test_deleting_an_unlinked_file_after_submission_answers_409_too(
    assessment: Any, unit_head: Any, stored_pdf: Any, submit: Any
) -> None:
    submit()
    response = _client(unit_head).post(_url("delete", stored_pdf), **JSON)
    assert response.status_code == 409 and response.json()["code"] == "not_editable"
    assert EvidenceFile.objects.exists()


def test_deleting_a_linked_file_during_explanation_answers_409_with_the_reason(
    assessment: Any, unit_editor: Any, lead: Any, stored_pdf: Any, submit: Any
) -> None:
    from scoring.services import assessment_transition

    services.evidence_link(evidence_file=stored_pdf, line=_line(assessment), actor=unit_editor)
    submit()
    assessment_transition(assessment=assessment, to_state="in_appraisal", actor=lead)
    assessment_transition(assessment=assessment, to_state="explanation", actor=lead)
    response = _client(unit_editor).post(_url("delete", stored_pdf), **JSON)
    assert response.status_code == 409 and response.json()["code"] == "file_locked"
    plain = _client(unit_editor).post(_url("delete", stored_pdf))
    assert plain.status_code == 302
    assert any("không thể xoá" in str(m).lower() for m in plain.wsgi_request._messages)
    assert EvidenceFile.objects.exists()


def test_an_appraiser_gets_403_when_deleting_after_submission(
    team: Any, assessment: Any, appraiser: Any, linked_pdf: Any, submit: Any
) -> None:
    submit()
    assert _client(appraiser).post(_url("delete", linked_pdf)).status_code == 403


def test_an_anonymous_delete_is_sent_to_log_in(stored_pdf: Any) -> None:
    assert _is_login_redirect(_client().post(_url("delete", stored_pdf)))


def test_a_delete_without_a_csrf_token_is_refused(unit_editor: Any, stored_pdf: Any) -> None:
    assert _client(unit_editor, csrf=True).post(_url("delete", stored_pdf)).status_code == 403
    assert EvidenceFile.objects.exists()


def test_a_get_cannot_delete(unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).get(_url("delete", stored_pdf))
    assert response.status_code == 302 and response["Location"] == reverse("home")  # the address typed: nothing done
    assert EvidenceFile.objects.exists()


# --- download and preview ----------------------------------------------------------------------------------------


def test_the_editor_downloads_with_a_safe_vietnamese_content_disposition(unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).get(_url("download", stored_pdf))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Ke_hoach_CCHC_nam_2020.pdf\"; "
        f"filename*=UTF-8''{quote('Kế hoạch CCHC năm 2020.pdf', safe='')}"
    )


def test_an_evidence_file_is_streamed_as_stored_never_recompressed(unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).get(_url("download", stored_pdf), HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200 and "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == samples.pdf()


def test_a_name_with_quotes_and_semicolons_cannot_break_the_header(
    assessment: Any, unit_editor: Any
) -> None:
    evidence_file = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle,
        uploaded_file=upload('a"; filename=evil.html; x=".pdf', samples.pdf()), actor=unit_editor,
    )
    header = _client(unit_editor).get(_url("download", evidence_file))["Content-Disposition"]
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert ";" not in fallback and "=" not in fallback
    assert header.count('"') == 2
    assert "filename*=UTF-8''a%22%3B%20filename%3Devil.html%3B%20x%3D%22.pdf" in header


def test_another_units_editor_gets_404_when_downloading(other_editor: Any, stored_pdf: Any) -> None:
    assert _client(other_editor).get(_url("download", stored_pdf)).status_code == 404


def test_an_appraiser_gets_404_when_downloading_before_submission(appraiser: Any, stored_pdf: Any) -> None:
    assert _client(appraiser).get(_url("download", stored_pdf)).status_code == 404


def test_an_appraiser_can_download_after_submission(team: Any, appraiser: Any, linked_pdf: Any, submit: Any) -> None:
    submit()
    response = _client(appraiser).get(_url("download", linked_pdf))
    assert response.status_code == 200 and b"".join(response.streaming_content) == samples.pdf()


def test_the_appraisal_lead_can_download_after_submission(lead: Any, linked_pdf: Any, submit: Any) -> None:
    submit()
    assert _client(lead).get(_url("download", linked_pdf)).status_code == 200


def test_an_administrator_can_download(admin_user: Any, stored_pdf: Any) -> None:
    assert _client(admin_user).get(_url("download", stored_pdf)).status_code == 200


def test_an_anonymous_download_is_sent_to_log_in(stored_pdf: Any) -> None:
    assert _is_login_redirect(_client().get(_url("download", stored_pdf)))


def test_a_file_whose_content_vanished_is_404_not_500(unit_editor: Any, stored_pdf: Any, media_root: Path) -> None:
    for path in stored_files(media_root):
        path.unlink()
    assert _client(unit_editor).get(_url("download", stored_pdf)).status_code == 404


def test_the_pdf_preview_is_inline_sandboxed_and_framable_by_our_pages_only(unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).get(_url("preview", stored_pdf))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('inline; filename="Ke_hoach_CCHC_nam_2020.pdf"; filename*=')
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_images_are_previewed_but_office_files_are_not(assessment: Any, unit_editor: Any) -> None:
    image = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("a.png", samples.png()), actor=unit_editor
    )
    sheet = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("b.xlsx", samples.xlsx()),
        actor=unit_editor,
    )
    client = _client(unit_editor)
    assert client.get(_url("preview", image))["Content-Type"] == "image/png"
    assert client.get(_url("preview", sheet)).status_code == 404
    assert client.get(_url("download", sheet)).status_code == 200


def test_another_units_editor_gets_404_for_a_preview(other_editor: Any, stored_pdf: Any) -> None:
    assert _client(other_editor).get(_url("preview", stored_pdf)).status_code == 404


def test_an_appraiser_can_preview_after_submission(team: Any, appraiser: Any, linked_pdf: Any, submit: Any) -> None:
    submit()
    assert _client(appraiser).get(_url("preview", linked_pdf)).status_code == 200


def test_an_anonymous_preview_is_sent_to_log_in(stored_pdf: Any) -> None:
    assert _is_login_redirect(_client().get(_url("preview", stored_pdf)))


# --- a signed-out script; the state's message after submission ------------------------------------------------


def test_a_signed_out_upload_from_the_page_gets_a_json_401(assessment: Any, media_root: Path) -> None:
    line = _line(assessment)
    response = _client().post(
        _url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())], "line_id": line.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out" and response.json()["login_url"] == reverse("login")
    assert not EvidenceFile.objects.exists()


def test_a_signed_out_link_from_the_page_gets_a_json_401(assessment: Any, stored_pdf: Any) -> None:
    response = _client().post(_url("link", assessment), {"file_id": stored_pdf.pk, "line_id": _line(assessment).pk},
                              HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and not EvidenceLink.objects.exists()


def test_a_login_whose_next_is_the_upload_address_lands_on_the_library(assessment: Any, unit_editor: Any) -> None:
    client = _client()
    response = client.post(f"{reverse('login')}?next={_url('upload', assessment)}",
                           {"username": unit_editor.username, "password": "x-Secret-2020!"})
    assert response.status_code == 302 and response["Location"] == _url("library", assessment)


def test_uploading_or_linking_after_submission_says_the_state_not_a_missing_right(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    from scoring.services import assessment_transition

    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client = _client(unit_editor)
    line = _line(assessment)
    expected = "Bản đánh giá ở trạng thái «Đã gửi» nên không thể sửa."
    response = client.post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())],
                                                        "line_id": line.pk}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409 and response.json()["message"] == expected
    response = client.post(_url("link", assessment), {"file_id": stored_pdf.pk, "line_id": line.pk},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 409 and response.json()["message"] == expected
    assert not EvidenceLink.objects.exists()


def test_another_units_editor_is_still_refused_without_the_state(assessment: Any, other_editor: Any) -> None:
    from scoring.services import assessment_transition

    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    response = _client(other_editor).post(_url("upload", assessment), {"files": [upload("a.pdf", samples.pdf())]},
                                          HTTP_ACCEPT="application/json")
    assert response.status_code == 404
