"""Indicator sets: list, create, clone, edit the set, validation report, activation, diff, Excel in and out."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scoring.administration import selectors, services
from scoring.administration.audit_labels import labelled
from scoring.administration.forms import (
    CloneForm,
    MappingForm,
    SetCreateForm,
    SetMetaForm,
    UploadForm,
    stored_differences,
)
from scoring.administration.services.mappings import clone_source
from scoring.administration.services.sets import (
    MSG_CLONE_PROPOSAL_FOLLOWED,
    indicator_set_clone_followed,
    indicator_set_clone_proposal,
    indicator_set_clone_proposals,
    indicator_set_version,
    sets_named,
)
from scoring.administration.services.tree import (
    indicator_set_renumber,
    indicator_set_tree_fingerprint,
    indicator_set_tree_import_apply,
    renumber_digest,
    renumber_plan,
    renumber_refusal,
)
from scoring.administration.services.tree_excel import (
    FileOrigin,
    column_help,
    indicator_set_tree_xlsx,
    read_tree_sheet,
    tree_file_origin,
)
from scoring.administration.views._common import (
    administrator_required,
    error_items,
    form_errors,
    report_error,
    upload_refusal,
)
from scoring.administration.xlsx import FileRefused
from scoring.errors import DomainError, StaleVersion
from scoring.exports import xlsx_response
from scoring.models import (
    AuditEntry,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorMapping,
    IndicatorSet,
    Unit,
    UnitKind,
)
from scoring.selectors import indicator_tree
from scoring.text import posted_id
from scoring.views._common import lands_on

IMPORT_SALT = "administration.set-import"


@require_GET
@administrator_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "scoring/administration/index.html",
        {
            "sets": IndicatorSet.objects.count(),
            "units": Unit.objects.filter(active=True).count(),
            "cycles": Cycle.objects.count(),
            "recent": labelled(AuditEntry.objects.select_related("actor", "unit")[:10], html=True),
        },
    )


def _sets_listed() -> QuerySet[IndicatorSet]:
    """The set list's rows, each with the cycles using it (by unit kind): one query more, whatever the number."""
    return selectors.indicator_sets_for_admin().prefetch_related(
        Prefetch("cycle_sets", queryset=CycleSet.objects.select_related("cycle", "unit_kind").order_by(
            "-cycle__year", "unit_kind__order", "unit_kind__name"), to_attr="uses")
    )


@require_GET
@administrator_required
def set_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "scoring/administration/set_list.html",
        {
            "sets": _sets_listed(),
            "form": SetCreateForm(),
        },
    )


@lands_on("administration:set_list")
@require_POST
@administrator_required
def set_create(request: HttpRequest) -> HttpResponse:
    form = SetCreateForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return render(
            request,
            "scoring/administration/set_list.html",
            {"sets": _sets_listed(), "form": form},
            status=400,
        )
    try:
        data = form.service_data()
        indicator_set = services.indicator_set_create(
            key=data.pop("key"),
            year=data.pop("year"),
            unit_kind=data.pop("unit_kind"),
            data=data,
            actor=request.user,
        )
    except DomainError as exc:
        report_error(request, exc)
        return render(
            request,
            "scoring/administration/set_list.html",
            {"sets": _sets_listed(), "form": form},
            status=exc.status,
        )
    messages.success(
        request, _("Đã tạo bộ chỉ số «%(key)s». Thêm tiêu chí hoặc nhập từ Excel.") % {"key": indicator_set.key}
    )
    return redirect("administration:set_detail", indicator_set.pk)


def _detail_context(
    indicator_set: IndicatorSet, meta_form: SetMetaForm | None = None, *, version: str | None = None,
    stored: list[tuple[object, str]] | None = None, renumber: dict[str, object] | None = None,
) -> dict[str, object]:
    """The set's page; its information form carries the version it was drawn from (`version`; the set's current
    one on a fresh page), and after a colleague's save, the values stored now that differ from the typed ones;
    `renumber`: the preview of a renumbering (`_renumber_preview`). Each criterion whose maximum is not the sum of its
    criteria's carries that sum (`children_total`), and the areas' total when it is not the standard, so the tree
    shows them while they remain (the check report's rules)."""
    tree = indicator_tree(indicator_set=indicator_set)
    nodes = [cast(Indicator, row["node"]) for row in tree]
    mismatched = selectors.children_totals_mismatched(nodes)
    areas_total = selectors.normal_areas_total(nodes)
    return {
        "renumber": renumber,
        "set": indicator_set,
        "tree": [{**row, "children_total": mismatched.get(node.pk)} for row, node in zip(tree, nodes, strict=True)],
        "areas_total_off": areas_total if nodes and areas_total != indicator_set.standard_max else None,
        "frozen": services.set_is_frozen(indicator_set),
        "meta_form": meta_form or SetMetaForm(initial=SetMetaForm.initial_for(indicator_set)),
        "version": indicator_set_version(indicator_set) if version is None else version,
        "stored": stored or [],
        "others": IndicatorSet.objects.exclude(pk=indicator_set.pk).select_related("unit_kind"),
        # each cycle once, though it uses the set for several unit kinds (one CycleSet per kind)
        "cycles": Cycle.objects.filter(cycle_sets__indicator_set=indicator_set).distinct().order_by("year"),
    }


RENUMBER_ALL = "tat-ca"  # «Đánh số lại» of the whole set (else a criterion's id: its branch)


def _renumber_root(indicator_set: IndicatorSet, scope: str) -> Indicator | None:
    """The criterion whose branch a renumbering covers (None: the whole set); 404 for one not of this set."""
    if scope == RENUMBER_ALL:
        return None
    return get_object_or_404(Indicator, pk=posted_id(scope), indicator_set=indicator_set)


def _renumber_preview(indicator_set: IndicatorSet, scope: str) -> dict[str, object] | None:
    """What «Đánh số lại» would change (`?danh-so-lai=<id>` or `tat-ca`): each code old → new, why it cannot be
    applied if so, the digest the confirmation carries, and the set the mappings follow from in a clone."""
    if not scope or services.set_is_frozen(indicator_set):
        return None
    root = _renumber_root(indicator_set, scope)
    plan = renumber_plan(indicator_set=indicator_set, root=root)
    return {
        "scope": scope,
        "root": root,
        "plan": plan,
        "digest": renumber_digest(plan),
        "refusal": renumber_refusal(indicator_set=indicator_set, plan=plan) if plan else None,
        "source": clone_source(indicator_set) if plan else None,
    }


def renumber_url(indicator_set_id: int, root: Indicator | None) -> str:
    """The set's page showing the renumbering preview of `root`'s branch (None: the whole set)."""
    scope = str(root.pk) if root is not None else RENUMBER_ALL
    return reverse("administration:set_detail", args=[indicator_set_id]) + f"?danh-so-lai={scope}#danh-so-lai"


@require_http_methods(["GET", "POST"])
@administrator_required
def set_detail(request: HttpRequest, set_id: int) -> HttpResponse:
    """The set's tree editor. `?danh-so-lai=<id>|tat-ca` previews «Đánh số lại» of a branch or of the whole set; the
    preview's confirmation is posted here (`action=renumber`)."""
    indicator_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    if request.method == "POST":
        return _renumber_apply(request, indicator_set)
    renumber = _renumber_preview(indicator_set, str(request.GET.get("danh-so-lai", "")))
    return render(request, "scoring/administration/set_detail.html", _detail_context(indicator_set, renumber=renumber))


def _renumber_apply(request: HttpRequest, indicator_set: IndicatorSet) -> HttpResponse:
    """Apply the renumbering the administrator confirmed, as previewed (its digest): a tree changed since, a new code
    held outside the branch or a set in use is refused, nothing written, back to the preview."""
    if request.POST.get("action") != "renumber":
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return redirect("administration:set_detail", indicator_set.pk)
    scope = str(request.POST.get("scope", ""))
    root = _renumber_root(indicator_set, scope)
    try:
        plan = indicator_set_renumber(
            indicator_set=indicator_set, root=root, expected=str(request.POST.get("plan", "")), actor=request.user
        )
    except DomainError as exc:
        report_error(request, exc)
        return redirect(renumber_url(indicator_set.pk, root))
    messages.success(request, ngettext("Đã đánh số lại %(n)s tiêu chí.", "Đã đánh số lại %(n)s tiêu chí.", len(plan))
                     % {"n": len(plan)} if plan else
                     _("Các mã đã theo đúng thứ tự; không có mã nào phải đổi."))
    anchor = f"#node-{root.pk}" if root is not None else ""
    return redirect(reverse("administration:set_detail", args=[indicator_set.pk]) + anchor)


@lands_on("administration:set_detail", "set_id")
@require_POST
@administrator_required
def set_update(request: HttpRequest, set_id: int) -> HttpResponse:
    """Save the set's information form, based on the version its page was drawn from: one a colleague's save
    replaced (or none) is refused, showing what was typed and what is stored."""
    indicator_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    version = request.POST.get("version", "")
    form = SetMetaForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return render(
            request, "scoring/administration/set_detail.html", _detail_context(indicator_set, form, version=version),
            status=400,
        )
    try:
        services.indicator_set_update(
            indicator_set=indicator_set, data=form.service_data(), actor=request.user, expected_version=version
        )
    except StaleVersion as exc:
        report_error(request, exc)
        current = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
        stored = stored_differences(form, SetMetaForm(SetMetaForm.initial_for(current)))
        return render(
            request, "scoring/administration/set_detail.html", _detail_context(current, form, stored=stored),
            status=exc.status,
        )
    except DomainError as exc:
        report_error(request, exc)
        indicator_set.refresh_from_db()  # as stored: the service may have changed the instance before refusing
        return render(
            request, "scoring/administration/set_detail.html", _detail_context(indicator_set, form, version=version),
            status=exc.status,
        )
    messages.success(request, _("Đã lưu thông tin bộ chỉ số."))
    return redirect("administration:set_detail", set_id)


def _year(posted: str | None) -> int | None:
    """A year as a form posted it (the clone page's `proposed_year`); None when it is none."""
    text = (posted or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


@require_http_methods(["GET", "POST"])
@administrator_required
def set_clone(request: HttpRequest, set_id: int) -> HttpResponse:
    """The clone form offers the next year, the key and the name naming it and a blank decision
    (`indicator_set_clone_proposal`; the source's decision when the source's year is typed); the page carries every
    year's proposal, which its script puts in as the year typed changes (`indicator_set_clone_proposals`). A page
    sent with a year whose proposal it did not show (no script) is shown again with that year's proposal in the
    fields not edited by hand, nothing made. A clone named as another set of its year and kind is made, with a
    warning to rename it."""
    source = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    proposals = indicator_set_clone_proposals(source=source)
    proposal = proposals.get(source.year + 1) or indicator_set_clone_proposal(source=source)
    form = CloneForm(request.POST or None, initial=proposal)
    proposed_year = _year(request.POST.get("proposed_year")) if request.method == "POST" else proposal["year"]
    if request.method == "POST" and form.is_valid():
        followed = indicator_set_clone_followed(proposals=proposals, values=form.cleaned_data,
                                                shown_year=proposed_year)
        if followed is not None:  # the year was changed, not the fields proposed for the one before
            messages.warning(request, MSG_CLONE_PROPOSAL_FOLLOWED % {"year": followed["year"]})
            form = CloneForm({name: "" if value is None else value for name, value in followed.items()})
            proposed_year = followed["year"]
        else:
            try:
                clone = services.indicator_set_clone(source=source, actor=request.user, **form.cleaned_data)
            except DomainError as exc:  # on the field it concerns (a key already taken), in the error summary
                field = exc.details.get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Đã nhân bản thành bộ «%(key)s» (dự thảo).") % {"key": clone.key})
                alike = sets_named(name=clone.name, year=clone.year, unit_kind=clone.unit_kind, exclude=clone.pk)
                if keys := [f"«{key}»" for key in alike.values_list("key", flat=True)]:
                    messages.warning(request, _(
                        "Bộ mới trùng tên với %(keys)s (cùng năm %(y)s, cùng loại đơn vị): hãy đổi tên ở mục "
                        "«Thông tin bộ chỉ số» để dễ phân biệt.") % {"keys": ", ".join(keys), "y": clone.year})
                return redirect("administration:set_detail", clone.pk)
    # the decision follows the year typed as the proposal does (static/js/set-clone.js): the source's in its year
    form.fields["decision_ref"].widget.attrs.update({
        "data-follows-year": "decision_ref", "data-source-year": str(source.year),
        "data-source-value": source.decision_ref,
    })
    return render(
        request,
        "scoring/administration/set_clone.html",
        {"set": source, "form": form, "proposals": proposals, "proposed_year": proposed_year,
         "error_summary": error_items(form)},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@administrator_required
def set_report(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    # the kind the apply form proposes: the one a cycle's page asked for (`?loai=`), else the set's own
    kind_id = posted_id(request.GET.get("loai")) or indicator_set.unit_kind_id
    return _report_page(request, indicator_set, kind_id=kind_id)


def _report_page(
    request: HttpRequest, indicator_set: IndicatorSet, *, kind_id: int | None, cycle_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The set's check report and its «Áp dụng cho kỳ» form, which carries the set each kind uses in each cycle
    offered as the page shows it (a colleague's replacement since refuses the form's)."""
    cycles = list(Cycle.objects.filter(year=indicator_set.year))
    kinds = list(UnitKind.objects.order_by("order", "name"))
    applied = {
        (row.cycle_id, row.unit_kind_id): row
        for row in CycleSet.objects.filter(cycle__in=cycles).select_related("indicator_set", "unit_kind")
    }
    return render(
        request,
        "scoring/administration/set_report.html",
        {
            "set": indicator_set,
            "report": selectors.indicator_set_report(indicator_set=indicator_set),
            "cycles": cycles,
            "kinds": kinds,
            "kind_id": kind_id,
            "cycle_id": cycle_id,
            # what the page shows applied, per cycle and kind: sent back with the form
            "applied_versions": [
                (f"applied_{c.pk}_{k.pk}", services.applied_set_version(applied.get((c.pk, k.pk))))
                for c in cycles for k in kinds
            ],
            "applied": sorted(applied.values(), key=lambda row: (row.cycle.year, row.cycle_id, row.unit_kind.order,
                                                                 row.unit_kind.name)),
            "frozen": services.set_is_frozen(indicator_set),
        },
        status=status,
    )


@lands_on("administration:set_report", "set_id")
@require_POST
@administrator_required
def set_activate(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, pk=set_id)
    cycle = Cycle.objects.filter(pk=posted_id(request.POST.get("cycle"))).first()
    if cycle is None:
        messages.error(request, _("Hãy chọn kỳ đánh giá."))
        return redirect("administration:set_report", set_id)
    kind: UnitKind | None = indicator_set.unit_kind
    if request.POST.get("unit_kind"):  # the kind it is used for: its own unless another is chosen
        kind = UnitKind.objects.filter(pk=posted_id(request.POST["unit_kind"])).first()
        if kind is None:
            messages.error(request, _("Hãy chọn loại đơn vị."))
            return redirect("administration:set_report", set_id)
    try:
        # what the replacement did (assessments moved, assignments remapped or dropped, the old set back to draft),
        # as its own transaction did it
        done = services.indicator_set_activate(
            indicator_set=indicator_set, cycle=cycle, actor=request.user, unit_kind=kind,
            expected_applied=request.POST.get(f"applied_{cycle.pk}_{kind.pk}", ""))
    except StaleVersion as exc:  # the page again, the choice kept, showing the sets applied now
        report_error(request, exc)
        return _report_page(request, indicator_set, kind_id=kind.pk, cycle_id=cycle.pk, status=exc.status)
    except DomainError as exc:
        report_error(request, exc)
        return redirect("administration:set_report", set_id)
    said = _("Đã áp dụng bộ chỉ số cho %(kind)s trong %(cycle)s. Từ nay bộ chỉ số không sửa trực tiếp được.") % {
        "kind": kind.name, "cycle": cycle.name}
    if done.back_to_draft and done.replaced is not None:
        back = _(
            "Bộ bị thay «%(key)s» không còn kỳ đánh giá nào dùng nên đã trở lại dự thảo: có thể sửa hoặc xoá."
        ) % {"key": done.replaced.key}
        said = f"{said} {back}"
    messages.success(request, said)
    if done.moved:
        messages.info(request, ngettext(
            "Bản đánh giá của %(n)s đơn vị đã chuyển sang bộ «%(key)s»; các dòng chấm điểm được lập lại theo bộ mới.",
            "Bản đánh giá của %(n)s đơn vị đã chuyển sang bộ «%(key)s»; các dòng chấm điểm được lập lại theo bộ mới.",
            done.moved) % {"n": done.moved, "key": indicator_set.key})
    if done.assignments.lost:
        messages.warning(request, done.assignments.lost_text)
    return redirect("administration:set_detail", set_id)


@lands_on("administration:set_detail", "set_id")
@require_POST
@administrator_required
def set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, pk=set_id)
    try:
        services.indicator_set_delete(indicator_set=indicator_set, actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
        return redirect("administration:set_detail", set_id)
    messages.success(request, _("Đã xoá bộ chỉ số dự thảo."))
    return redirect("administration:set_list")


@require_GET
@administrator_required
def set_diff(request: HttpRequest, set_id: int) -> HttpResponse:
    """The set `set_id` compared with `?voi=<id>`: from the older of the two to the newer, whichever page it starts
    from."""
    page_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    other_id = request.GET.get("voi", "")
    other = (
        IndicatorSet.objects.exclude(pk=page_set.pk).filter(pk=posted_id(other_id)).first() if other_id else None
    )
    return _diff_page(request, page_set, other)


def _diff_page(
    request: HttpRequest, page_set: IndicatorSet, other: IndicatorSet | None, *,
    mapping_form: MappingForm | None = None, status: int = 200,
) -> HttpResponse:
    """The differences between the page's set and another, older to newer, and their mappings; after a refusal, the
    mapping form as typed."""
    others = selectors.sets_to_compare_with(page_set)
    context: dict[str, object] = {
        "set": page_set,
        "others": others,
        # the set compared with, or the one the page offers first (the set this one was cloned from)
        "chosen": other.pk if other is not None else (others[0].pk if others else None),
        "mapping_form": mapping_form or MappingForm(),
    }
    if other is not None:
        old, new = selectors.older_and_newer(page_set, other)
        form = context["mapping_form"]
        assert isinstance(form, MappingForm)
        form.fields["from_code"].label = _("Mã ở bộ cũ «%(key)s»") % {"key": old.key}
        form.fields["to_code"].label = _("Mã ở bộ mới «%(key)s»") % {"key": new.key}
        context.update(diff=selectors.indicator_set_diff(old=old, new=new), old=old, new=new, other=other)
    return render(request, "scoring/administration/set_diff.html", context, status=status)


def _diff_url(set_id: int, other_id: int) -> str:
    return reverse("administration:set_diff", args=[set_id]) + f"?voi={other_id}"


@lands_on("administration:set_diff", "set_id")
@require_POST
@administrator_required
def mapping_save(request: HttpRequest, set_id: int, other_id: int) -> HttpResponse:
    """A mapping typed on the comparison page of `set_id` with `other_id`: from the older set's code to the newer's,
    as the page labels them, whichever of the two the page belongs to."""
    page_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    other = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=other_id)
    form = MappingForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return _diff_page(request, page_set, other, mapping_form=form, status=400)
    old, new = selectors.older_and_newer(page_set, other)
    try:
        services.indicator_mapping_save(from_set=old, to_set=new, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        report_error(request, exc)
        return _diff_page(request, page_set, other, mapping_form=form, status=exc.status)
    messages.success(
        request,
        _("Đã ghi đối chiếu %(a)s → %(b)s.") % {"a": form.cleaned_data["from_code"], "b": form.cleaned_data["to_code"]},
    )
    return redirect(_diff_url(set_id, other_id))


@lands_on("administration:set_diff", "set_id")
@require_POST
@administrator_required
def mapping_delete(request: HttpRequest, set_id: int, other_id: int, mapping_id: int) -> HttpResponse:
    page_set = get_object_or_404(IndicatorSet, pk=set_id)
    other = get_object_or_404(IndicatorSet, pk=other_id)
    old, new = selectors.older_and_newer(page_set, other)
    mapping = get_object_or_404(IndicatorMapping, pk=mapping_id, from_set=old, to_set=new)
    services.indicator_mapping_delete(mapping=mapping, actor=request.user)
    messages.success(request, _("Đã bỏ đối chiếu."))
    return redirect(_diff_url(set_id, other_id))


@require_GET
@administrator_required
def set_export(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, pk=set_id)
    content = indicator_set_tree_xlsx(indicator_set=indicator_set)
    return xlsx_response(content, f"bo-chi-so-{indicator_set.key}.xlsx")


def _import_page(request: HttpRequest, indicator_set: IndicatorSet, **extra: object) -> HttpResponse:
    status = int(str(extra.pop("status", 200)))
    context = {
        "set": indicator_set,
        "form": UploadForm(),
        "columns": column_help(),
        "frozen": services.set_is_frozen(indicator_set),
        **extra,
    }
    return render(request, "scoring/administration/set_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@administrator_required
def set_import(request: HttpRequest, set_id: int) -> HttpResponse:
    """Upload: read safely, dry-run through the resource, show each row's problems; nothing is written."""
    indicator_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), pk=set_id)
    if request.method == "GET":
        return _import_page(request, indicator_set)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, indicator_set, refused=upload_refusal(form), status=400)
    # the tree as it is before the check: the preview applies to this tree only, once
    fingerprint = indicator_set_tree_fingerprint(indicator_set)
    try:
        sheet = read_tree_sheet(form.cleaned_data["file"])
        origin = tree_file_origin(indicator_set=indicator_set, sheet=sheet)
        outcome = services.indicator_set_tree_import(
            indicator_set=indicator_set, rows=sheet.rows, actor=request.user, dry_run=True
        )
    except FileRefused as exc:
        return _import_page(request, indicator_set, refused=exc.message, status=400)
    except DomainError as exc:
        return _import_page(request, indicator_set, refused=str(exc.message), status=exc.status)
    # the rows signed with the set they were checked against: applied to that set only (and, from another set's
    # export, only once that is confirmed)
    token = signing.dumps(
        {"set": indicator_set.pk, "tree": fingerprint, "rows": sheet.rows, "file_set": origin.key if origin else ""},
        salt=IMPORT_SALT, compress=True,
    ) if outcome.ok else ""
    return _import_page(request, indicator_set, outcome=outcome, token=token, origin=origin,
                        status=200 if outcome.ok else 400)


@lands_on("administration:set_import", "set_id")
@require_POST
@administrator_required
def set_import_apply(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, pk=set_id)
    try:
        signed = signing.loads(request.POST.get("token", ""), salt=IMPORT_SALT, max_age=3600)
    except signing.SignatureExpired:
        return _import_page(
            request, indicator_set, refused=_("Phiên nhập đã hết hạn; hãy tải tệp lên lại."), status=400
        )
    except signing.BadSignature:
        signed = None
    if not isinstance(signed, dict) or signed.get("set") != indicator_set.pk or not signed.get("tree"):
        return _import_page(request, indicator_set, status=400, refused=_(
            "Không có bản xem trước hợp lệ cho bộ chỉ số này (có thể bản xem trước là của bộ khác); hãy tải tệp lên "
            "lại."))
    rows = signed["rows"]
    file_set = str(signed.get("file_set") or "")
    try:
        outcome = indicator_set_tree_import_apply(
            indicator_set=indicator_set, rows=rows, fingerprint=str(signed["tree"]), actor=request.user,
            file_set=file_set, file_set_confirmed=request.POST.get("confirm_file_set") == "1",
        )
    except DomainError as exc:
        if exc.code != "other_set_unconfirmed":
            return _import_page(request, indicator_set, refused=str(exc.message), status=exc.status)
        # the preview again, with its warning and the box to tick: nothing was written
        preview = services.indicator_set_tree_import(
            indicator_set=indicator_set, rows=rows, actor=request.user, dry_run=True)
        origin = FileOrigin(key=file_set, indicator_set=IndicatorSet.objects.filter(key=file_set).first(),
                            replaces=True)
        return _import_page(request, indicator_set, refused=str(exc.message), status=exc.status, outcome=preview,
                            token=request.POST.get("token", "") if preview.ok else "", origin=origin,
                            confirm_error=True)
    if not outcome.ok:
        return _import_page(request, indicator_set, outcome=outcome, status=400)
    changes = outcome.changes
    if changes is not None and changes.any:
        said = _(
            "Đã áp dụng: thêm %(added)s, xoá %(removed)s, sửa %(modified)s, đổi vị trí %(moved)s tiêu chí."
        ) % {"added": len(changes.added), "removed": len(changes.removed), "modified": len(changes.modified),
             "moved": len(changes.moved)}
        if changes.renumbered:
            said += " " + ngettext("Đổi mã %(n)s tiêu chí.", "Đổi mã %(n)s tiêu chí.", len(changes.renumbered)) % {
                "n": len(changes.renumbered)}
        if outcome.mappings_recorded and outcome.mapped_from is not None:
            said += " " + ngettext(
                "Đã ghi %(n)s đối chiếu mã với bộ «%(key)s» (trang so sánh ghép đúng từng tiêu chí).",
                "Đã ghi %(n)s đối chiếu mã với bộ «%(key)s» (trang so sánh ghép đúng từng tiêu chí).",
                outcome.mappings_recorded,
            ) % {"n": outcome.mappings_recorded, "key": outcome.mapped_from.key}
        messages.success(request, said)
    else:
        messages.success(request, ngettext(
            "Đã áp dụng: tệp không thay đổi tiêu chí nào (%(n)s tiêu chí giữ nguyên).",
            "Đã áp dụng: tệp không thay đổi tiêu chí nào (%(n)s tiêu chí giữ nguyên).", outcome.created,
        ) % {"n": outcome.created})
    return redirect("administration:set_report", set_id)
