"""Submission, withdrawal, the report's free text and the Excel round trip of self-scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scoring import selectors
from scoring.errors import (
    MSG_ALREADY_SUBMITTED,
    MSG_CANNOT_WITHDRAW,
    MSG_DEADLINE_PASSED,
    MSG_DIFFICULTIES_CHANGED,
    MSG_IMPORT_STALE,
    MSG_NOT_EDITABLE,
    MSG_NOT_READY,
    MSG_UNKNOWN_LINE,
    StaleVersion,
    StateConflict,
    ValidationFailed,
    cycle_closed_message,
)
from scoring.models import (
    Assessment,
)
from scoring.permissions import deadline_passed
from scoring.selectors.handover import UNIT_SUBMIT_REASON
from scoring.services.assessments import assessment_transition, score_line_save_self
from scoring.services.common import _nfc, audit_record
from scoring.text import normalize_line_breaks, user_text


def _locked_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("unit", "cycle", "indicator_set")
        .get(pk=assessment.pk)
    )


def _self_deadline_passed(assessment: Assessment) -> bool:
    return deadline_passed(assessment)  # the later of the unit's own deadline and the cycle's


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Any) -> Assessment:
    """The unit head submits the self-assessment; the unit can no longer edit it.

    Refused (nothing changes) when it is not a draft (a double submit: StateConflict), after the deadline,
    or while the pre-submit check finds problems (ValidationFailed, `details` = the problems).
    Side effects: state draft → submitted with submitted_at/by, one audit entry; an extension request still
    waiting is closed (withdrawn, with its own audit entry): there is nothing left to extend.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_ALREADY_SUBMITTED % {"state": locked.get_state_display()}, code="already_submitted")
    if (closed := cycle_closed_message(locked.cycle)) is not None:
        raise StateConflict(closed, code="cycle_closed")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    problems = selectors.self_assessment_problems(sheet=selectors.assessment_sheet(assessment=locked))
    if problems:
        raise ValidationFailed(MSG_NOT_READY % {"n": len(problems)}, code="not_ready", details=problems)
    submitted = assessment_transition(
        assessment=locked, to_state=Assessment.State.SUBMITTED, actor=actor,
        reason=UNIT_SUBMIT_REASON,  # stored in Vietnamese, read translated
    )
    # imported here: the extension requests' services build on the administration's, which build on these
    from scoring.services.extension_requests import extension_requests_close_on_submit

    extension_requests_close_on_submit(assessment=submitted, actor=actor)
    return submitted


@transaction.atomic
def assessment_withdraw(*, assessment: Assessment, actor: Any, reason: str = "") -> Assessment:
    """The unit head takes a submitted self-assessment back to edit it, before the appraisal starts.

    Refused after the deadline (the unit could not submit again) and once the appraisal has started.
    Side effects: state submitted → draft, one audit entry with the reason.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.SUBMITTED:
        raise StateConflict(MSG_CANNOT_WITHDRAW % {"state": locked.get_state_display()}, code="cannot_withdraw")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    return assessment_transition(
        assessment=locked, to_state=Assessment.State.DRAFT, actor=actor,
        reason=_nfc(reason) or _("Thủ trưởng đơn vị rút lại bản tự đánh giá để chỉnh sửa."),
    )


def _same_text(a: str, b: str) -> bool:
    return normalize_line_breaks(_nfc(a)) == normalize_line_breaks(_nfc(b))


@transaction.atomic
def assessment_difficulties_save(
    *, assessment: Assessment, text: str, actor: Any, expected_old: str | None = None
) -> Assessment:
    """Part III of the report (difficulties and recommendations), editable by the unit while it is a draft.

    `expected_old` is the text the user started from: when somebody changed it meanwhile, the save is
    refused (StaleVersion, `details` = the stored text) so no update is lost.
    Side effects: one audit entry with old → new (none when the text is unchanged).
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": locked.get_state_display()}, code="not_editable")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    old = locked.difficulties
    # A browser posts the text it started from with CR+LF line breaks; the stored text has "\n" (or, if saved
    # before line breaks were normalised, CR+LF): the same text is not a colleague's change.
    if expected_old is not None and not _same_text(expected_old, old):
        raise StaleVersion(MSG_DIFFICULTIES_CHANGED, details=old)
    new = user_text(text, limit=20_000, field="difficulties")
    if new != old:
        Assessment.objects.filter(pk=locked.pk).update(difficulties=new)
        locked.difficulties = new
        audit_record(
            actor=actor, action="assessment.difficulties", object_type="Assessment", object_id=locked.pk,
            unit=locked.unit, assessment=locked, changes={"difficulties": {"old": old, "new": new}},
        )
    return locked


@transaction.atomic
def score_lines_import_self(
    *, assessment: Assessment, rows: Iterable[Mapping[str, Any]], actor: Any, download: str = ""
) -> dict[int, int]:
    """Write the rows of an uploaded self-assessment sheet: all of them in one transaction, or none.

    Each row: `line_id`, `version` (the line's version when the sheet was downloaded), `value` (engine value
    or None), `note`, `explanation`, `not_applicable`, `not_applicable_reason`. Every row is saved through
    `score_line_save_self` (engine validation, audit). Raises StaleVersion (code "stale_rows", `details` =
    the stale leaves' codes) when any version is no longer current, ValidationFailed (code "import_invalid",
    `details` = {code: message}) when any row is refused; nothing is written then.
    Returns each written line's version after the import, by line id (a row that changes nothing writes nothing and
    is not in it): what an upload of the same file again knows was this import's doing. With the file's `download`
    id, the import's audit entry keeps them too (`download`, `versions`), read back by `selectors.earlier_imports`.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": locked.get_state_display()}, code="not_editable")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    rows = list(rows)
    lines = {line.pk: line for line in locked.lines.select_related("indicator").order_by("indicator__order")}
    unknown = [row for row in rows if row.get("line_id") not in lines]
    if unknown:
        raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line", details=[row.get("line_id") for row in unknown])
    stale = [lines[row["line_id"]].indicator.code for row in rows if lines[row["line_id"]].version != row["version"]]
    if stale:
        raise StaleVersion(MSG_IMPORT_STALE % {"n": len(stale)}, code="stale_rows", details=stale)
    errors: dict[str, str] = {}
    written: dict[int, int] = {}
    for row in rows:
        line = lines[row["line_id"]]
        try:
            saved = score_line_save_self(
                line=line, actor=actor, base_version=row["version"], value=row.get("value"),
                note=row.get("note", ""), explanation=row.get("explanation", ""),
                not_applicable=bool(row.get("not_applicable")),
                not_applicable_reason=row.get("not_applicable_reason", ""),
            )
        except ValidationFailed as exc:  # raised before anything of that row is written
            errors[line.indicator.code] = str(exc.message)
            continue
        if saved.version != row["version"]:
            written[line.pk] = saved.version
    if errors:
        raise ValidationFailed(
            ngettext(
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                len(errors),
            ) % {"n": len(errors)},
            code="import_invalid", details=errors,
        )
    if rows:
        audit_record(
            actor=actor, action="assessment.import_self", object_type="Assessment", object_id=locked.pk,
            unit=locked.unit, assessment=locked, changes={
                "rows": {"old": None, "new": len(rows)},
                **({"download": {"old": None, "new": download},
                    "versions": {"old": None, "new": {str(pk): v for pk, v in written.items()}}} if download else {}),
            },
        )
    return written
