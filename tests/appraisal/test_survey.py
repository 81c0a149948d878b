"""Survey-sourced leaves: the administrator's xlsx/CSV import is checked by the engine, previewed, and
applied all-or-nothing."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from appraisal.models import SurveyImport
from appraisal.survey import problem_text, read_rows, survey_import_apply, survey_import_preview
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, ScoreLine
from tests.appraisal.conftest import SELF_VALUES, line_of

pytestmark = pytest.mark.django_db



def _csv(*rows: str, header: str = "mã đơn vị;mã tiêu chí;điểm") -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _survey_line(cycle: Any, unit_code: str) -> ScoreLine:
    return ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code, indicator__code="1.2.3")


def test_a_csv_with_a_vietnamese_header_and_decimal_commas_is_read() -> None:
    rows = read_rows("ket-qua.csv", _csv("so-y-te;1.2.3;0,5", "", "so-tai-chinh;1.2.3;0,25"))
    assert [(r.row, r.unit_code, r.indicator_code, r.points) for r in rows] == [
        (2, "so-y-te", "1.2.3", "0,5"), (4, "so-tai-chinh", "1.2.3", "0,25")
    ]


def test_an_xlsx_with_an_english_header_is_read() -> None:
    content = _xlsx([["Unit code", "Indicator code", "Points"], ["so-y-te", "1.2.3", 0.5], [None, None, None]])
    rows = read_rows("survey.xlsx", content)
    assert [(r.unit_code, r.indicator_code, r.points) for r in rows] == [("so-y-te", "1.2.3", "0.5")]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.txt", b"x", "bad_extension"),
        ("a.xlsx", b"not a zip", "bad_file"),
        ("a.csv", "mã đơn vị;mã tiêu chí;điểm\n".encode("utf-16"), "bad_encoding"),
        ("a.csv", b"", "empty"),
        ("a.csv", b"foo;bar;baz\n", "no_header"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_message(name: str, content: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_rows(name, content)
    assert caught.value.code == code
    assert str(caught.value.message)


def test_the_preview_checks_every_row_and_scores_nothing(survey_cycle: Any, admin_user: Any) -> None:
    content = _csv(
        "so-y-te;1.2.3;0,5",
        "so-khong-co;1.2.3;0,5",
        "so-tai-chinh;1.2.1;1",
        "so-tai-chinh;1.2.3;abc",
        "so-xay-dung;1.2.3;0,5",
        "so-y-te;1.2.3;0,25",
    )
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=content, actor=admin_user)
    assert [r["unit_code"] for r in preview.rows] == ["so-y-te"]
    assert len(preview.problems) == 5
    text = " ".join(problem_text(p) for p in preview.problems)
    for fragment in ("Dòng 3", "so-khong-co", "không lấy điểm từ điều tra", "Dòng 5: Giá trị phải là một số",
                     "Đang tự đánh giá", "Dòng 7: trùng"):
        assert fragment in text, fragment
    too_high = survey_import_preview(cycle=survey_cycle, file_name="d.csv", content=_csv("so-y-te;1.2.3;0,75"),
                                     actor=admin_user)
    assert too_high.rows == [] and "vượt quá điểm tối đa" in problem_text(too_high.problems[0])
    assert _survey_line(survey_cycle, "so-y-te").appraised_score is None
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert caught.value.code == "import_has_problems"
    assert _survey_line(survey_cycle, "so-y-te").appraised_score is None


def test_a_valid_file_is_applied_whole_and_audited(survey_cycle: Any, admin_user: Any) -> None:
    content = _xlsx([["mã đơn vị", "mã tiêu chí", "điểm"], ["so-y-te", "1.2.3", 0.5],
                     ["so-tai-chinh", "1.2.3", "0,25"]])
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.xlsx", content=content, actor=admin_user)
    assert preview.problems == [] and len(preview.rows) == 2
    assert survey_import_apply(survey_import=preview, actor=admin_user) == 2
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.5")
    assert _survey_line(survey_cycle, "so-tai-chinh").appraised_score == Decimal("0.25")
    assert AuditEntry.objects.filter(action="score_line.appraise", actor=admin_user).count() == 2
    preview.refresh_from_db()
    assert preview.status == SurveyImport.Status.APPLIED
    with pytest.raises(StateConflict):
        survey_import_apply(survey_import=preview, actor=admin_user)


def test_applying_is_all_or_nothing_when_a_row_has_become_invalid(survey_cycle: Any, admin_user: Any) -> None:
    content = _csv("so-y-te;1.2.3;0,5", "so-tai-chinh;1.2.3;0,25")
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-2.csv", content=content, actor=admin_user)
    # Sở Tài chính withdraws its submission between the preview and the apply
    from scoring.models import Assessment
    from scoring.services import assessment_transition

    withdrawn = Assessment.objects.get(cycle=survey_cycle, unit__code="so-tai-chinh")
    assessment_transition(assessment=withdrawn, to_state=Assessment.State.DRAFT, actor=admin_user)
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert any("Đang tự đánh giá" in str(p) for p in caught.value.details)
    assert _survey_line(survey_cycle, "so-y-te").appraised_score is None


def test_the_import_pages_preview_then_apply(client: Any, survey_cycle: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    upload = io.BytesIO(_csv("so-y-te;1.2.3;0,5"))
    upload.name = "dot-3.csv"
    response = client.post(reverse("appraisal:survey_import"), {"file": upload, "ky": survey_cycle.pk})
    assert response.status_code == 302
    preview = SurveyImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Sở Y tế" in page and "0,50" in page
    response = client.post(reverse("appraisal:survey_apply", args=[preview.pk]))
    assert response.status_code == 302
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.5")


def test_an_unreadable_upload_shows_the_reason_and_stores_nothing(
    client: Any, survey_cycle: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    upload = io.BytesIO(b"PK not really")
    upload.name = "dot.xlsx"
    response = client.post(reverse("appraisal:survey_import"), {"file": upload, "ky": survey_cycle.pk})
    assert response.status_code == 400
    assert "không phải là tệp Excel" in response.content.decode()
    assert not SurveyImport.objects.exists()


@pytest.mark.parametrize("who", ["lead", "appraiser", "unit_editor"])
def test_only_an_administrator_imports_survey_results(
    client: Any, survey_cycle: Any, request: pytest.FixtureRequest, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("appraisal:survey_import")).status_code == 403
    upload = io.BytesIO(_csv("so-y-te;1.2.3;0,5"))
    upload.name = "dot.csv"
    assert client.post(reverse("appraisal:survey_import"), {"file": upload}).status_code == 403
    assert not SurveyImport.objects.exists()


def test_the_survey_score_counts_in_the_result(survey_cycle: Any, admin_user: Any, lead: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    from appraisal.services import assessment_sign_off, line_accept_self
    from scoring.models import Assessment, IndexResult

    preview = survey_import_preview(cycle=survey_cycle, file_name="d.csv", content=_csv("so-y-te;1.2.3;0,5"),
                                    actor=admin_user)
    survey_import_apply(survey_import=preview, actor=admin_user)
    assessment = Assessment.objects.get(cycle=survey_cycle, unit__code="so-y-te")
    for code in SELF_VALUES:
        line = line_of(assessment, code)
        line_accept_self(line=line, actor=lead, base_version=line.version)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=assessment, actor=lead)
    assert IndexResult.objects.get(assessment=assessment).index == Decimal("6.58")


def test_applying_writes_each_leaf_as_an_appraisers_save_would_and_rechecks_the_states_under_the_lock(
    survey_cycle: Any, admin_user: Any
) -> None:
    from appraisal.survey import _appraise_all
    from scoring.models import Assessment

    before = _survey_line(survey_cycle, "so-y-te")
    version = Assessment.objects.get(pk=before.assessment_id).version
    preview = survey_import_preview(cycle=survey_cycle, file_name="d.csv", content=_csv("so-y-te;1.2.3;0,25"),
                                    actor=admin_user)
    survey_import_apply(survey_import=preview, actor=admin_user)
    after = _survey_line(survey_cycle, "so-y-te")
    assert (after.appraised_value, after.appraised_score) == ({"points": "0.25"}, Decimal("0.25"))
    assert after.version == before.version + 1 and after.updated_by == admin_user
    assert "d.csv" in after.appraised_note
    assert Assessment.objects.get(pk=before.assessment_id).version == version + 1
    entry = AuditEntry.objects.get(action="score_line.appraise", object_id=str(after.pk))
    assert entry.changes == {"appraised_value": {"old": None, "new": {"points": "0.25"}},
                             "appraised_score": {"old": None, "new": "0.25"}}
    assert entry.unit_id == Assessment.objects.get(pk=before.assessment_id).unit_id
    # A row whose assessment went back to the unit after the check: refused whole, under the lock.
    draft = _survey_line(survey_cycle, "so-xay-dung")
    with pytest.raises(ValidationFailed) as caught, transaction.atomic():
        _appraise_all([{"line_id": draft.pk, "points": "0.5"}, {"line_id": after.pk, "points": "0.5"}],
                      actor=admin_user, note="x")
    assert any("Xây dựng" in str(d) for d in caught.value.details)
    assert _survey_line(survey_cycle, "so-y-te").appraised_score == Decimal("0.25")
    assert _survey_line(survey_cycle, "so-xay-dung").appraised_score is None
