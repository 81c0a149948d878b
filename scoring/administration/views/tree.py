"""The criteria editor: add, edit (method and parameters with a preview of the unit's input), move, delete."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from scoring import engine
from scoring.administration import services
from scoring.administration.forms import METHOD_PARAMS, IndicatorForm, band_comparison, params_from_post
from scoring.administration.selectors import code_follows_parent, indicator_set_report
from scoring.administration.services.params_text import params_cell
from scoring.administration.services.tree import (
    PARAM_LABELS,
    guidance_stale_numbers,
    indicator_version,
    labelled_engine_refusal,
    next_free_code,
    renumber_plan,
)
from scoring.administration.views._common import administrator_required, error_items, report_error
from scoring.administration.views.sets import renumber_url
from scoring.errors import DomainError, StaleVersion
from scoring.forms import method_input_context
from scoring.models import Indicator, IndicatorSet
from scoring.text import posted_id
from scoring.views._common import lands_on

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
# the «add a criterion» page of a locked set: why nothing can be added, said before anything is typed (a save is
# refused with services.MSG_FROZEN)
MSG_FROZEN_ADD = gettext_lazy(
    "Bộ chỉ số «%(key)s» đang được kỳ đánh giá sử dụng nên đã khoá: không thêm được tiêu chí mới. Muốn thêm, hãy "
    "nhân bản thành phiên bản mới rồi thêm vào bản đó."
)


def localized_decimals(text: str) -> str:
    """A hint's numbers with the active language's decimal separator (Vietnamese: "× 0.5" → "× 0,5"; English
    keeps the point), for display only: the stored expression keeps its point, which is what the engine reads."""
    separator = str(get_format("DECIMAL_SEPARATOR"))
    return _DECIMAL_POINT.sub(separator, text) if separator != "." else text


# A line of each list the editor takes as text: how many parts («|»-separated) it may have, how its label says them,
# and an example (the field's placeholder).
LINE_SHAPES: dict[str, tuple[tuple[int, ...], Any, str]] = {
    "options": ((3,), gettext_lazy("mã | mô tả | điểm"), "dung_han | Ban hành đúng hạn | 1"),
    "items": ((3,), gettext_lazy("mã | mô tả | điểm mỗi lần"), "tre_han | Báo cáo trễ hạn | -0,25"),
    "variables": ((1, 2), gettext_lazy("tên | mô tả"), "a | Số văn bản phải ban hành"),
    "bands": ((3, 2), gettext_lazy("ngưỡng % | > hoặc >= | điểm"), "90 | > | 2"),
}


def line_shape_problem(data: Any) -> tuple[str, str] | None:
    """The first line of a list parameter that has too few or too many parts for its shape («Đã xử lý xong toàn bộ |
    1» as a level: no code, so its «1» would be read as the description and the level would have no points), as
    (message, parameter): the line as typed, its number in the field and the shape a line takes. A ratio band whose
    comparison is not one the column takes («<=», blank, a word: it would be saved as some comparison nobody typed)
    is refused the same way. None when every line has its shape (what the numbers hold is the engine's to check)."""
    method = str(data.get("method") or "")
    for name in METHOD_PARAMS.get(method, ()):
        if name not in LINE_SHAPES:
            continue
        counts, shape, example = LINE_SHAPES[name]
        for number, line in enumerate(str(data.get(f"p_{name}") or "").splitlines(), start=1):
            parts = len(line.split("|"))
            if not line.strip():
                continue
            if parts in counts:
                comparison = line.split("|")[1].strip() if name == "bands" and parts == 3 else ">"
                if band_comparison(comparison) is None:
                    said = (_("có phép so sánh «%(comparison)s»") % {"comparison": comparison} if comparison
                            else _("bỏ trống phép so sánh"))
                    return _(
                        "«%(label)s», dòng %(line)s: «%(typed)s» %(said)s, nhưng cột này chỉ nhận «>» (tỷ lệ trên "
                        "ngưỡng) hoặc «>=» (tỷ lệ từ ngưỡng trở lên), ví dụ «%(example)s». Hãy sửa dòng đó rồi lưu lại."
                    ) % {"label": PARAM_LABELS[name], "line": number, "typed": line.strip(), "said": said,
                         "example": localized_decimals("90 | >= | 2")}, name
                continue
            expected = ngettext("mỗi dòng có %(n)s phần «%(shape)s»", "mỗi dòng có %(n)s phần «%(shape)s»",
                                counts[0]) % {"n": counts[0], "shape": shape}
            if name == "bands":
                expected = _("mỗi dòng có 3 phần «%(shape)s» (hoặc 2 phần «ngưỡng %% | điểm», tính cả ngưỡng)") % {
                    "shape": shape}
            elif name == "variables":
                expected = _("mỗi dòng có 2 phần «%(shape)s» (hoặc chỉ tên)") % {"shape": shape}
            message = ngettext(
                "«%(label)s», dòng %(line)s: «%(typed)s» có %(parts)s phần, nhưng %(expected)s, cách nhau bằng dấu "
                "«|» (ví dụ «%(example)s»). Hãy sửa dòng đó rồi lưu lại.",
                "«%(label)s», dòng %(line)s: «%(typed)s» có %(parts)s phần, nhưng %(expected)s, cách nhau bằng dấu "
                "«|» (ví dụ «%(example)s»). Hãy sửa dòng đó rồi lưu lại.",
                parts,
            ) % {"label": PARAM_LABELS[name], "line": number, "typed": line.strip(), "parts": parts,
                 "expected": expected, "example": localized_decimals(example)}
            return message, name
    return None


# the hint of the editor's list parameters (one item a line, parts separated by «|»), read with each list's input
LIST_HINT_ID = "method-list-hint"
HINT_IDS = {"whole_numbers": "id_p_whole_numbers_hint"}


def param_marks(form: IndicatorForm) -> dict[str, dict[str, Any]]:
    """How each parameter input of the editor is drawn: its refusals (`IndicatorForm.param_errors`), the id of
    their message, and what describes the input (that message, the hint of its kind of list)."""
    marks = {}
    for name in PARAM_LABELS:
        errors = form.param_errors.get(name, [])
        error_id = f"id_p_{name}_error"
        hints = [LIST_HINT_ID] if name in LINE_SHAPES else [HINT_IDS[name]] if name in HINT_IDS else []
        marks[name] = {"errors": errors, "error_id": error_id,
                       "describedby": " ".join([error_id] * bool(errors) + hints)}
    return marks


def refuse_on_form(form: IndicatorForm, exc: DomainError) -> None:
    """A refused save said on the editor's form, once: on the field or the method's parameter it concerns («options»,
    «options[1]»), else above the fields; in the page's error summary either way, never in a banner as well."""
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    name = str(field or "").split("[")[0]
    if name in form.fields:
        form.add_error(name, str(exc.message))
    elif name in PARAM_LABELS:
        form.add_param_error(name, exc.message)
    else:
        form.add_error(None, str(exc.message))
        for item in exc.details if isinstance(exc.details, list) else []:
            if str(item) not in str(exc.message):
                form.add_error(None, str(item))


def preview_of(data: Any, *, max_points: Any, floor: Any, kind: str) -> dict[str, Any]:
    """The input a unit will see for the posted method and parameters, or why it cannot be shown: a list line out
    of its shape (`line_shape_problem`), or the engine's refusal."""
    method = str(data.get("method") or "")
    if (shape := line_shape_problem(data)) is not None:
        return {"error": shape[0], "field": shape[1]}
    params = params_from_post(method, data)
    try:
        maximum = services.to_points(max_points, label=_("Điểm tối đa"))
        minimum = services.to_points(floor or "0", label=_("Điểm tối thiểu"))
        engine.validate_params(
            engine.LeafRule(method=method, params=params, max_points=maximum, floor=minimum, kind=kind or "normal")
        )
    except engine.EngineError as exc:  # worded as a save would be: the editor's labels, the page's language
        refusal = labelled_engine_refusal(exc, params=params, floor=minimum, max_points=maximum, method=method)
        return {"error": str(refusal.message), "field": exc.field}
    except DomainError as exc:
        return {"error": str(exc.message), "field": None}
    probe = Indicator(method=method, params=params, max_points=maximum, floor=minimum, kind=kind or "normal")
    ctx = method_input_context(probe, None, prefix="preview-")
    if ctx.get("hint"):
        ctx["hint"] = localized_decimals(str(ctx["hint"]))
    return {"html": render_to_string("scoring/_method_input.html", {"ctx": ctx})}


def _edit_page(
    request: HttpRequest,
    *,
    indicator_set: IndicatorSet,
    form: IndicatorForm,
    node: Indicator | None,
    parent: Indicator | None,
    leaf: bool,
    preview: dict[str, Any] | None = None,
    version: str | None = None,
    stored: list[tuple[Any, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The criterion's editor. An existing criterion's form carries the version it was drawn from (`version`; the
    criterion's current one on a fresh page), and after a colleague's save, the values stored now where they differ
    from the typed ones (`stored`)."""
    if preview is None and leaf and node is not None and node.method:
        preview = preview_of(
            {**form.initial, "method": node.method}, max_points=node.max_points, floor=node.floor, kind=node.kind
        )
    frozen = services.set_is_frozen(indicator_set)
    # a criterion of a set in use is shown, not offered for editing (as the set's page shows it), and the addition
    # of one is not offered at all, the refusal said up front; a form posted before the set was locked keeps what
    # was typed, with the refusal
    read_only = frozen and request.method != "POST"
    if not read_only:
        frozen_message = ""
    elif node is not None:
        frozen_message = services.MSG_FROZEN % {"key": indicator_set.key}
    else:
        frozen_message = MSG_FROZEN_ADD % {"key": indicator_set.key}
    return render(
        request,
        "scoring/administration/indicator_form.html",
        {
            "set": indicator_set,
            "form": form,
            "node": node,
            "parent": parent,
            "leaf": leaf,
            "method_params": METHOD_PARAMS,
            "preview": preview,
            "frozen": frozen,
            "read_only": read_only,
            "frozen_message": frozen_message,
            "values": request.POST if request.method == "POST" else form.initial,
            "version": (indicator_version(node) if version is None else version) if node is not None else "",
            "stored": stored or [],
            "param_marks": param_marks(form),
            "error_summary": error_items(form, after={"method": [
                (f"#id_p_{name}", text) for name, texts in form.param_errors.items() for text in texts]}),
            # a group's new code carried to its criteria: offered ticked, as posted after a refusal
            "carry_prefix": request.method != "POST" or bool(request.POST.get("carry_prefix")),
        },
        status=status,
    )


def _report_notes(
    request: HttpRequest, indicator_set: IndicatorSet, changed: Sequence[Indicator],
    parents: Sequence[Indicator | None] = (),
) -> None:
    """After any change of the tree (a save, an addition, a move, a deletion), what the set's check report says of
    the criteria it touched and of their parents (a maximum out of the method's reach, a parent no longer the sum of
    its children …), each as a warning linking to the report: the report's own checks, so the editor and the report
    never disagree. `changed`: the criteria changed (each with its parent); `parents`: the parents that lost a
    criterion (None: the areas' level, whose sum is the set's standard)."""
    report = indicator_set_report(indicator_set=indicator_set)
    about = {node.pk for node in changed} | {node.parent_id for node in changed if node.parent_id is not None}
    about |= {parent.pk for parent in parents if parent is not None}
    areas = None in parents or any(node.parent_id is None for node in changed)
    url = reverse("administration:set_report", args=[indicator_set.pk])
    notes = [note for note in (*report.items, *report.warnings) if note.indicator_id in about]
    if areas and report.area_sum_note is not None:
        notes.append(report.area_sum_note)
    for note in notes:
        messages.warning(request, format_html(
            '{} <a href="{}">{}</a>', note.text, url, _("Xem báo cáo kiểm tra bộ chỉ số")))


def _say_guidance_stale(request: HttpRequest, node: Indicator, old_params: Mapping[str, Any]) -> None:
    """A warning (the save is done) when the guidance still mentions a number the changed parameters dropped."""
    stale = guidance_stale_numbers(guidance=node.guidance, old_params=old_params, new_params=node.params or {})
    if stale:
        messages.warning(request, _(
            "Hướng dẫn của tiêu chí %(code)s vẫn ghi %(numbers)s, là tham số cũ của phương pháp chấm (tham số nay là: "
            "%(params)s). Hãy sửa hướng dẫn để đơn vị không tự chấm theo quy tắc cũ."
        ) % {"code": node.code, "numbers": ", ".join(stale), "params": params_cell(node.method, node.params)})


@require_http_methods(["GET", "POST"])
@administrator_required
def node_add(request: HttpRequest, set_id: int) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, pk=set_id)
    parent_id = request.GET.get("cha") or request.POST.get("parent") or ""
    parent = (
        get_object_or_404(Indicator, pk=posted_id(parent_id), indicator_set=indicator_set) if parent_id else None
    )
    initial = {
        "kind": parent.kind if parent else "normal",
        "method": "manual",
        "max_points": "1",
        "floor": "0",
        "evidence_required": True,
        "source": "self",
        "p_step": "0,25",
        "code": next_free_code(indicator_set=indicator_set, parent=parent),
    }
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            if "preview" in request.POST:
                preview = preview_of(
                    request.POST,
                    max_points=form.cleaned_data["max_points"],
                    floor=form.cleaned_data["floor"],
                    kind=form.cleaned_data["kind"],
                )
                return _edit_page(
                    request,
                    indicator_set=indicator_set,
                    form=form,
                    node=None,
                    parent=parent,
                    leaf=True,
                    preview=preview,
                )
            if (shape := line_shape_problem(request.POST)) is not None:
                form.add_param_error(shape[1], shape[0])
                return _edit_page(
                    request, indicator_set=indicator_set, form=form, node=None, parent=parent, leaf=True,
                    preview={}, status=400,
                )
            try:
                node = services.indicator_create(
                    indicator_set=indicator_set,
                    parent=parent,
                    data=form.service_data(request.POST),
                    actor=request.user,
                    leaf_parent_confirmed=bool(request.POST.get("leaf_parent_confirmed")),
                )
            except DomainError as exc:
                refuse_on_form(form, exc)
            else:
                messages.success(request, _("Đã thêm tiêu chí %(code)s.") % {"code": node.code})
                _report_notes(request, indicator_set, [node])
                return redirect("administration:set_detail", set_id)
        return _edit_page(
            request, indicator_set=indicator_set, form=form, node=None, parent=parent, leaf=True, status=400
        )
    return _edit_page(request, indicator_set=indicator_set, form=form, node=None, parent=parent, leaf=True)


@require_http_methods(["GET", "POST"])
@administrator_required
def node_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    node = get_object_or_404(Indicator.objects.select_related("indicator_set", "parent"), pk=node_id)
    indicator_set = node.indicator_set
    form = IndicatorForm(request.POST or None, initial=IndicatorForm.initial_for(node), leaf=node.is_leaf)
    # the version of the criterion the page was drawn from: kept through a preview or a refusal
    version = request.POST.get("version", "") if request.method == "POST" else None
    old_code, old_params = node.code, dict(node.params or {})
    if request.method == "POST":
        if form.is_valid():
            if "preview" in request.POST:
                preview = preview_of(
                    request.POST,
                    max_points=form.cleaned_data["max_points"],
                    floor=form.cleaned_data["floor"],
                    kind=form.cleaned_data["kind"],
                )
                return _edit_page(
                    request,
                    indicator_set=indicator_set,
                    form=form,
                    node=node,
                    parent=node.parent,
                    leaf=node.is_leaf,
                    preview=preview,
                    version=version,
                )
            if node.is_leaf and (shape := line_shape_problem(request.POST)) is not None:
                form.add_param_error(shape[1], shape[0])
                return _edit_page(
                    request, indicator_set=indicator_set, form=form, node=node, parent=node.parent, leaf=True,
                    preview={}, version=version, status=400,
                )
            try:
                node = services.indicator_update(
                    indicator=node, data=form.service_data(request.POST), actor=request.user,
                    expected_version=version, carry_prefix=not node.is_leaf and bool(request.POST.get("carry_prefix")),
                )
            except StaleVersion as exc:
                report_error(request, exc)
                current = get_object_or_404(Indicator.objects.select_related("indicator_set", "parent"), pk=node_id)
                return _edit_page(
                    request, indicator_set=indicator_set, form=form, node=current, parent=current.parent,
                    leaf=current.is_leaf, stored=IndicatorForm.stored_differences(form, request.POST, current),
                    status=exc.status,
                )
            except DomainError as exc:
                refuse_on_form(form, exc)
            else:
                if node.code != old_code and node.parent is not None and not code_follows_parent(
                        node.code, node.parent.code):
                    _say_saved_off_code(request, node, node.parent)
                else:
                    messages.success(request, _("Đã lưu tiêu chí %(code)s.") % {"code": node.code})
                _say_guidance_stale(request, node, old_params)
                _report_notes(request, indicator_set, [node])
                return redirect(reverse("administration:set_detail", args=[indicator_set.pk]) + f"#node-{node.pk}")
        return _edit_page(
            request,
            indicator_set=indicator_set,
            form=form,
            node=node,
            parent=node.parent,
            leaf=node.is_leaf,
            version=version,
            status=400,
        )
    return _edit_page(request, indicator_set=indicator_set, form=form, node=node, parent=node.parent, leaf=node.is_leaf)


@lands_on("administration:set_list")
@require_POST
@administrator_required
def node_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (fetched by administration.js): an HTML fragment of the unit's input or the refusal."""
    result = preview_of(
        request.POST,
        max_points=request.POST.get("max_points") or "0",
        floor=request.POST.get("floor") or "0",
        kind=str(request.POST.get("kind") or "normal"),
    )
    return render(
        request, "scoring/administration/_preview.html", {"preview": result}, status=200 if "html" in result else 400
    )


def _offer_renumber(request: HttpRequest, indicator_set: IndicatorSet, parents: list[Indicator | None]) -> None:
    """After a move or a deletion, each parent (None: the areas) whose criteria's codes no longer follow their order
    (1.1.1, 1.1.2, 1.1.4, 1.1.3; a gap) is named, with a link to the renumbering's preview (nothing is renumbered
    without the administrator)."""
    seen: set[int | None] = set()
    for parent in parents:
        key = parent.pk if parent is not None else None
        if key in seen:
            continue
        seen.add(key)
        if parent is not None and not Indicator.objects.filter(pk=parent.pk).exists():
            continue
        if not renumber_plan(indicator_set=indicator_set, root=parent):
            continue
        text = (_("Mã các tiêu chí trong «%(code)s» không còn theo thứ tự.") % {"code": parent.code}
                if parent is not None else _("Mã các lĩnh vực và tiêu chí không còn theo thứ tự."))
        messages.info(request, format_html('{} <a href="{}">{}</a>', text, renumber_url(indicator_set.pk, parent),
                                           _("Đánh số lại (xem trước rồi xác nhận)")))


def _say_moved_off_code(request: HttpRequest, node: Indicator, parent: Indicator) -> None:
    """The success of a move whose criterion's code does not start with its new parent's («1.2» under «3»): placed
    last, since its code gives it no place among its new siblings, and its code kept (the decision's numbering: never
    changed without the administrator). Offered: «Đánh số lại» of the new parent's criteria (a link to its preview,
    nothing renumbered before the administrator confirms it), or the next free code, to type on the criterion's
    page. One query for the proposed code."""
    _say_placed_last(request, node, parent, _(
        "Đã chuyển tiêu chí %(code)s vào «%(parent)s» và xếp cuối, vì mã «%(code)s» không bắt đầu bằng mã của tiêu "
        "chí cha mới nên không xếp theo mã được. Mã được giữ nguyên; muốn mã theo vị trí mới, hãy đánh số lại các "
        "tiêu chí trong «%(parent)s», hoặc sửa mã trong trang của tiêu chí (mã còn trống kế tiếp là «%(proposed)s»)."
    ))


def _say_saved_off_code(request: HttpRequest, node: Indicator, parent: Indicator) -> None:
    """The success of a save that gave a criterion a code not starting with its parent's («1.2» under «3»): placed
    last among its siblings, as a move is (`_say_moved_off_code`), with the same offers: «Đánh số lại» of the
    parent's criteria, or the next free code. One query for the proposed code."""
    _say_placed_last(request, node, parent, _(
        "Đã lưu tiêu chí %(code)s và xếp cuối trong «%(parent)s», vì mã «%(code)s» không bắt đầu bằng mã của tiêu chí "
        "cha nên không xếp theo mã được. Muốn mã theo vị trí, hãy đánh số lại các tiêu chí trong «%(parent)s», hoặc "
        "sửa lại mã (mã còn trống kế tiếp là «%(proposed)s»)."
    ))


def _say_placed_last(request: HttpRequest, node: Indicator, parent: Indicator, text: str) -> None:
    """A success saying `text` (with the criterion's and parent's codes and the next free code under the parent),
    then the link to «Đánh số lại» of the parent's criteria. One query for the proposed code."""
    proposed = next_free_code(indicator_set=node.indicator_set, parent=parent, exclude=node)
    said = text % {"code": node.code, "parent": parent.code, "proposed": proposed}
    messages.success(request, format_html('{} <a href="{}">{}</a>', said, renumber_url(node.indicator_set_id, parent),
                                          _("Đánh số lại (xem trước rồi xác nhận)")))


def _tree_row(set_id: int, node_id: int) -> str:
    """Where a GET of a criterion's move lands: its row in the set's tree."""
    return reverse("administration:set_detail", args=[set_id]) + f"#node-{node_id}"


@lands_on(_tree_row)
@require_POST
@administrator_required
def node_move(request: HttpRequest, set_id: int, node_id: int) -> HttpResponse:
    node = get_object_or_404(
        Indicator.objects.select_related("indicator_set", "parent"), pk=node_id, indicator_set_id=set_id
    )
    old_parent = node.parent
    try:
        if "parent" in request.POST:
            raw = request.POST.get("parent", "")
            parent = (
                get_object_or_404(Indicator, pk=posted_id(raw), indicator_set_id=node.indicator_set_id) if raw else None
            )
            services.indicator_reparent(
                indicator=node,
                new_parent=parent,
                actor=request.user,
                leaf_parent_confirmed=bool(request.POST.get("leaf_parent_confirmed")),
            )
            if parent is not None and not code_follows_parent(node.code, parent.code):
                _say_moved_off_code(request, node, parent)
                _offer_renumber(request, node.indicator_set, [old_parent])  # the new parent's: in the message
            else:
                messages.success(request, _("Đã chuyển tiêu chí %(code)s.") % {"code": node.code})
                _offer_renumber(request, node.indicator_set, [old_parent, parent])
            node.refresh_from_db()
            _report_notes(request, node.indicator_set, [node], [old_parent])
        else:
            services.indicator_move(indicator=node, direction=request.POST.get("direction", ""), actor=request.user)
            _offer_renumber(request, node.indicator_set, [old_parent])
    except DomainError as exc:
        report_error(request, exc)
    return redirect(reverse("administration:set_detail", args=[node.indicator_set_id]) + f"#node-{node.pk}")


@lands_on("administration:set_detail", "set_id")  # the criterion's own page is gone once it is deleted
@require_POST
@administrator_required
def node_delete(request: HttpRequest, set_id: int, node_id: int) -> HttpResponse:
    node = get_object_or_404(
        Indicator.objects.select_related("indicator_set", "parent"), pk=node_id, indicator_set_id=set_id
    )
    set_id, code, parent = node.indicator_set_id, node.code, node.parent
    try:
        services.indicator_delete(indicator=node, actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("Đã xoá tiêu chí %(code)s và các tiêu chí con.") % {"code": code})
        _offer_renumber(request, node.indicator_set, [parent])
        _report_notes(request, node.indicator_set, [], [parent])
    return redirect("administration:set_detail", set_id)
