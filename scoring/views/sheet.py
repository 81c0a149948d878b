"""The self-assessment sheet: the page, the per-leaf save (autosave or plain form post) and leaf history."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from appraisal.permissions import appraisal_hidden_from
from appraisal.services.review import REASON_ACCEPTED_ON_NOTE, REASON_NOTED_EVIDENCE
from evidence.services import REASON_FILE_DELETED, REASON_FILE_REPLACED
from scoring import engine, permissions, selectors, services
from scoring.administration import audit_labels
from scoring.errors import (
    StaleVersion,
    StateConflict,
    ValidationFailed,
    cycle_closed_message,
    self_edit_refusal,
)
from scoring.forms import field_label, method_input_context, method_value_from_post, value_summary
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.publication import selectors as publication_selectors
from scoring.self_rating import sheet_rating
from scoring.templatetags.scoring_tags import full_name
from scoring.text import normalize_line_breaks
from scoring.views._common import (
    area_extra_nodes,
    area_extras_said,
    evidence_ui_ready,
    explain_url,
    json_error,
    json_refusals,
    lands_on,
    line_payload,
    login_required_or_401,
    not_applicable_payload,
    refuse,
    score_text,
    stored_payload,
    totals_payload,
    value_shown,
    wants_json,
)

FIELD_LABELS = {  # lazy: translated when the history is shown, in that page's language
    "self_value": gettext_lazy("Số liệu tự chấm"),
    "self_score": gettext_lazy("Điểm tự chấm"),
    "not_applicable": gettext_lazy("Không phát sinh"),
    "not_applicable_reason": gettext_lazy("Lý do không phát sinh"),
    "self_note": gettext_lazy("Ghi chú"),
    "explanation": gettext_lazy("Giải trình"),
    "appraised_value": gettext_lazy("Số liệu thẩm định"),
    "appraised_score": gettext_lazy("Điểm thẩm định"),
    "evidence": gettext_lazy("Tài liệu kiểm chứng"),
}
# Reasons the system writes (untranslated) into the audit record; the people's own reasons are shown as written.
SYSTEM_REASONS = frozenset({REASON_FILE_DELETED, REASON_FILE_REPLACED, REASON_NOTED_EVIDENCE, REASON_ACCEPTED_ON_NOTE})


def prefix_of(line: ScoreLine | int) -> str:
    return f"l{line if isinstance(line, int) else line.pk}-"


@dataclass
class Posted:
    """What the user sent for one leaf (kept to re-render the form after a refusal)."""

    version: int | None
    value: dict[str, Any] | None
    note: str
    explanation: str
    not_applicable: bool
    not_applicable_reason: str
    error: dict[str, Any] | None = None
    conflict: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _parse(request: HttpRequest, line: ScoreLine) -> Posted:
    """The leaf's posted fields, from a JSON body or a form. A text field left out (a note, an explanation, a
    reason) is the stored one, never a wiped one; so, in JSON, are a value and a not-applicable flag left out (a
    form's unticked box is not sent: there it means "no")."""
    stored_value = line.self_value if isinstance(line.self_value, dict) else None
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
            data = None
        if not isinstance(data, dict):
            raise ValidationFailed(_("Dữ liệu gửi lên không đúng định dạng JSON."), code="invalid_json")
        value = data.get("value") if "value" in data else stored_value
        if value is not None and not isinstance(value, dict):
            raise ValidationFailed(_("Dữ liệu chấm điểm không hợp lệ."), code="invalid_value")
        raw_version = data.get("version")
        texts = ("note", "explanation", "not_applicable_reason")
        if any(not isinstance(data.get(key), str | None) for key in texts):  # a text, not {"a": 1} stored as one
            raise ValidationFailed(_("Ghi chú, giải trình và lý do phải là văn bản."), code="invalid_text")
        sent: Any = data
        flag = data.get("not_applicable", line.not_applicable)
    else:
        value = method_value_from_post(line.indicator, request.POST, prefix_of(line))
        raw_version = request.POST.get("version")
        sent = request.POST
        flag = request.POST.get("not_applicable")
    try:
        version = int(str(raw_version))
    except (TypeError, ValueError):
        version = None
    if version is not None and version < 1:  # a line's versions start at 1: no page ever sent one below
        version = None

    def text(key: str, stored: str) -> str:
        return str(sent.get(key) or "") if key in sent else stored

    return Posted(
        version=version,
        value=value,
        note=text("note", line.self_note),
        explanation=text("explanation", line.explanation),
        not_applicable=flag is True or str(flag).lower() in {"1", "on", "true", "yes"},
        not_applicable_reason=text("not_applicable_reason", line.not_applicable_reason),
    )


def _typed_view(indicator: Indicator, value: dict[str, Any] | None, *, not_applicable: bool) -> dict[str, str]:
    """What the user sent, in words, as the page shows numbers («0,25» typed is 0.25 shown in the page's
    language; as typed when the engine cannot read it), and with the score the engine gives it, written as the
    stored value is (`stored_payload`): the two sides of a conflict read alike («90 / 100 (0,40 điểm)» beside
    «95 / 100 (0,50 điểm)»)."""
    if not_applicable:
        words = _("Không phát sinh")
        return {"summary": words, "shown": words}
    score = None
    if value is not None:
        with contextlib.suppress(engine.EngineError):
            score, value = engine.score_and_normalize(selectors.leaf_rule(indicator), value)
    summary = value_summary(indicator, value)
    return {"summary": summary, "shown": value_shown(indicator, summary, score)}


_CONFLICT_TEXTS = (  # the texts a conflict panel compares besides the value, with their labels
    ("note", gettext_lazy("Ghi chú")),
    ("explanation", gettext_lazy("Giải trình")),
    ("not_applicable_reason", gettext_lazy("Lý do không phát sinh")),
)


def _differences(yours: dict[str, Any], stored: dict[str, Any]) -> list[dict[str, str]]:
    """Each text of the leaf that differs between what the user sent and what is stored (the value is always
    shown): keeping one's own must not silently overwrite a colleague's explanation."""
    out = []
    for key, label in _CONFLICT_TEXTS:
        mine, theirs = (normalize_line_breaks(str(side.get(key) or "")).strip() for side in (yours, stored))
        if mine != theirs:
            out.append({"field": key, "label": str(label), "yours": mine or "—", "stored": theirs or "—"})
    return out


def _leaf_views(
    request: HttpRequest, sheet: selectors.AssessmentSheet, editable: bool, posted: dict[int, Posted]
) -> dict[int, dict[str, Any]]:
    """Per line: the method input, the form fields (stored or as posted) and the evidence partial's context."""
    user = request.user
    page_url = reverse("scoring:assessment", args=[sheet.assessment.pk])
    # One reverse for the page; the leaves' addresses hang below it (reversing per leaf dominated the render).
    line_base = reverse("scoring:line_save", args=[sheet.assessment.pk, 0]).removesuffix("0/")
    views: dict[int, dict[str, Any]] = {}
    for row in sheet.leaves:
        line, ind = row.line, row.indicator
        mine = posted.get(line.pk)
        can_edit = editable and row.self_scored
        value = mine.value if mine else line.self_value
        error_field = (mine.error or {}).get("field") if mine else None
        views[line.pk] = {
            "row": row,
            "line": line,
            "prefix": prefix_of(line),
            "editable": can_edit,
            "input": method_input_context(ind, value, prefix_of(line), not can_edit, error_field=error_field,
                                          typed=mine is not None and mine.value is not None),
            "version": mine.conflict["stored"]["version"] if mine and mine.conflict else line.version,
            "note": mine.note if mine else line.self_note,
            "explanation": mine.explanation if mine else line.explanation,
            "not_applicable": mine.not_applicable if mine else line.not_applicable,
            "not_applicable_reason": mine.not_applicable_reason if mine else line.not_applicable_reason,
            "error": mine.error if mine else None,
            "conflict": mine.conflict if mine else None,
            "evidence_editable": permissions.can_attach_evidence(user, line),
            "next": f"{page_url}#line-{line.pk}",
            "save_url": f"{line_base}{line.pk}/",
            "history_url": f"{line_base}{line.pk}/lich-su/",
        }
    return views


def leaf_labels() -> dict[str, str]:
    """The words repeated on every leaf, translated once per page rather than once per leaf."""
    return {
        "max": _("Tối đa"), "bonus_max": _("Cộng tối đa"), "penalty_max": _("Trừ tối đa"),
        "floor": _("thấp nhất"), "score": _("Điểm"), "na_short": _("KPS"),
        "evidence_required": _("Cần tài liệu kiểm chứng"), "appraised_by": _("Thẩm định"),
        "na": _("Không phát sinh"), "na_reason": _("Lý do không phát sinh"), "note": _("Ghi chú"),
        "explanation": _("Giải trình"), "required": _("bắt buộc: chưa có tài liệu kiểm chứng"),
        "no_evidence": _("chưa có tài liệu kiểm chứng"), "save": _("Lưu"),
        "keep_mine": _("Giữ giá trị của tôi"), "evidence": _("Tài liệu kiểm chứng"),
        "history": _("Lịch sử thay đổi"), "see_history": _("Xem lịch sử thay đổi"),
    }


def render_sheet(
    request: HttpRequest, assessment: Assessment, *, status: int = 200, posted: dict[int, Posted] | None = None,
    withdraw: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sheet; `posted`: leaves drawn as sent, with their refusal; `withdraw`: a refused withdrawal («reason» as
    typed, «error»), drawn in its form."""
    sheet = selectors.assessment_sheet(assessment=assessment)
    user = request.user
    editable = permissions.can_edit_self_assessment(user, assessment)
    evidence_ready = evidence_ui_ready(assessment)
    views = _leaf_views(request, sheet, editable, posted or {})
    is_member = permissions.is_unit_member(user, assessment.unit_id)
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "views": views,
        "t": leaf_labels(),
        "editable": editable,
        "evidence_ready": evidence_ready,
        "is_member": is_member,
        "other_years": selectors.other_years_of(assessment=assessment) if is_member else [],
        # the years of the units merged into this one, which its people read (never change)
        "predecessor_years": selectors.predecessor_years_of(assessment=assessment, user=user) if is_member else [],
        "can_submit": permissions.can_submit(user, assessment),
        "is_head": permissions.is_unit_head(user, assessment.unit_id),
        "deadline": permissions.self_assessment_deadline(assessment),
        "deadline_passed": permissions.deadline_passed(assessment),
        "cycle_closed": cycle_closed_message(assessment.cycle),
        "explain_url": explain_url(assessment) if assessment.state == Assessment.State.EXPLANATION else None,
        "explanation_deadline_passed": assessment.explanation_deadline is not None
        and timezone.now() > assessment.explanation_deadline,
        "rating": sheet_rating(sheet),
        "area_extras": area_extras_said(sheet.indicators, codes=False),
        "area_extra_codes": [n.code for nodes in area_extra_nodes(sheet.indicators).values() for n in nodes],
        "withdraw": withdraw or {},
        # signed off: its year's results page is linked only once the year is published (one query, then only)
        "results_published": assessment.state == Assessment.State.SIGNED_OFF
        and publication_selectors.is_published(cycle=assessment.cycle),
    }
    return render(request, "scoring/sheet.html", context, status=status)


@login_required
@require_GET
def assessment_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    return render_sheet(request, assessment)


def edit_refusal(request: HttpRequest, assessment: Assessment) -> HttpResponse | None:
    """None when the user may edit; else 409 for the unit's own people (state or deadline) and 403 for others."""
    if permissions.can_edit_self_assessment(request.user, assessment):
        return None
    if not permissions.is_unit_member(request.user, assessment.unit_id):
        return refuse(request, _("Chỉ cán bộ của đơn vị được sửa bản tự đánh giá."), status=403)
    message, code = self_edit_refusal(assessment)
    if wants_json(request):
        return json_error(409, code, message)
    messages.error(request, message)
    return redirect("scoring:assessment", assessment.pk)


def _refused_for_its_state(request: HttpRequest, assessment: Assessment) -> bool:
    """One of the unit's own people, who may not edit now only because of the assessment's state or deadline."""
    return not permissions.can_edit_self_assessment(request.user, assessment) and permissions.is_unit_member(
        request.user, assessment.unit_id)


def _line_page(assessment_id: int, line_id: int) -> str:
    return reverse("scoring:assessment", args=[assessment_id]) + f"#line-{line_id}"


@lands_on(_line_page)
@login_required_or_401
@require_POST
@json_refusals
def line_save(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """Save one leaf. JSON in or out for the page's autosave; a plain form post re-renders the page."""
    line = permissions.line_get_for_save(user=request.user, assessment_id=assessment_id, line_id=line_id)
    assessment = line.assessment
    as_json = wants_json(request)
    if not as_json and _refused_for_its_state(request, assessment):
        # A plain form post (no script) from the unit's own people, refused because the assessment was just
        # submitted or its deadline passed: the page again with what was typed, to copy, and why.
        try:
            posted = _parse(request, line)
        except ValidationFailed:
            return edit_refusal(request, assessment) or redirect("scoring:assessment", assessment.pk)
        message, code = self_edit_refusal(assessment)
        posted.error = {"message": str(message), "field": None, "code": code}
        return render_sheet(request, assessment, status=409, posted={line.pk: posted})
    refusal = edit_refusal(request, assessment)
    if refusal is not None:
        return refusal
    try:
        posted = _parse(request, line)
    except ValidationFailed as exc:
        return json_error(400, exc.code, exc.message) if as_json else refuse(request, exc.message, status=400)
    if posted.version is None:
        message = _("Thiếu phiên bản của dòng; hãy tải lại trang.")
        posted.error = {"message": message, "field": "version"}
        if as_json:
            return json_error(400, "invalid_version", message, "version")
        return render_sheet(request, assessment, status=400, posted={line.pk: posted})
    fields = {
        "line": line, "actor": request.user, "base_version": posted.version, "value": posted.value,
        "note": posted.note, "explanation": posted.explanation, "not_applicable": posted.not_applicable,
        "not_applicable_reason": posted.not_applicable_reason,
    }
    totals: selectors.SheetTotals | None = None
    try:
        if as_json:  # the page's autosave: the running totals come with the save
            saved, totals = services.score_line_save_self_with_totals(**fields)
        else:
            saved = services.score_line_save_self(**fields)
    except ValidationFailed as exc:
        field_name = exc.details.get("field") if isinstance(exc.details, dict) else None
        if exc.code == "missing_value":  # the engine names its field; say it with the label on the page
            exc.message = _("Hãy nhập «%(label)s».") % {"label": field_label(line.indicator, field_name)}
        if exc.code in {"na_reason_required", "na_not_allowed", "na_reason_without_na"}:
            field_name = "not_applicable_reason" if exc.code == "na_reason_required" else "not_applicable"
        text_label = dict(_CONFLICT_TEXTS).get(field_name or "")
        if text_label and exc.code in {"too_long", "hidden_characters"}:  # say which of the leaf's texts
            exc.message = f"{text_label}: {exc.message}"
            if exc.code == "too_long":
                exc.message += " " + _("Chưa lưu: hãy rút gọn rồi lưu lại; nội dung anh/chị đã nhập vẫn còn trong ô.")
        posted.error = {"message": str(exc.message), "field": field_name, "code": exc.code}
        if as_json:
            return json_error(400, exc.code, exc.message, field_name)
        return render_sheet(request, assessment, status=400, posted={line.pk: posted})
    except StaleVersion as exc:
        stored = exc.details
        stored_line = ScoreLine.objects.select_related("indicator", "updated_by").get(pk=stored.pk)
        yours = {
            "value": posted.value,
            **_typed_view(line.indicator, posted.value, not_applicable=posted.not_applicable),
            "note": posted.note,
            "explanation": posted.explanation,
            "not_applicable": posted.not_applicable,
            "not_applicable_reason": posted.not_applicable_reason,
            "version": posted.version,
        }
        stored_view = stored_payload(stored_line)
        # The stored leaf's score as the page shows it when the user takes it (a KPS leaf: with its points).
        stored_view.update(not_applicable_payload(stored_line, index_mode=assessment.indicator_set.index_mode))
        conflict = {"yours": yours, "stored": stored_view, "differences": _differences(yours, stored_view)}
        if as_json:
            # The totals as stored: the page shows them when the user takes the stored value.
            stored_totals = totals_payload(selectors.assessment_totals(assessment=assessment))
            return json_error(409, "stale_version", exc.message, None, totals=stored_totals, **conflict)
        posted.conflict = conflict
        posted.error = {"message": str(exc.message), "field": None, "code": "stale_version"}
        return render_sheet(request, assessment, status=409, posted={line.pk: posted})
    except StateConflict as exc:
        if as_json:
            return json_error(409, exc.code, exc.message)
        messages.error(request, str(exc.message))
        return redirect("scoring:assessment", assessment.pk)
    # Every write moves the line's version: a line still at the version sent is one the save left as it was. (The
    # same content sent again from an older version, a save whose answer was lost, is answered as saved: it is.)
    changed = saved.version != posted.version
    if totals is not None:
        payload = line_payload(saved, files=totals.files.get(saved.pk, 0))
        payload.update(not_applicable_payload(saved, index_mode=assessment.indicator_set.index_mode))
        answer: dict[str, Any] = {"ok": True, "changed": changed, "line": payload, "totals": totals_payload(totals)}
        if changed:
            # When the leaf was saved by the server's clock, in the site's time zone: the page says «saved at» with
            # it, not with the browser's clock (a PC's may be wrong).
            at = timezone.localtime(saved.updated_at or timezone.now(), timezone.get_default_timezone())
            answer.update(saved_at=at.isoformat(timespec="seconds"), saved_time=at.strftime("%H:%M"))
        else:  # nothing written: no time of a save to give (the leaf's last change is not this save)
            answer["message"] = _("Không có thay đổi.")
        return JsonResponse(answer)
    if changed:
        messages.success(
            request,
            _("Đã lưu tiêu chí %(code)s: %(score)s điểm.") % {"code": line.indicator.code,
                                                               "score": score_text(saved.self_score)},
        )
    else:
        messages.info(request, _("Tiêu chí %(code)s không có thay đổi.") % {"code": line.indicator.code})
    return redirect(reverse("scoring:assessment", args=[assessment.pk]) + f"#line-{line.pk}")


def _history_rows(line: ScoreLine, entries: list[Any], indicator: Indicator) -> list[dict[str, Any]]:
    """The leaf's audit entries as the history lists them, a line per change. A value shown alike before and after
    has no line; an entry left with none is left out when its values were recorded as different (text saved before
    line breaks were normalised, «0.50» and «0.5»), kept when it recorded a value unchanged on purpose (the team's
    acceptance of the unit's «không phát sinh» names the declaration it accepts: Có → Có)."""
    out: list[dict[str, Any]] = []
    for entry in entries:
        changes = []
        recorded_different = False
        for key, change in (entry.changes or {}).items():
            old, new = (change.get("old"), change.get("new")) if isinstance(change, dict) else (None, change)
            recorded_different = recorded_different or old != new
            if isinstance(old, str) and isinstance(new, str) and (
                normalize_line_breaks(old) == normalize_line_breaks(new)
            ):
                continue  # text saved before line breaks were normalised (CR+LF → LF): not a change to show
            if key in {"self_value", "appraised_value"}:
                old, new = value_summary(indicator, old), value_summary(indicator, new)
            elif key in {"self_score", "appraised_score"}:
                old, new = score_text(old), score_text(new)
            elif key == "evidence":  # the evidence app records {"file_id", "name"}
                old, new = ((v.get("name") if isinstance(v, dict) else v) for v in (old, new))
            elif isinstance(old, bool) or isinstance(new, bool):
                old, new = (_("Có") if old else _("Không")), (_("Có") if new else _("Không"))
            old, new = (old if old not in (None, "") else "—"), (new if new not in (None, "") else "—")
            if str(old) == str(new):
                continue  # alike as shown: not a change to show
            label = FIELD_LABELS.get(key) or audit_labels.FIELD_LABELS.get(key, key)
            changes.append({"label": label, "old": old, "new": new})
        if entry.changes and not changes and recorded_different:
            continue
        out.append({
            "at": entry.at,
            "actor": full_name(entry.actor) if entry.actor_id else _("Hệ thống"),
            "action": audit_labels.action_label(entry.action),  # the audit page's names
            "changes": changes,
            "reason": _(entry.reason) if entry.reason in SYSTEM_REASONS else entry.reason,
        })
    return out


@login_required
@require_GET
def line_history(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """Who changed the leaf, when, old → new (a fragment with ?partial=1, for the page's details element)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    entries = selectors.line_history(line=line)
    if appraisal_hidden_from(request.user, assessment):  # the team's steps are the team's, even once signed off
        entries = [e for e in entries if e.action != "score_line.appraise"]
    context = {
        "assessment": assessment,
        "line": line,
        "rows": _history_rows(line, entries, line.indicator),
    }
    template = "scoring/_line_history.html" if request.GET.get("partial") else "scoring/line_history.html"
    return render(request, template, context)
