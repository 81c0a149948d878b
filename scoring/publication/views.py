"""Publication pages. Public pages (no login) read a publication's snapshot; an unpublished year is a 404 for
everyone but the administrators' preview. Thin: parse, authorize, call one selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial, wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from scoring import permissions
from scoring.administration.services.cycles import cycle_drafts_standing
from scoring.errors import DomainError
from scoring.models import Cycle, ExportJob, Publication, Unit
from scoring.publication import charts, docs, downloads, exports, selectors, services
from scoring.templatetags.data_language import marked_language, vi
from scoring.text import posted_id
from scoring.views._common import lands_on

# Above this many units the results page's Excel link asks for the workbook in the background (a job page shows its
# progress) rather than writing it in the request: the national workbook (4,080 units) takes about 6 s of CPU.
LARGE_WORKBOOK_UNITS = 500


class PublishForm(forms.Form):
    document_number = forms.CharField(
        label=gettext_lazy("Số văn bản phê duyệt"), max_length=200,
        help_text=gettext_lazy("Ví dụ: Công văn số 4567/UBND-NC"),
    )
    document_date = forms.DateField(
        label=gettext_lazy("Ngày văn bản (dd/mm/yyyy)"), input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do đính chính (bắt buộc khi công bố lại)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    document_only = forms.BooleanField(
        label=gettext_lazy("Tôi xác nhận lần công bố này chỉ đính chính thông tin văn bản (số, ngày văn bản): chỉ số, "
                           "thứ hạng, xếp loại và điểm không thay đổi."),
        required=False,
    )
    # the confirmation is part of the form, checked here (no dialog of the browser): its label says what is published
    # (`_confirmation_label`), so that the administrator reads it before sending, with or without scripts
    confirmed = forms.BooleanField(
        label=gettext_lazy("Tôi xác nhận công bố: trang công khai và dữ liệu mở sẽ hiện ngay kết quả này."),
        error_messages={"required": gettext_lazy("Chưa công bố gì: hãy đánh dấu ô «Tôi xác nhận công bố…» ở cuối biểu "
                                                 "mẫu.")},
    )


def _confirmation_label(*, year: int, units: int, correction: bool) -> str:
    """The publish form's confirmation, naming the year and how many units are published."""
    if correction:
        return ngettext(
            "Tôi xác nhận công bố bản đính chính kết quả năm %(year)s (%(n)s đơn vị) theo văn bản đã nhập ở trên: "
            "trang công khai và dữ liệu mở sẽ hiện ngay bản này.",
            "Tôi xác nhận công bố bản đính chính kết quả năm %(year)s (%(n)s đơn vị) theo văn bản đã nhập ở trên: "
            "trang công khai và dữ liệu mở sẽ hiện ngay bản này.", units) % {"year": year, "n": units}
    return ngettext(
        "Tôi xác nhận công bố kết quả năm %(year)s (%(n)s đơn vị) theo văn bản đã nhập ở trên: trang công khai và dữ "
        "liệu mở sẽ hiện ngay kết quả này.",
        "Tôi xác nhận công bố kết quả năm %(year)s (%(n)s đơn vị) theo văn bản đã nhập ở trên: trang công khai và dữ "
        "liệu mở sẽ hiện ngay kết quả này.", units) % {"year": year, "n": units}


def _revision(request: HttpRequest) -> int | None:
    """The revision asked for by `?lan=` (None: the latest). A value that names no revision («-1», «1.0», «²»)
    is one that does not exist (404), as `?lan=0` is: a link never silently shows another revision."""
    raw = request.GET.get("lan", "").strip()
    return (posted_id(raw) or 0) if raw else None


def _admin_only(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_publish(request.user):
        return render(request, "scoring/refused.html",
                      {"message": _("Chỉ Sở Nội vụ (quản trị) được công bố kết quả.")}, status=403)
    return None


# --- public pages ------------------------------------------------------------------------------------------


def _not_published(request: HttpRequest, *, year: int, revision: int | None = None, unit_code: str = "",
                   unit_missing: bool = False) -> HttpResponse:
    """The 404 of a year not published, of a revision it does not have (`revision`), or of a unit without a result
    in a published year (`unit_missing`): what is missing, said as such, with the published years (and the unit's,
    when a publication has it). A unit no publication has is the generic 404: its address does not give its name
    away."""
    unit = selectors.published_unit(unit_code=unit_code) if unit_code else None
    if unit_missing and unit is None:
        raise Http404
    manage = (revision is None and not unit_missing and permissions.can_publish(request.user)
              and Cycle.objects.filter(year=year).exists())
    return render(request, "scoring/publication/not_published.html", {
        "years": [] if unit_missing or revision is not None else [year],
        "year": year, "revision": revision, "unit": unit, "unit_missing": unit_missing,
        "manage_year": year if manage else None,
        "publications": selectors.published_cycles(),
    }, status=404)


def _explains_missing(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A public view of a year's results whose 404s say what is missing (`_not_published`): a year not published,
    a revision it does not have, a unit without a result that year."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except selectors.NotPublished as missing:
            return _not_published(request, year=missing.year, revision=missing.revision,
                                  unit_code=kwargs.get("unit_code", ""))
        except selectors.UnitNotPublished as missing:
            return _not_published(request, year=kwargs["year"], unit_code=missing.unit_code, unit_missing=True)

    return wrapper


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    manageable = Cycle.objects.order_by("-year") if permissions.can_publish(request.user) else []
    return render(request, "scoring/publication/index.html",
                  {"publications": selectors.published_cycles(), "manageable": manageable})


@require_safe
@_explains_missing
def cycle_results(request: HttpRequest, year: int) -> HttpResponse:
    publication = selectors.publication_get(year=year, revision=_revision(request))
    snap = publication.snapshot
    query, group, band = request.GET.get("q", "")[:100], request.GET.get("khoi", ""), request.GET.get("xep_loai", "")
    tables = selectors.ranking_tables(snapshot=snap, query=query, group=group, classification=band)
    step = selectors.distribution_step(snap)
    data_lang, heading = marked_language(), _("Xếp hạng — %(g)s")
    for t in tables:
        # Drawn only when the template renders it (the tables of an immutable publication are cached). Every
        # group on one scale: the standard maximum (`charts.scale_top`). On a page in another language than the
        # data's, the units' names are drawn marked Vietnamese and the chart named by HTML with its group's name
        # marked so (an aria-label cannot mark a part of it).
        name = charts.Name(
            id=f"chart-name-{t.code or 'khac'}",
            html=mark_safe(escape(heading) % {"g": vi(t.name)}),  # noqa: S308 — both parts escaped
        ) if data_lang else None
        t.chart = partial(  # type: ignore[attr-defined]
            charts.ranking_bars, [(r["unit_name"], Decimal(r["index"])) for r in t.rows],
            title=heading % {"g": t.name}, scale_max=step * 20, fluid=True, data_lang=data_lang, name=name,
        )
    others = [p for p in selectors.published_cycles() if p.cycle.year != year]
    # The histogram counts the units the page lists: the filters' (search, group, classification), or every unit.
    indexes = [Decimal(r["index"]) for t in tables for r in t.rows]
    filtered = bool(query or group or band)
    revisions = selectors.publication_revisions(cycle_id=publication.cycle_id)
    corrected = selectors.corrections(publication=publication, revisions=revisions)
    public_sets = selectors.public_set_keys(snap.get("sets", {}))
    return render(request, "scoring/publication/cycle.html", {
        "publication": publication,
        "snapshot": snap,
        "tables": tables,
        "areas": selectors.areas(snap),
        "groups": snap.get("groups", []),
        "classifications": selectors.classifications(snap),
        "query": query, "group": group, "band": band,
        "filtered": filtered,
        "units_total": len(snap.get("rows", [])),
        "units_shown": len(indexes),
        # units that never submitted their self-assessment among those listed: the legend of their mark
        "not_submitted": any(r.get("not_submitted") for t in tables for r in t.rows),
        # unit code → the corrections that changed its result (the rows marked «đã đính chính»)
        "corrected": {code: found[-1] for code, found in corrected.items()},
        "stamp": publication.published_at.isoformat(),
        "revisions": revisions,
        "results_corrected": selectors.results_corrected_since(publication=publication, revisions=revisions),
        "scales": selectors.classification_scales(snap),
        "others": others,
        "distribution": charts.distribution(
            indexes, step=step,
            title=_("Phân bố chỉ số các đơn vị khớp điều kiện lọc") if filtered else _("Phân bố chỉ số các đơn vị"),
        ),
        "distribution_bins": charts.distribution_bins(indexes, step=step),
        # One Excel link: a large publication's workbook (seconds of CPU to write) is built in the background.
        "xlsx_in_background": len(snap.get("rows", [])) > LARGE_WORKBOOK_UNITS,
        # the year's sets with a public page, linked with «Cách tính chỉ số»
        "set_links": [{"key": key, "name": s.get("name") or key} for key, s in snap.get("sets", {}).items()
                      if key in public_sets],
    })


@require_safe
@_explains_missing
def unit_page(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    publication = selectors.publication_get(year=year, revision=_revision(request), with_scores=True)
    snap = publication.snapshot
    row = selectors.unit_row(snapshot=snap, unit_code=unit_code)
    notes = selectors.own_notes(user=request.user, publication=publication, unit_code=row["unit_code"],
                               unit_id=row["unit_id"])
    breakdown = selectors.unit_breakdown(snapshot=snap, scores=publication.scores, row=row, notes=notes)
    average = selectors.group_area_average(snapshot=snap, group_code=row["group_code"], set_key=row["set_key"])
    area_rows = [
        (a["name"], Decimal(a["max_points"]), Decimal(row["area_totals"].get(a["code"], "0")),
         average.get(a["code"], Decimal("0")), a["code"])
        for a in selectors.areas({"sets": {row["set_key"]: snap["sets"][row["set_key"]]}})
    ]
    history = selectors.rank_history(unit_id=row["unit_id"], shown=publication)
    revisions = selectors.publication_revisions(cycle_id=publication.cycle_id)
    latest = revisions[0] if revisions else None
    group_name = next((g["name"] for g in snap.get("groups", []) if g["code"] == row["group_code"]), "")
    area_chart_title = _("Điểm từng lĩnh vực so với bình quân khối")
    return render(request, "scoring/publication/unit.html", {
        "publication": publication,
        "row": row,
        "group_name": group_name,
        "group_size": len(selectors.group_rows(snapshot=snap, group_code=row["group_code"])),
        "breakdown_sections": selectors.breakdown_sections(breakdown, row=row),
        "area_rows": area_rows,
        # the units the «Bình quân khối» column averages: the group's units of the unit's set, those at 0 included
        "average_scope": selectors.group_average_scope(snapshot=snap, group_code=row["group_code"],
                                                       set_key=row["set_key"]),
        "area_chart": charts.area_comparison(
            [(n, m, mine, avg) for n, m, mine, avg, _c in area_rows],
            title=area_chart_title, first=_("Đơn vị"), second=_("Bình quân khối"), data_lang=marked_language(),
        ),
        "area_chart_title": area_chart_title,
        "history": history,
        "history_not_submitted": any(h.not_submitted for h in history),
        # A year the unit did not submit its self-assessment: its own marker and legend entry (`charts.trend`).
        "trend_chart": charts.trend([(str(h.year), h.index) for h in history], title=_("Chỉ số qua các năm"),
                                    scale_max=Decimal(str(snap["sets"][row["set_key"]].get("standard_max", "100"))),
                                    marked=[h.not_submitted for h in history],
                                    marked_label=_("Không gửi báo cáo tự đánh giá")),
        "explanation": selectors.rank_explanation(snapshot=snap, scores=publication.scores, row=row),
        "own": notes is not None,
        "notes_not_kept": notes is not None and selectors.notes_not_kept(publication),
        "set": snap["sets"][row["set_key"]],
        "set_public": row["set_key"] in selectors.public_set_keys([row["set_key"]]),
        "latest": latest,
        "results_corrected": selectors.results_corrected_since(publication=publication, revisions=revisions),
        # The corrections up to the revision shown that changed this unit's index, rank or classification.
        "corrections": selectors.corrections(publication=publication, revisions=revisions).get(row["unit_code"], []),
    })


@require_safe
@_explains_missing
def index_method(request: HttpRequest, year: int) -> HttpResponse:
    """«Cách tính chỉ số»: how the year's published index is computed, set by set, read from the publication's
    snapshot (areas and maxima, standard maximum, bonus and penalty and their caps, «không phát sinh» by the index
    mode, rounding, a unit's index worked out), with the ranking's rule, the classification bands and what «Không gửi
    báo cáo tự đánh giá» means. `?lan=` names a revision. Three queries (publication, revisions, the sets' caps and
    status)."""
    publication = selectors.publication_get(year=year, revision=_revision(request))
    snap = publication.snapshot
    revisions = selectors.publication_revisions(cycle_id=publication.cycle_id)
    return render(request, "scoring/publication/method.html", {
        "publication": publication,
        "revisions": revisions,
        "sets": selectors.index_method(snap),
        "groups": selectors.ranking_tables(snapshot=snap),
        "scales": selectors.classification_scales(snap),
        "not_submitted": sum(1 for r in snap.get("rows", []) if r.get("not_submitted")),
    })


@require_safe
def compare(request: HttpRequest, year: int, other: int) -> HttpResponse:
    earlier_year, later_year = sorted((year, other))
    published = selectors.published_cycles()
    missing = sorted({earlier_year, later_year} - {p.cycle.year for p in published})
    if missing or year == other:
        # a year not published (or no cycle at all), or a year beside itself: said so, with the years that are, the
        # comparisons there are to make (needing a second published year), and the way back (still a 404)
        back = year if year not in missing else (other if other not in missing else None)
        return render(request, "scoring/publication/not_published.html", {
            "years": missing, "publications": published, "compare": True, "same_year": year == other,
            "back_year": back, "published_count": len(published),
            "comparisons": [(a.cycle.year, b.cycle.year) for a in published for b in published
                            if a.cycle.year > b.cycle.year],
        }, status=404)
    earlier = selectors.publication_get(year=earlier_year)
    later = selectors.publication_get(year=later_year)
    changes = selectors.year_over_year(earlier=earlier, later=later)
    return render(request, "scoring/publication/compare.html", {
        "earlier": earlier, "later": later, "changes": changes, "tables": selectors.change_tables(changes),
        "set_changes": selectors.set_changes_summary(changes),
        "not_submitted": any(c.not_submitted for c in changes),
    })


@require_safe
def open_data_docs(request: HttpRequest) -> HttpResponse:
    """What the open-data files and the API's fields mean, as a page: docs/open-data.md, or its English
    translation docs/open-data.en.md on the English interface."""
    return render(request, "scoring/publication/open_data.html", {
        "document": docs.open_data_document(),
        # each published year's «Cách tính chỉ số»
        "publications": selectors.published_cycles(),
    })


# --- downloads ---------------------------------------------------------------------------------------------


def _file(request: HttpRequest, year: int, name: str, build: Callable[[Publication], HttpResponseBase], *,
          compress: bool = True) -> HttpResponseBase:
    """A publication's file, cached and revalidated (`downloads.served`); `?lan=` names a revision that never
    changes."""
    revision = _revision(request)
    publication = selectors.publication_get(year=year, revision=revision)
    return downloads.served(request, publication, name=name, pinned=revision is not None, compress=compress,
                            build=lambda: build(publication))


@require_safe
@_explains_missing
def results_csv(request: HttpRequest, year: int) -> HttpResponseBase:
    return _file(request, year, "results.csv", downloads.results_csv)


@require_safe
@_explains_missing
def criteria_csv(request: HttpRequest, year: int) -> HttpResponseBase:
    """Open data, one row per unit and criterion (appraised scores as published)."""
    return _file(request, year, "criteria.csv", partial(downloads.criteria_csv, actor=request.user))


@require_safe
@_explains_missing
def results_json(request: HttpRequest, year: int) -> HttpResponseBase:
    return _file(request, year, "results.json", downloads.results_json)


@require_safe
@_explains_missing
def results_xlsx(request: HttpRequest, year: int) -> HttpResponseBase:
    """The official workbook: built once per publication and then streamed to everyone (already compressed)."""
    return _file(request, year, "results.xlsx", partial(downloads.results_xlsx, actor=request.user), compress=False)


@lands_on("publication:cycle", "year")
@require_POST
@_explains_missing
def export_request(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    """Ask for a long export (PDF report or official workbook) built in the background."""
    if kind not in ("pdf", "xlsx"):
        raise Http404
    publication = selectors.publication_get(year=year, revision=_revision(request))
    job = services.export_job_create(publication=publication, kind=kind, actor=request.user)
    return redirect("publication:job", job_id=job.pk)


@lands_on("publication:unit", "year", "unit_code")
@require_POST
@_explains_missing
def evidence_pack_request(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """A unit's evidence pack: the unit's own people and administrators only (others: 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("publication:unit", args=[year, unit_code]))
    publication = selectors.publication_get(year=year)
    unit = get_object_or_404(Unit, code=unit_code)
    if not permissions.can_view_published_notes(request.user, unit.pk):
        raise Http404
    job = services.export_job_create(publication=publication, kind="evidence", actor=request.user, unit=unit)
    return redirect("publication:job", job_id=job.pk)


def _job_for(request: HttpRequest, job_id: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("publication__cycle", "unit"), pk=job_id)
    if job.unit_id is not None and not permissions.can_view_published_notes(request.user, job.unit_id):
        raise Http404
    return job


@require_safe
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Progress of an export: a page that refreshes itself (and a small script polls the JSON form)."""
    export = _job_for(request, job_id)
    download = reverse("publication:job_download", args=[export.pk]) if export.status == ExportJob.Status.DONE else ""
    if request.GET.get("format") == "json":
        return JsonResponse({"status": export.status, "progress": export.progress, "download": download,
                             "error": export.error[:300] if export.status == ExportJob.Status.FAILED else ""})
    return render(request, "scoring/publication/job.html", {"job": export, "download": download})


@require_safe
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    export = _job_for(request, job_id)
    if export.status != ExportJob.Status.DONE:
        raise Http404
    path = exports.job_path(export)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name)


# --- administration: preview and publish --------------------------------------------------------------------


@require_safe
def manage(request: HttpRequest, year: int) -> HttpResponse:
    refusal = _admin_only(request)
    if refusal:
        return refusal
    cycle = get_object_or_404(Cycle, year=year)
    return _manage_page(request, cycle, PublishForm())


# The drafts' guidance on the publish page, one group each (its advice said once), in this order: those that can be
# handed over now first.
DRAFT_GUIDANCE = ("overdue", "request", "own-deadline", "cycle-deadline", "no-deadline")
HAND_OVER_REASON = gettext_lazy("Đơn vị không gửi bản tự đánh giá đúng hạn")


def _guidance(draft: Any) -> str:
    if draft.request_id:
        return "request"
    if draft.passed:
        return "overdue"
    if not draft.deadline:
        return "no-deadline"
    return "own-deadline" if draft.own else "cycle-deadline"


def _manage_page(request: HttpRequest, cycle: Cycle, form: PublishForm, status: int = 200, *,
                 hand_over_reason: str | None = None, hand_over_error: str = "") -> HttpResponse:
    phase_blocker = services.publication_phase_blocker(cycle=cycle)
    unit_blockers = services.publication_unit_blockers(cycle=cycle)
    preview = services.publish_form_context(cycle=cycle)
    snapshot, floor = preview.snapshot, preview.floor
    if floor is not None:  # the earliest date the service accepts, stated beside the field before it is sent
        form.fields["document_date"].widget.attrs["min"] = floor.day.isoformat()
    revisions = selectors.publication_revisions(cycle_id=cycle.pk)
    # Against the published revision: the units whose index, rank or classification the new one changes.
    diff = (selectors.revision_diff(published=selectors.publication_get(year=cycle.year).snapshot, preview=snapshot)
            if revisions else None)
    # a unit that has not submitted: what may be done about it now (handed over only once its deadline passed)
    drafts = ({d.assessment_id: d for d in cycle_drafts_standing(cycle=cycle)}
              if any(getattr(b, "is_draft", False) for b in unit_blockers) else {})
    # the drafts grouped by what may be done about them (the advice said once per group), the others one by one
    grouped: dict[str, list[tuple[Any, Any]]] = {}
    others = []
    for b in unit_blockers:
        draft = drafts.get(getattr(b, "assessment_id", 0)) if getattr(b, "is_draft", False) else None
        if draft is None:
            others.append(b)
        else:
            grouped.setdefault(_guidance(draft), []).append((b, draft))
    label = _confirmation_label(year=cycle.year, units=len(snapshot.get("rows", [])), correction=bool(revisions))
    form.fields["confirmed"].label = label
    form["confirmed"].label = label  # a validated form's field was bound (and its label read) before
    return render(request, "scoring/publication/manage.html", {
        "cycle": cycle, "form": form, "blockers": bool(phase_blocker or unit_blockers),
        "phase_blocker": phase_blocker, "unit_blockers": unit_blockers,
        "other_blockers": others,
        "draft_groups": [(kind, grouped[kind]) for kind in DRAFT_GUIDANCE if kind in grouped],
        "cycle_deadline": cycle.self_assessment_deadline,
        "hand_over_count": len(grouped.get("overdue", [])),
        "hand_over_reason": HAND_OVER_REASON if hand_over_reason is None else hand_over_reason,
        "hand_over_error": hand_over_error,
        "tables": selectors.ranking_tables(snapshot=snapshot), "revisions": revisions, "correction": bool(revisions),
        "diff": diff, "date_floor": floor, "units_published": len(snapshot.get("rows", [])),
        "sets": selectors.cycle_published_sets(cycle=cycle),
    }, status=status)


@lands_on("publication:manage", "year")
@require_POST
def hand_over_overdue(request: HttpRequest, year: int) -> HttpResponse:
    """Hand over to the appraisal team every unit whose self-assessment deadline passed without a submission (the
    number shown on the page, its box «Tôi xác nhận…» ticked, with a reason), all or nothing; refused, the page again
    with what was typed."""
    refusal = _admin_only(request)
    if refusal:
        return refusal
    cycle = get_object_or_404(Cycle, year=year)
    reason = request.POST.get("reason", "")
    try:
        count = services.cycle_overdue_drafts_hand_over(
            cycle=cycle, actor=request.user, reason=reason, expected=posted_id(request.POST.get("count", "")) or 0,
            confirmed=request.POST.get("confirmed") == "1",
        )
    except DomainError as exc:
        return _manage_page(request, cycle, PublishForm(), status=exc.status, hand_over_reason=reason,
                            hand_over_error=str(exc.message))
    messages.success(request, ngettext(
        "Đã chuyển bản đánh giá của %(n)s đơn vị quá hạn chưa gửi cho Tổ thẩm định.",
        "Đã chuyển bản đánh giá của %(n)s đơn vị quá hạn chưa gửi cho Tổ thẩm định.", count) % {"n": count})
    return redirect("publication:manage", year=year)


@lands_on("publication:manage", "year")
@require_POST
def publish(request: HttpRequest, year: int) -> HttpResponse:
    refusal = _admin_only(request)
    if refusal:
        return refusal
    cycle = get_object_or_404(Cycle, year=year)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, cycle, form, status=400)
    try:
        publication = services.cycle_publish(
            cycle=cycle, document_number=form.cleaned_data["document_number"],
            document_date=form.cleaned_data["document_date"], reason=form.cleaned_data["reason"], actor=request.user,
            document_only=form.cleaned_data["document_only"],
        )
    except DomainError as exc:
        for field, message in (exc.details or {}).items() if isinstance(exc.details, dict) else []:
            form.add_error(field if field in form.fields else None, message)
        if not form.errors:
            form.add_error(None, str(exc.message))
        return _manage_page(request, cycle, form, status=exc.status)
    if publication.snapshot.get("document_only"):
        messages.success(request, _("Đã công bố lần %(rev)s của năm %(year)s: đính chính thông tin văn bản, kết quả "
                                    "không thay đổi.") % {"year": year, "rev": publication.revision})
    else:
        messages.success(request, _("Đã công bố kết quả năm %(year)s (lần %(rev)s).")
                         % {"year": year, "rev": publication.revision})
    return redirect("publication:cycle", year=year)
