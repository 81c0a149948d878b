"""Administration reads: the validation report of a set, the diff of two sets, lists and the audit viewer."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Lower
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.collation import vietnamese
from scoring import engine, selectors
from scoring.administration.validators import step_problem
from scoring.errors import engine_text, in_language
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    Indicator,
    IndicatorMapping,
    IndicatorSet,
    RoleAssignment,
    Unit,
)
from scoring.selectors.clones import clone_chains


@dataclass
class AreaCount:
    code: str
    name: str
    max_points: Decimal
    criteria: int
    leaves: int


@dataclass
class ReportProblem:
    """One problem of the check report, with the criterion it is about (None: the set as a whole), so the report
    can link to that criterion's page in the set editor."""

    text: str
    indicator_id: int | None = None
    code: str = ""


QUOTED_CODE = re.compile(r"«([^«»]+)»")
ENGINE_AREA_SUM = "Tổng điểm tối đa các lĩnh vực"  # how the engine's (Vietnamese) problem of the areas' sum begins


@dataclass
class SetReport:
    """What an administrator checks before activating a set."""

    problems: list[str]
    areas: list[AreaCount]
    leaves: int
    leaves_without_method: list[str]
    bonus_cap: Decimal | None
    penalty_cap: Decimal | None
    has_bonus: bool
    has_penalty: bool
    area_total: Decimal
    standard_max: Decimal
    checks: list[tuple[str, bool]] = field(default_factory=list)
    items: list[ReportProblem] = field(default_factory=list)  # `problems`, each with its criterion
    # the problem of the areas' maxima not adding up to the standard (one of `items`), said after any tree change
    area_sum_note: ReportProblem | None = None
    # worth a look but not wrong (codes are free-form): shown on the report, never blocking activation
    warnings: list[ReportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def indicator_set_report(*, indicator_set: IndicatorSet) -> SetReport:
    """The engine's tree check, every leaf's method and parameters, counts per area and the caps (one query)."""
    nodes = list(indicator_set.indicators.order_by("order"))
    by_code = {n.code: n for n in nodes}
    problems: list[str] = []
    items: list[ReportProblem] = []
    area_sum_note: ReportProblem | None = None

    def about(text: Any, node: Indicator | None) -> None:
        problems.append(str(text))
        items.append(ReportProblem(text=str(text), indicator_id=node.pk if node else None,
                                   code=node.code if node else ""))

    if not nodes:
        about(_("Bộ chỉ số chưa có tiêu chí nào."), None)
    for said in engine.validate_tree(selectors.set_rules(indicator_set, nodes)):
        # the engine names the criterion first, quoted, in its Vietnamese wording (the text itself)
        quoted = [by_code[c] for c in QUOTED_CODE.findall(str(said)) if c in by_code]
        about(in_language(said), quoted[0] if quoted else None)
        if not quoted and str(said).startswith(ENGINE_AREA_SUM):
            area_sum_note = items[-1]
    from scoring.administration.services.sets import classification_band_problems

    band_problems = classification_band_problems(
        indicator_set.classification_bands,
        standard_max=indicator_set.standard_max,
        index_mode=indicator_set.index_mode,
    )
    for band_problem in band_problems:
        about(band_problem, None)
    from scoring.administration.services.tree import rule_warnings, unreachable_maximum

    without_method: list[str] = []
    invalid_params: list[str] = []
    out_of_reach: list[ReportProblem] = []  # a maximum more than the method gives: a warning, as the editor allows it
    for node in nodes:
        if not node.is_leaf:
            continue
        if not node.method:
            without_method.append(node.code)
            about(_("Tiêu chí «%(code)s» chưa có phương pháp chấm.") % {"code": node.code}, node)
            continue
        try:
            engine.validate_params(selectors.leaf_rule(node), stored=True)
        except engine.EngineError as exc:
            invalid_params.append(node.code)
            about(f"{node.code}: {engine_text(exc)}", node)
            continue
        if node.method == Indicator.Method.MANUAL:  # the engine takes multiples of the step only
            step = (node.params or {}).get("step")
            unreachable = step_problem(max_points=node.max_points, floor=node.floor, step=step)
            if unreachable:
                invalid_params.append(node.code)
                about(f"{node.code}: {unreachable}", node)
        elif warning := unreachable_maximum(node):
            out_of_reach.append(ReportProblem(text=warning, indicator_id=node.pk, code=node.code))
        out_of_reach.extend(  # rules that make no sense on a unit's sheet (same points for «Có» and «Không» …)
            ReportProblem(text=text, indicator_id=node.pk, code=node.code) for text in rule_warnings(node)
        )
    by_id = {n.pk: n for n in nodes}
    warnings = out_of_reach + [
        ReportProblem(
            text=_(
                "Mã «%(code)s» không bắt đầu bằng mã của tiêu chí cha «%(parent)s» (có thể là mã cũ còn lại sau khi "
                "chuyển tiêu chí); hãy sửa mã nếu đó là nhầm lẫn."
            ) % {"code": node.code, "parent": by_id[node.parent_id].code},
            indicator_id=node.pk,
            code=node.code,
        )
        for node in nodes
        if node.parent_id in by_id and not code_follows_parent(node.code, by_id[node.parent_id].code)
    ]

    def area_of(node: Indicator) -> Indicator:
        while node.parent_id is not None and node.parent_id in by_id:
            node = by_id[node.parent_id]
        return node

    areas = [
        AreaCount(code=a.code, name=a.name, max_points=a.max_points, criteria=0, leaves=0)
        for a in nodes
        if a.parent_id is None
    ]
    index = {a.code: a for a in areas}
    for node in nodes:
        if node.parent_id is None:
            continue
        area = index[area_of(node).code]
        if node.level == 2:
            area.criteria += 1
        if node.is_leaf:
            area.leaves += 1
    kinds = {n.kind for n in nodes}
    has_bonus, has_penalty = Indicator.Kind.BONUS in kinds, Indicator.Kind.PENALTY in kinds
    area_total = normal_areas_total(nodes)
    report = SetReport(
        problems=problems,
        areas=areas,
        leaves=sum(1 for n in nodes if n.is_leaf),
        leaves_without_method=without_method,
        bonus_cap=indicator_set.bonus_cap,
        penalty_cap=indicator_set.penalty_cap,
        has_bonus=has_bonus,
        has_penalty=has_penalty,
        area_total=area_total,
        standard_max=indicator_set.standard_max,
        items=items,
        warnings=warnings,
        area_sum_note=area_sum_note,
    )
    # each check's result comes from the data, never from the problems' wording (which is in the page's language)
    report.checks = [
        (_("Điểm tối đa của mỗi tiêu chí bằng tổng điểm các tiêu chí con"), not _sums_mismatched(nodes)),
        (_("Tổng điểm các lĩnh vực bằng điểm chuẩn"), area_total == indicator_set.standard_max),
        (_("Đã đặt trần điểm cộng"), not has_bonus or indicator_set.bonus_cap is not None),
        (_("Đã đặt trần điểm trừ"), not has_penalty or indicator_set.penalty_cap is not None),
        (_("Thang xếp loại: ngưỡng từ 0 đến điểm chuẩn, mức thấp nhất từ 0 (gồm cả chỉ số âm)"), not band_problems),
        (
            _("Mọi tiêu chí thành phần có phương pháp chấm hợp lệ"),
            not without_method and not invalid_params,
        ),
    ]
    return report


def code_follows_parent(code: str, parent_code: str) -> bool:
    """Whether a criterion's code continues its parent's: it starts with the parent's code, and that code ends
    where a part of the code ends («1.1.2», «1.1a» under «1.1»; not «1.10» under «1.1» nor «12» under «1»).

    Codes are the decision's numbering and free-form (the editor and the import take any unique code), so a code
    that does not follow is a warning of the check, never a blocking problem: a moved criterion keeps its code."""
    if not parent_code or not code.startswith(parent_code) or len(code) == len(parent_code):
        return False
    last, following = parent_code[-1], code[len(parent_code)]
    same_part = last.isalnum() and following.isalnum() and last.isdigit() == following.isdigit()
    return not same_part


def children_totals_mismatched(nodes: list[Indicator]) -> dict[int, Decimal]:
    """The normal criteria (by id) whose maximum is not the sum of their normal sub-criteria's maxima (bonus and
    penalty aside), as the engine's tree check finds them, each with that sum."""
    children: dict[int, list[Indicator]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    normal = Indicator.Kind.NORMAL
    mismatched: dict[int, Decimal] = {}
    for node in nodes:
        if node.kind != normal or node.pk not in children:
            continue
        total = sum((c.max_points for c in children[node.pk] if c.kind == normal), Decimal("0"))
        if total != node.max_points:
            mismatched[node.pk] = total
    return mismatched


def normal_areas_total(nodes: list[Indicator]) -> Decimal:
    """The sum of the normal areas' maxima (what the set's standard must be)."""
    return sum(
        (a.max_points for a in nodes if a.parent_id is None and a.kind == Indicator.Kind.NORMAL), Decimal("0")
    )


def _sums_mismatched(nodes: list[Indicator]) -> list[str]:
    """The codes of the normal criteria whose maximum is not the sum of their normal sub-criteria's maxima."""
    by_id = {n.pk: n for n in nodes}
    return [by_id[pk].code for pk in children_totals_mismatched(nodes)]


# --- diff --------------------------------------------------------------------------------------------------

COMPARED = (
    "name",
    "kind",
    "max_points",
    "floor",
    "method",
    "params",
    "evidence_required",
    "guidance",
    "coordinating_department",
    "parent_code",
)
# read when a page is drawn, in its language (a label translated at import would stay in the language of the import)
FIELD_LABELS = {
    "name": gettext_lazy("nội dung"),
    "kind": gettext_lazy("loại"),
    "max_points": gettext_lazy("điểm tối đa"),
    "floor": gettext_lazy("điểm tối thiểu"),
    "method": gettext_lazy("phương pháp chấm"),
    "params": gettext_lazy("tham số"),
    "evidence_required": gettext_lazy("cần tài liệu"),
    "guidance": gettext_lazy("hướng dẫn"),
    "coordinating_department": gettext_lazy("cơ quan phối hợp"),
    "parent_code": gettext_lazy("mã cha"),
}


@dataclass
class DiffRow:
    old: Indicator | None
    new: Indicator | None
    fields: list[str] = field(default_factory=list)
    mapped: bool = False

    @property
    def labels(self) -> list[str]:
        return [str(FIELD_LABELS[f]) for f in self.fields]


@dataclass
class SetDiff:
    old: IndicatorSet
    new: IndicatorSet
    added: list[DiffRow]
    removed: list[DiffRow]
    changed: list[DiffRow]
    renumbered: list[DiffRow]
    unchanged: int
    mappings: list[IndicatorMapping]
    # the keys of the sets between `old` and `new` when `new` is a clone of a clone … of `old` (oldest first)
    through: list[str] = field(default_factory=list)


def older_and_newer(a: IndicatorSet, b: IndicatorSet) -> tuple[IndicatorSet, IndicatorSet]:
    """Two sets as a comparison or a mapping takes them: the older first, whichever is given first. By year; in one
    year, the set the other was cloned from is the older, otherwise the one created first."""
    if a.year != b.year:
        return (a, b) if a.year < b.year else (b, a)
    if b.cloned_from_id == a.pk:
        return a, b
    if a.cloned_from_id == b.pk:
        return b, a
    return (a, b) if (a.created_at, a.pk) <= (b.created_at, b.pk) else (b, a)


def sets_to_compare_with(indicator_set: IndicatorSet) -> list[IndicatorSet]:
    """The sets a set's comparison page offers: first the one it was cloned from, then the other sets of its unit
    kind by year (newest first), then the other kinds' (a kind may be scored on another kind's set)."""
    others = IndicatorSet.objects.exclude(pk=indicator_set.pk).select_related("unit_kind").annotate(
        rank=Case(
            When(pk=indicator_set.cloned_from_id or 0, then=Value(0)),
            When(unit_kind_id=indicator_set.unit_kind_id, then=Value(1)),
            default=Value(2),
        )
    )
    return list(others.order_by("rank", "-year", "-version", "unit_kind__order", "key"))


def _values(node: Indicator, codes: dict[int, str]) -> dict[str, Any]:
    values = {name: getattr(node, name) for name in COMPARED if name != "parent_code"}
    values["parent_code"] = codes.get(node.parent_id) if node.parent_id else None
    return values


# how many generations of clones the comparison follows back (a set cloned, its clone cloned again …)
CLONE_GENERATIONS = 10


def _set_path(old: IndicatorSet, new: IndicatorSet) -> list[int]:
    """The pks of the sets from `old` to `new` through `IndicatorSet.cloned_from` (`new` a clone of `old`, or a clone
    of a clone …: [old, …, new]); [] when `new` does not descend from `old`. One query per set between them."""
    path = [new.pk]
    parent = new.cloned_from_id
    for _generation in range(CLONE_GENERATIONS):
        if parent is None or parent in path:
            return []
        path.append(parent)
        if parent == old.pk:
            return path[::-1]
        parent = IndicatorSet.objects.filter(pk=parent).values_list("cloned_from_id", flat=True).first()
    return []


@dataclass
class _Step:
    """One clone between the compared sets (`a` → `b`, `b` cloned from `a`), to follow a code across it."""

    mapped: dict[str, str]  # the administrator's mappings a → b
    links: dict[str, str]  # a's code → the code of b's criterion copied from it (`Indicator.cloned_from`)
    codes: set[str]  # b's codes

    def follow(self, code: str) -> str | None:
        """`code` of `a` as `b` numbers it: by the link when `b` has links to `a`; else by the mapping; else the same
        code when `b` has it and no mapping gave it to another criterion; None: not in `b`."""
        if self.links:
            return self.links.get(code, self.mapped.get(code))
        if code in self.mapped:
            return self.mapped[code]
        return code if code in self.codes and code not in self.mapped.values() else None


def indicator_set_diff(*, old: IndicatorSet, new: IndicatorSet) -> SetDiff:
    """Nodes paired first by the clone's link (`Indicator.cloned_from`: the newer set's criterion copied from the
    older one's, or the other way), through the whole chain of clones (a clone of a clone of `old` …, as the
    publication's comparison pairs them by `origins`), whatever their codes. Then, where no link pairs them, by the
    administrator's mappings, from `old` to `new`, else composed along the clones between them (each clone's
    mappings, its links, its codes); by code only between sets with no link at all between them (cloned before the
    link was kept, or unrelated): in a clone, a criterion without a link is new and an old one whose copy was deleted
    is removed, even when a new criterion took its code. Three queries when `new` is a clone of `old`; four more,
    and one more per further set between them, for a longer chain of clones; between other sets, one more per set
    `new` descends from (looked through for `old`) and per generation of criteria `new`'s were copied from."""
    old_nodes = list(old.indicators.order_by("order"))
    new_nodes = list(new.indicators.order_by("order"))
    mappings = list(IndicatorMapping.objects.filter(from_set=old, to_set=new).order_by("from_code"))
    direct = {m.from_code: m.to_code for m in mappings}
    old_codes = {n.pk: n.code for n in old_nodes}
    new_codes = {n.pk: n.code for n in new_nodes}
    old_by_pk = {n.pk: n for n in old_nodes}
    new_by_pk = {n.pk: n for n in new_nodes}
    new_by_code = {n.code: n for n in new_nodes}
    path = _set_path(old, new)
    between = path[1:-1]
    # the criteria of the sets between (pk, set, code, cloned_from), to follow links and codes across each clone
    middle = list(Indicator.objects.filter(indicator_set_id__in=between).values_list(
        "pk", "indicator_set_id", "code", "cloned_from_id")) if between else []
    keys = dict(IndicatorSet.objects.filter(pk__in=between).values_list("pk", "key")) if between else {}
    known: dict[int, int | None] = {n.pk: n.cloned_from_id for n in (*old_nodes, *new_nodes)}
    known.update({pk: origin for pk, _set, _code, origin in middle})
    paired: dict[int, Indicator] = {}  # old node's pk → the new node it is
    taken: set[int] = set()

    def pair(node: Indicator, other: Indicator) -> None:
        paired[node.pk] = other
        taken.add(other.pk)

    new_origins = clone_chains(new_nodes, known=known).chains
    for other in new_nodes:
        source = next((old_by_pk[o] for o in new_origins[other.pk] if o in old_by_pk), None)
        if source is not None and source.pk not in paired:
            pair(source, other)
    # the other way round (the older set a copy of the newer, as a clone into an earlier year), through the
    # criteria read only: a set's clone is made after it, so this is rare and not worth a query
    old_origins = clone_chains(old_nodes, known=known, read=False).chains
    for node in old_nodes:
        copy = next((new_by_pk[o] for o in old_origins[node.pk] if o in new_by_pk), None)
        if copy is not None and node.pk not in paired and copy.pk not in taken:
            pair(node, copy)
    linked = bool(paired)
    # each old code as the new set numbers it, where no link said: the mappings old → new, else those of each
    # clone between them composed; by code only between sets with no link (None: not in the new set)
    followed: dict[str, str | None] = {}
    if len(path) > 2:
        codes_of: dict[int, dict[int, str]] = {old.pk: old_codes, new.pk: new_codes}
        origin_of: dict[int, int | None] = {n.pk: n.cloned_from_id for n in new_nodes}
        for pk, set_id, code, copied_from in middle:
            codes_of.setdefault(set_id, {})[pk] = code
            origin_of[pk] = copied_from
        step_mappings: dict[tuple[int, int], dict[str, str]] = {}
        for m in IndicatorMapping.objects.filter(from_set_id__in=path[:-1], to_set_id__in=path[1:]):
            step_mappings.setdefault((m.from_set_id, m.to_set_id), {})[m.from_code] = m.to_code
        steps = []
        for source_id, clone_id in itertools.pairwise(path):
            a_codes, b_codes = codes_of.get(source_id, {}), codes_of.get(clone_id, {})
            links = {a_codes[origin]: code for pk, code in b_codes.items()
                     if (origin := origin_of.get(pk)) is not None and origin in a_codes}
            steps.append(_Step(mapped=step_mappings.get((source_id, clone_id), {}), links=links,
                               codes=set(b_codes.values())))
        for code in old_codes.values():
            current: str | None = code
            for step in steps:
                current = step.follow(current) if current is not None else None
            followed[code] = current
    else:
        claimed = set(direct.values())
        followed = {code: None if linked or code in claimed else code for code in old_codes.values()}
    followed.update(direct)
    for node in old_nodes:
        if node.pk in paired or (target := followed.get(node.code)) is None:
            continue
        candidate = new_by_code.get(target)
        if candidate is not None and candidate.pk not in taken:
            pair(node, candidate)
    # A parent code is compared through the pairing, so renumbering a parent does not flag every child.
    translate = {code: followed.get(code) or code for code in old_codes.values()}
    translate.update({old_codes[pk]: other.code for pk, other in paired.items()})
    removed: list[DiffRow] = []
    changed: list[DiffRow] = []
    renumbered: list[DiffRow] = []
    unchanged = 0
    for node in old_nodes:
        match = paired.get(node.pk)
        if match is None:
            removed.append(DiffRow(old=node, new=None))
            continue
        a = _values(node, old_codes)
        if a["parent_code"]:
            a["parent_code"] = translate.get(a["parent_code"], a["parent_code"])
        b = _values(match, new_codes)
        fields = [name for name in COMPARED if a[name] != b[name]]
        row = DiffRow(old=node, new=match, fields=fields, mapped=node.code != match.code)
        if row.mapped:
            renumbered.append(row)
        if fields:
            changed.append(row)
        elif not row.mapped:
            unchanged += 1
    added = [DiffRow(old=None, new=n) for n in new_nodes if n.pk not in taken]
    return SetDiff(
        old=old,
        new=new,
        added=added,
        removed=removed,
        changed=changed,
        renumbered=renumbered,
        unchanged=unchanged,
        mappings=mappings,
        through=[keys[pk] for pk in between if pk in keys],
    )


# --- lists ---------------------------------------------------------------------------------------------------


def indicator_sets_for_admin() -> QuerySet[IndicatorSet]:
    return (
        IndicatorSet.objects.select_related("unit_kind")
        .annotate(nodes=Count("indicators", distinct=True), used_by=Count("cycle_sets", distinct=True),
                  # as the rest of the product counts them: «39 tiêu chí, 105 tiêu chí thành phần»
                  criteria=Count("indicators", filter=Q(indicators__level=2), distinct=True),
                  leaves=Count("indicators", filter=Q(indicators__is_leaf=True), distinct=True))
        .order_by("-year", "unit_kind__order", "version")
    )


def search_key(query: str) -> str:
    """A search as compared: NFC (a query typed on a Mac comes decomposed), single spaces, lower case."""
    return " ".join(unicodedata.normalize("NFC", query or "").split()).lower()


def text_search(query: str, *fields: Any) -> Q:
    """Rows where one of `fields` (names or expressions) contains `query`, ignoring case in every alphabet: «Y TẾ»
    and «SỞ Y» find «Sở Y tế» on PostgreSQL and on the embedded SQLite alike (`icontains` folds only A–Z there).
    Both sides are lowered the same way: the query here, the field by LOWER (Unicode-aware on SQLite through
    `cchc.sqlite`). Accents still count («y te» does not find «Y tế»)."""
    key = search_key(query)
    found = Q()
    for field_ in fields:
        found |= Q(Contains(Lower(field_), key))
    return found


def units_for_admin(*, query: str = "", kind_id: int | None = None, include_inactive: bool = True) -> QuerySet[Unit]:
    units = Unit.objects.select_related("kind", "ranking_group", "parent", "succession__successor")
    if search_key(query):
        units = units.filter(text_search(query, "name", "code", "short_name"))
    if kind_id:
        units = units.filter(kind_id=kind_id)
    if not include_inactive:
        units = units.filter(active=True)
    return units.order_by("-active", "kind__order", vietnamese("name"), "code")  # Vietnamese alphabetical order


def unit_export_rows(units: QuerySet[Unit]) -> list[tuple[Any, ...]]:
    """The unit list as Excel rows, in the import's columns (kind, group, parent as codes; the status as 1/0), then the
    code of the unit each merged one went into (read-only: `UNIT_MERGED_HEADER`); in the
    list's order, except that a unit's parent (when listed) comes before it: the import wants it there, so the
    file imports back as it is."""
    listed = list(units)
    by_id = {u.pk: u for u in listed}
    ordered: list[Unit] = []
    placed: set[int] = set()

    def place(unit: Unit, path: frozenset[int] = frozenset()) -> None:
        if unit.pk in placed or unit.pk in path:
            return
        if unit.parent_id in by_id:
            place(by_id[unit.parent_id], path | {unit.pk})
        placed.add(unit.pk)
        ordered.append(unit)

    for unit in listed:
        place(unit)
    return [
        (u.code, u.name, u.short_name, u.kind.code, u.ranking_group.code if u.ranking_group else "",
         u.parent.code if u.parent else "", 1 if u.active else 0, u.superior_body, _merged_into(u))
        for u in ordered
    ]


def unit_assessments_not_published(*, unit: Unit) -> QuerySet[Assessment]:
    """The unit's assessments in cycles whose results are not published: neither «Đã công bố» nor ever published
    (a cycle taken back to «Hoàn thiện kết quả» for a correction keeps its published ranking's groups). These
    follow the unit into another ranking group; the others keep the group they were ranked in that year."""
    return (
        Assessment.objects.filter(unit=unit)
        .exclude(cycle__phase=Cycle.Phase.PUBLISHED)
        .exclude(cycle__publications__isnull=False)
    )


@dataclass(frozen=True)
class UnitGroupYears:
    """Where a unit's assessments are ranked after its group changed: the years of the cycles not published (in
    its group now), and the published ones ranked in another group, with that group's name (None: no group)."""

    followed: list[int]
    kept: list[tuple[int, str | None]]


def unit_group_years(*, unit: Unit) -> UnitGroupYears:
    """The unit's years by whether their ranking followed its group (`UnitGroupYears`), newest first. Two queries."""
    open_ids = set(unit_assessments_not_published(unit=unit).values_list("pk", flat=True))
    followed: list[int] = []
    kept: list[tuple[int, str | None]] = []
    for pk, year, group_id, group_name in (
        Assessment.objects.filter(unit=unit).order_by("-cycle__year")
        .values_list("pk", "cycle__year", "ranking_group_id", "ranking_group__name")
    ):
        if pk in open_ids:
            followed.append(year)
        elif group_id != unit.ranking_group_id:
            kept.append((year, group_name))
    return UnitGroupYears(followed=followed, kept=kept)


def _merged_into(unit: Unit) -> str:
    """The code of the unit `unit` was merged into (its succession, selected with it), else empty."""
    try:
        return unit.succession.successor.code
    except Unit.succession.RelatedObjectDoesNotExist:
        return ""


def user_export_rows(users: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The user list as Excel rows in the import's columns (`USER_COLUMNS`): one per role, the password cell
    empty, the account's state as 1/0; the file imports back unchanged. A user without a role has one row with
    the role left empty."""
    rows: list[tuple[Any, ...]] = []
    for user in users:
        name = " ".join(part for part in (user.first_name, user.last_name) if part)
        roles = sorted(user.roles.all(), key=lambda r: (r.role, r.unit.code if r.unit else ""))
        for role in roles or [None]:
            rows.append((
                user.username, name, user.email, "", role.role if role else "",
                role.unit.code if role and role.unit else "", 1 if user.is_active else 0,
            ))
    return rows


def cycles_for_admin() -> QuerySet[Cycle]:
    """Newest year first, as the sets' list (an aggregate query drops the model's ordering: named here)."""
    return (
        Cycle.objects.prefetch_related("cycle_sets__indicator_set", "cycle_sets__unit_kind")
        .annotate(assessments_count=Count("assessments", distinct=True))
        .order_by("-year")
    )


def cycle_assessments(*, cycle: Cycle, query: str = "", state: str = "") -> QuerySet[Assessment]:
    """The cycle's participants by unit kind and name; `query` matches a unit's name, short name or code."""
    found = cycle.assessments.select_related("unit").order_by("unit__kind__order", vietnamese("unit__name"), "pk")
    if search_key(query):
        found = found.filter(text_search(query, "unit__name", "unit__short_name", "unit__code"))
    if state:
        found = found.filter(state=state)
    return found


def cycle_candidates(*, cycle: Cycle) -> list[Unit]:
    """Active units of the cycle's kinds that do not take part yet, by kind and name."""
    return list(
        Unit.objects.filter(active=True, kind_id__in=cycle.cycle_sets.values("unit_kind_id"))
        .exclude(pk__in=cycle.assessments.values("unit_id")).select_related("kind")
        .order_by("kind__order", vietnamese("name"), "code")  # Vietnamese alphabetical order, as the units page
    )


def units_chosen(*, cycle: Cycle, unit_ids: list[int], kind_ids: list[int]) -> list[Unit]:
    """The active units picked one by one, and every active unit of the picked kinds (the cycle's kinds only:
    one field per kind, as a national cycle opens thousands, more fields than a form may send)."""
    chosen = Q(pk__in=unit_ids)
    if kind_ids:
        chosen |= Q(kind_id__in=cycle.cycle_sets.filter(unit_kind_id__in=kind_ids).values("unit_kind_id"))
    return list(Unit.objects.filter(chosen, active=True).order_by("kind__order", vietnamese("name")))


def cycle_state_counts(*, cycle: Cycle) -> dict[str, int]:
    """How many of the cycle's assessments are in each state (one grouped query)."""
    return dict(cycle.assessments.order_by().values_list("state").annotate(n=Count("pk")))


def users_for_admin(
    *, query: str = "", role: str = "", unit_code: str = "", at_stopped_unit: bool = False
) -> QuerySet[Any]:
    """The users list; `at_stopped_unit`: only those holding a role at a unit that stopped working."""
    users = get_user_model().objects.prefetch_related("roles__unit").order_by("-is_active", "username")
    # A full name is stored split (first_name "Nguyễn Thị", last_name "Lan"): search it whole, as typed (NFC,
    # single spaces), in either order.
    if search_key(query):
        users = users.filter(text_search(
            query, "username", "email",
            Concat("first_name", Value(" "), "last_name", output_field=CharField()),
            Concat("last_name", Value(" "), "first_name", output_field=CharField()),
        ))
    if role:
        users = users.filter(roles__role=role)
    if unit_code:  # an unknown code matches nobody
        users = users.filter(roles__unit__code=unit_code)
    if at_stopped_unit:
        users = users.filter(roles__unit__active=False)
    return users.distinct()


def role_assignments_of(*, user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("unit").order_by("role", vietnamese("unit__name"))


def audit_entries(
    *,
    actor_id: int | None = None,
    unit_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Every recorded change, newest first, filtered (dates are whole local days)."""
    entries = AuditEntry.objects.select_related("actor", "unit", "assessment").order_by("-at", "-id")
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if unit_id:
        entries = entries.filter(unit_id=unit_id)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:  # its id as recorded, or its code («1.1.2», a unit's code): `object_matching`
        from scoring.administration.audit_labels import object_matching

        entries = entries.filter(object_matching(object_id, object_type))
    if action:  # a recorded code (or its start, "unit.") or words of its Vietnamese label ("tự chấm")
        from scoring.administration.audit_labels import action_codes_matching

        entries = entries.filter(Q(action__startswith=action.strip()) | Q(action__in=action_codes_matching(action)))
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        entries = entries.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return entries


def audit_object_types() -> list[str]:
    return list(AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
