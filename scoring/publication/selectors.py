"""Publication reads. Everything public is read from a Publication's snapshot (never the live tables), so a
page costs a fixed number of queries whatever the number of units."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from cchc.collation import sort_key
from scoring import permissions
from scoring.engine import round_half_up
from scoring.forms import method_input_context
from scoring.models import (
    Assessment,
    Cycle,
    IndexResult,
    Indicator,
    IndicatorSet,
    Publication,
    Unit,
    UnitSuccession,
)
from scoring.selectors import not_applicable_credit

ZERO = Decimal("0")


def fold(text: str) -> str:
    """Text for search: lower case, without Vietnamese diacritics ("Sở Y tế" → "so y te")."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# What separates the words of a name, a short name or a code as the unit search reads them: spaces and punctuation
# («Lao động – Thương binh», «H. Cai Lậy», «so-tai-chinh»).
_WORD_BREAK = re.compile(r"[\W_]+")


def search_words(text: str) -> list[str]:
    """The words of a text as the unit search compares them: folded (`fold`), split at spaces and punctuation."""
    return [w for w in _WORD_BREAK.split(fold(text)) if w]


def matches_search(words: list[str], *texts: str) -> bool:
    """Whether every word of a search (`search_words`) begins a word of one of `texts`, in any order: «ubnd cai be»
    finds «UBND huyện Cái Bè», «so-tai-chinh» the unit of that code, «tp my tho» the short name «TP Mỹ Tho» with the
    name «UBND thành phố Mỹ Tho». No words: everything matches."""
    found = [w for text in texts if text for w in search_words(text)]
    return all(any(candidate.startswith(word) for candidate in found) for word in words)


def _latest_ids() -> set[tuple[int, int]]:
    """(cycle id, latest revision) of every published cycle: one query."""
    latest = Publication.objects.order_by().values("cycle_id").annotate(m=Max("revision"))
    return set(latest.values_list("cycle_id", "m"))


def published_cycles() -> list[Publication]:
    """The latest revision of every published cycle, newest year first (snapshot not loaded)."""
    latest = _latest_ids()
    pubs = Publication.objects.select_related("cycle").defer("snapshot", "scores", "notes").order_by("-cycle__year")
    return [p for p in pubs if (p.cycle_id, p.revision) in latest]


def published_cycles_with_rows(*, up_to: int) -> list[Publication]:
    """The latest revision of every cycle published up to a year, with its snapshot (for trends)."""
    latest = _latest_ids()
    pubs = Publication.objects.select_related("cycle").defer("scores", "notes").filter(cycle__year__lte=up_to)
    return [p for p in pubs if (p.cycle_id, p.revision) in latest]


@dataclass(frozen=True)
class TrendPoint:
    """One year of a `TrendSeries`: the average index of the units scored with the series' set that year."""

    year: int
    set_name: str
    set_version: int
    units: int
    average: Decimal


@dataclass
class TrendSeries:
    """The yearly average index of the units scored with one indicator set, followed across years by the unit kind
    the set is for (a cycle scores each unit kind with one set; the set is cloned, renamed or replaced from year to
    year). `label`: the set's name in the latest year; each point keeps its own year's set name and version."""

    key: str
    label: str
    points: list[TrendPoint] = field(default_factory=list)


def yearly_set_averages(*, up_to: int) -> list[TrendSeries]:
    """The published average index of each indicator set over the years (latest revision of every cycle published
    up to `up_to`, oldest first), rounded half up to two decimals at the end. Never across sets: the departments'
    and the districts' sets have their own maximums per area and their own index, so a mean of both measures
    nothing (as the PDF's area averages, `set_area_average`). Every published unit counts, a unit scored 0 because
    it never submitted included. Series in the order of their unit kinds, then by name. Two queries."""
    from scoring.models import IndicatorSet

    publications = sorted(published_cycles_with_rows(up_to=up_to), key=lambda p: p.cycle.year)
    keys = {key for p in publications for key in p.snapshot.get("sets", {})}
    kinds = {key: (order, f"kind:{kind_id}") for key, kind_id, order in
             IndicatorSet.objects.filter(key__in=keys).values_list("key", "unit_kind_id", "unit_kind__order")}
    series: dict[str, TrendSeries] = {}
    kind_order: dict[str, int] = {}
    for pub in publications:
        rows = pub.snapshot.get("rows", [])
        # (series) → the year's sets (name, version) and indexes: a cycle scores a unit kind with one set, so one
        # set a year as a rule; two (hand-made data) are taken together, each unit once.
        year: dict[str, tuple[list[str], list[int], list[Decimal]]] = {}
        for key, s in pub.snapshot.get("sets", {}).items():
            indexes = [Decimal(r["index"]) for r in rows if r["set_key"] == key]
            if not indexes:
                continue
            # A set no longer in the database (never, while a cycle uses it) is a series of its own.
            order, series_key = kinds.get(key, (1 << 30, f"set:{key}"))
            kind_order[series_key] = order
            names, versions, values = year.setdefault(series_key, ([], [], []))
            names.append(s.get("name") or key)
            versions.append(s.get("version", 1))
            values.extend(indexes)
        for series_key, (names, versions, values) in year.items():
            line = series.setdefault(series_key, TrendSeries(key=series_key, label=names[0]))
            line.label = names[0]  # the latest year's name
            line.points.append(TrendPoint(
                year=pub.cycle.year, set_name=" + ".join(names), set_version=versions[0], units=len(values),
                average=round_half_up(sum(values, ZERO) / len(values)),
            ))
    return sorted(series.values(), key=lambda t: (kind_order[t.key], sort_key(t.label)))


def is_published(*, cycle: Cycle) -> bool:
    return Publication.objects.filter(cycle=cycle).exists()


class Settled(NamedTuple):
    """The day (in the province) a unit's results took the form a publication announces, and the unit's name;
    `moment`, the time itself: of two units settled the same day, the later one is the later by time."""

    day: datetime.date
    unit_name: str
    moment: datetime.datetime | None = None


def results_settled(*, cycle: Cycle) -> dict[str, Settled]:
    """Each signed-off unit of the cycle with a result (by unit code): the later of its sign-off and its result's
    computation, as a day in the province. The computation counts too: its time is when the figures last changed
    (`IndexResult.computed_at`; a recompute that finds the same figures keeps it), so a result recomputed after
    the team signed it off exists only from then. One query."""
    rows = IndexResult.objects.filter(
        assessment__cycle=cycle, assessment__state=Assessment.State.SIGNED_OFF
    ).values_list("assessment__unit__code", "assessment__unit__name", "assessment__signed_off_at", "computed_at")
    settled = {}
    for code, name, signed_off_at, computed_at in rows:
        moment = max(m for m in (signed_off_at, computed_at) if m is not None)
        settled[code] = Settled(timezone.localdate(moment), name, moment)
    return settled


def published_order(groups: list[dict[str, Any]]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The key of the published order of a snapshot's rows: by ranking group (in the order of `groups`; units
    without a group last), then rank (unranked last), then the unit's name in Vietnamese alphabetical order
    (`cchc.collation.sort_key`: equal indexes share a rank and are listed by name), then its code."""
    position = {g["code"]: n for n, g in enumerate(groups)}

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        rank = row["rank"]
        return (position.get(row["group_code"], len(position)), rank is None, rank or 0, sort_key(row["unit_name"]),
                row["unit_code"])

    return key


def in_published_order(snapshot: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` with its rows in the published order (`published_order`), sorted in place. A snapshot is stored
    in that order; one stored before ties were listed in Vietnamese order (by code point: «Sở Thông tin…» before
    «Sở Tài nguyên…») is put in it when read, so every page and file of every year lists ties alike. The order of
    the ties is no figure of the results (`services.figures_unchanged` ignores it)."""
    rows = snapshot.get("rows")
    if rows:
        rows.sort(key=published_order(snapshot.get("groups", [])))
    return snapshot


class NotPublished(Http404):
    """A year that is not published (`revision` None), or a revision `revision` its publication does not have. An
    Http404: the API answers it as any missing page (its JSON `not_found`); the public pages say which (`views`)."""

    def __init__(self, *, year: int, revision: int | None = None) -> None:
        super().__init__(f"{year} not published" if revision is None else f"{year} has no revision {revision}")
        self.year = year
        self.revision = revision


class UnitNotPublished(Http404):
    """A published year without a result for the unit of that code (an Http404, as `NotPublished`)."""

    def __init__(self, *, unit_code: str) -> None:
        super().__init__(f"no published result for {unit_code}")
        self.unit_code = unit_code


def publication_get(*, year: int, revision: int | None = None, with_scores: bool = False) -> Publication:
    """The latest (or the given) revision of a year's publication, its rows in the published order
    (`in_published_order`); `NotPublished` (a 404) when the year is not published or has no such revision."""
    qs = Publication.objects.select_related("cycle", "published_by").filter(cycle__year=year)
    if not with_scores:
        qs = qs.defer("scores", "notes")
    if revision is not None:
        qs = qs.filter(revision=revision)
    publication = qs.order_by("-revision").first()
    if publication is None:
        published = revision is not None and Publication.objects.filter(cycle__year=year).exists()
        raise NotPublished(year=year, revision=revision if published else None)
    in_published_order(publication.snapshot)
    return publication


def _with_document_only(qs: Any) -> Any:
    """`document_only` on each revision: a correction of the document's information only, its results those of
    the revision before (`services.cycle_publish` marks it in the snapshot, read here without loading it)."""
    return qs.annotate(document_only=ExpressionWrapper(Q(snapshot__document_only=True), output_field=BooleanField()))


def cycle_published_sets(*, cycle: Cycle) -> list[IndicatorSet]:
    """The indicator sets the cycle's units are scored with, each with how many of its units (`units`), by year and
    key: what the publication names beside each unit (name, decision), shown on the publish page with each set's
    source note, so that a set marked as provisional is seen before its results are. One query."""
    return list(IndicatorSet.objects.filter(assessments__cycle=cycle).annotate(
        units=Count("assessments", filter=Q(assessments__cycle=cycle))).order_by("year", "key"))


def publication_revisions(*, cycle_id: int) -> list[Publication]:
    return list(
        _with_document_only(Publication.objects.filter(cycle_id=cycle_id)).defer("snapshot", "scores", "notes")
        .select_related("published_by")
        .order_by("-revision")
    )


def latest_revision(*, cycle_id: int) -> Publication | None:
    """The cycle's latest revision (its document only), which an older one's pages point to."""
    return (_with_document_only(Publication.objects.filter(cycle_id=cycle_id)).defer("snapshot", "scores", "notes")
            .order_by("-revision").first())


def results_corrected_since(*, publication: Publication, revisions: list[Publication]) -> bool:
    """Whether a later revision than `publication` corrected results (not only the document's information)."""
    return any(not getattr(r, "document_only", False) for r in revisions if r.revision > publication.revision)


# --- tables --------------------------------------------------------------------------------------------


@dataclass
class GroupTable:
    code: str
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def areas(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-level normal areas across the snapshot's sets, by code (the first set's name and maximum win, as the
    downloads' stable columns have it). `maxima` lists each set's (its name, its maximum) and `same_max` says
    whether they agree: the departments' and the districts' sets weigh the same area differently."""
    seen: dict[str, dict[str, Any]] = {}
    for s in snapshot.get("sets", {}).values():
        for ind in s["indicators"]:
            if ind["parent"] is None and ind["kind"] == "normal":
                area = seen.setdefault(ind["code"], {"code": ind["code"], "name": ind["name"], "maxima": []})
                area["maxima"].append((s.get("name", ""), ind["max_points"]))
    for area in seen.values():
        area["max_points"] = area["maxima"][0][1]
        area["same_max"] = len({Decimal(str(m)) for _name, m in area["maxima"]}) == 1
    return sorted(seen.values(), key=lambda a: [int(p) if p.isdigit() else p for p in a["code"].split(".")])


def ranking_tables(
    *, snapshot: dict[str, Any], query: str = "", group: str = "", classification: str = ""
) -> list[GroupTable]:
    """Rows of each ranking group in published order (rank, then name), filtered by a search text (every word of
    it begins a word of the unit's name, short name or code, without diacritics: `matches_search`), a group code and
    a classification; groups with no matching row are left out."""
    names = {g["code"]: g["name"] for g in snapshot.get("groups", [])}
    tables: dict[str, GroupTable] = {}
    for code, name in names.items():
        tables[code] = GroupTable(code=code, name=name)
    words = search_words(query)
    for row in snapshot.get("rows", []):
        code = row["group_code"]
        table = tables.setdefault(code, GroupTable(code=code, name=names.get(code) or gettext("Không xếp hạng")))
        table.total += 1
        if group and code != group:
            continue
        if classification and row["classification"] != classification:
            continue
        if words and not matches_search(words, row["unit_name"], row.get("unit_short_name", ""), row["unit_code"]):
            continue
        table.rows.append(row)
    return [t for t in tables.values() if t.rows]


def distribution_step(snapshot: dict[str, Any]) -> Decimal:
    """Bin width of the score distribution: a twentieth of the largest standard maximum (5 points of 100)."""
    maxima = [Decimal(s["standard_max"]) for s in snapshot.get("sets", {}).values()] or [Decimal("100")]
    return max(maxima) / 20


def _band_thresholds(set_keys: list[str]) -> dict[str, Decimal]:
    """Each band name of the sets' scales with its threshold (the highest, when the sets share a name). One query."""
    from scoring.models import IndicatorSet

    thresholds: dict[str, Decimal] = {}
    for bands in IndicatorSet.objects.filter(key__in=set_keys).values_list("classification_bands", flat=True):
        for band in bands or []:
            try:
                threshold = Decimal(str(band["min"]))
            except (KeyError, TypeError, ArithmeticError, ValueError):
                continue
            label = str(band.get("label", ""))
            if label not in thresholds or threshold > thresholds[label]:
                thresholds[label] = threshold
    return thresholds


def classifications(snapshot: dict[str, Any]) -> list[str]:
    """The classifications given in the publication, in the order of the sets' bands: highest threshold first. A
    name no scale has (any more) comes after, by the highest index classified so (which orders one set's bands
    the same way)."""
    highest: dict[str, Decimal] = {}
    for row in snapshot.get("rows", []):
        name = row["classification"]
        if name:
            index = Decimal(row["index"])
            highest[name] = max(index, highest.get(name, index))
    if not highest:
        return []
    thresholds = _band_thresholds(list(snapshot.get("sets", {})))
    return sorted(highest, key=lambda name: (name not in thresholds, -thresholds.get(name, Decimal(0)),
                                             -highest[name], name))


def kind_codes(snapshot: dict[str, Any], at: datetime.datetime | None) -> dict[str, str]:
    """{a unit kind's name at the moment `at` a snapshot was published: its code}, for a snapshot published before its
    rows carried the code (`unit_kind_code`): kinds are renamed in place, their codes never change, and every
    rename is audited (old → new), so each kind's name then is its oldest rename's old name after that moment, else
    its name now. Names are unique at any moment; a kind made after the publication is left out, and a name two
    kinds could have had is left out too (its code unknown: null), so that the answer never changes later. No query
    when every row has its code; else two."""
    from scoring.models import AuditEntry, UnitKind

    if at is None or all("unit_kind_code" in r for r in snapshot.get("rows", [])):
        return {}
    kinds = {str(pk): (code, name) for pk, code, name in UnitKind.objects.values_list("pk", "code", "name")}
    names = {pk: name for pk, (_code, name) in kinds.items()}
    made_later: set[str] = set()
    for object_id, action, changes in (AuditEntry.objects.filter(object_type="UnitKind", at__gt=at,
                                                                 action__in=("unit_kind.rename", "unit_kind.create"))
                                       .order_by("-at", "-id").values_list("object_id", "action", "changes")):
        if action == "unit_kind.create":
            made_later.add(object_id)
        elif object_id in names and isinstance((changes or {}).get("name"), dict):
            names[object_id] = changes["name"].get("old") or names[object_id]  # newest first: the oldest one wins
    found: dict[str, list[str]] = defaultdict(list)
    for pk, name in names.items():
        if pk not in made_later:
            found[name].append(kinds[pk][0])
    return {name: codes[0] for name, codes in found.items() if len(codes) == 1}


def row_kind_code(row: dict[str, Any], codes: dict[str, str]) -> str | None:
    """A published row's unit kind code: stored with it since it was, else derived by `kind_codes` (None: not
    known)."""
    if "unit_kind_code" in row:
        return row["unit_kind_code"]
    return codes.get(row.get("unit_kind", ""))


def unit_row(*, snapshot: dict[str, Any], unit_code: str) -> dict[str, Any]:
    """The unit's row of a publication; `UnitNotPublished` (a 404) when it has none."""
    for row in snapshot.get("rows", []):
        if row["unit_code"] == unit_code:
            return row
    raise UnitNotPublished(unit_code=unit_code)


def group_rows(*, snapshot: dict[str, Any], group_code: str) -> list[dict[str, Any]]:
    return [r for r in snapshot.get("rows", []) if r["group_code"] == group_code]


def _area_average(rows: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """The average of each area total over `rows`, rounded half up to two decimals at the end. Every published
    unit counts, a unit the team scored 0 because it never submitted included: it is ranked with its 0,00 too."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        for code, value in r["area_totals"].items():
            sums[code] += Decimal(value)
            counts[code] += 1
    return {code: round_half_up(sums[code] / counts[code]) for code in sums}


def group_area_average(*, snapshot: dict[str, Any], group_code: str, set_key: str | None = None) -> dict[str, Decimal]:
    """The group's average of each area total; with `set_key`, of the group's units scored with that set only (a
    group whose units use two sets: an area's maximum differs between the sets, so the averages are taken apart)."""
    rows = group_rows(snapshot=snapshot, group_code=group_code)
    return _area_average(r for r in rows if set_key is None or r["set_key"] == set_key)


@dataclass(frozen=True)
class AverageScope:
    """Which units a group's average takes (`group_area_average`): `units` of them, `zeros` of which have an index
    of 0 (a unit that never submitted, scored 0 by the team), counted in the average as they are ranked."""

    units: int
    zeros: int


def group_average_scope(*, snapshot: dict[str, Any], group_code: str, set_key: str | None = None) -> AverageScope:
    """How many units `group_area_average` averages, and how many of them have an index of 0 (as the PDF report
    says of its averages)."""
    rows = [r for r in group_rows(snapshot=snapshot, group_code=group_code)
            if set_key is None or r["set_key"] == set_key]
    return AverageScope(units=len(rows), zeros=sum(1 for r in rows if Decimal(r["index"]) == 0))


def set_area_average(*, snapshot: dict[str, Any], set_key: str) -> dict[str, Decimal]:
    """The average of each area total over every unit scored with the indicator set, whatever its group: the
    overall average a group is compared with. Never across sets: the departments' and the districts' sets weigh
    an area differently (area 4: 10 and 11 points in Tiền Giang), so a mean of both measures nothing."""
    return _area_average(r for r in snapshot.get("rows", []) if r["set_key"] == set_key)


# --- a unit's page -----------------------------------------------------------------------------------


@dataclass
class BreakdownNode:
    code: str
    name: str
    level: int
    kind: str
    max_points: Decimal
    is_leaf: bool
    score: Decimal | None
    not_applicable: bool = False
    note: str = ""
    # An accepted «không phát sinh»: the points the engine credits the leaf (None: left out of the maximum instead)
    credit: Decimal | None = None
    # A leaf: the points the index counts for it (`counted_leaf_score`); None for a parent
    counted: Decimal | None = None


def unit_breakdown(
    *, snapshot: dict[str, Any], scores: dict[str, Any], row: dict[str, Any], notes: dict[str, str] | None = None
) -> list[BreakdownNode]:
    """The unit's set tree with its published scores: leaves as published, areas as published, other
    parents what the index counts for their leaves (`counted_leaf_score`); an accepted «không phát sinh» with the
    points the engine credits it (`credit`). `notes` (the appraisers' notes by leaf code) only for the unit itself."""
    s = snapshot["sets"][row["set_key"]]
    mode = s.get("index_mode", "points")
    leaf_scores = scores.get(row["unit_code"], {})
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for ind in s["indicators"]:
        children[ind["parent"]].append(ind)

    def subtotal(node: dict[str, Any]) -> Decimal:
        """What the index counts for a parent (as the engine: a bonus/penalty parent caps its children)."""
        total = ZERO
        for child in children.get(node["code"], []):
            if child["is_leaf"]:
                score, na = published_leaf(leaf_scores, child["code"])
                total += counted_leaf_score(kind=child["kind"], max_points=Decimal(child["max_points"]),
                                            score=score, not_applicable=na, index_mode=mode)
            else:
                total += subtotal(child)
        return total if node["kind"] == "normal" else min(total, Decimal(node["max_points"]))

    nodes: list[BreakdownNode] = []
    for ind in s["indicators"]:
        code = ind["code"]
        if ind["is_leaf"]:
            score, na = published_leaf(leaf_scores, code)
        elif ind["parent"] is None and code in row["area_totals"]:
            score, na = Decimal(row["area_totals"][code]), False
        else:
            score, na = subtotal(ind), False
        nodes.append(
            BreakdownNode(
                code=code, name=ind["name"], level=ind["level"], kind=ind["kind"],
                max_points=Decimal(ind["max_points"]), is_leaf=ind["is_leaf"], score=score, not_applicable=na,
                note=(notes or {}).get(code, ""),
                credit=not_applicable_credit(kind=ind["kind"], max_points=Decimal(ind["max_points"]),
                                             index_mode=mode) if na else None,
                counted=counted_leaf_score(kind=ind["kind"], max_points=Decimal(ind["max_points"]), score=score,
                                           not_applicable=na, index_mode=mode) if ind["is_leaf"] else None,
            )
        )
    return nodes


def own_notes(*, user: Any, publication: Publication, unit_code: str, unit_id: int) -> dict[str, str] | None:
    """The appraisers' notes per leaf as `publication` published them, for the unit's own people and administrators
    only (None otherwise); never the lines' notes of today, which a reopened unit's re-appraisal may have changed
    since. A publication made before the notes were kept with it (`notes` None) shows none: which of today's notes
    were the published ones cannot be told (`notes_not_kept`)."""
    if not permissions.can_view_published_notes(user, unit_id):
        return None
    return dict((publication.notes or {}).get(unit_code, {}))


def notes_not_kept(publication: Publication) -> bool:
    """The publication was made before the appraisers' notes were kept with it."""
    return publication.notes is None


def _successions() -> dict[int, int]:
    """predecessor id → successor id of every recorded merger (one query)."""
    return dict(UnitSuccession.objects.values_list("predecessor_id", "successor_id"))


def lineage(unit_id: int, successions: dict[int, int] | None = None) -> set[int]:
    """The unit, every unit merged into it (recursively) and every unit it was merged into: the identities
    under which its results were published over the years. Units merged into the same successor are not
    each other's lineage."""
    forward = successions if successions is not None else _successions()
    backward: dict[int, list[int]] = defaultdict(list)
    for old, new in forward.items():
        backward[new].append(old)
    found = {unit_id}
    stack = [unit_id]
    while stack:
        for older in backward.get(stack.pop(), []):
            if older not in found:
                found.add(older)
                stack.append(older)
    current = unit_id
    while current in forward and forward[current] not in found:
        current = forward[current]
        found.add(current)
    return found


@dataclass
class HistoryPoint:
    year: int
    revision: int
    unit_name: str
    group_name: str
    rank: int | None
    group_size: int
    index: Decimal
    classification: str
    # The latest correction up to the revision shown that changed the unit's index, rank or classification against
    # the revision before it (`result_key`, as `corrections`); None: published so from the first revision.
    corrected_in: int | None = None
    # Published marked «Không gửi báo cáo tự đánh giá» (the row's `not_submitted`): the index is the appraisal of
    # what the unit left at its deadline, not of a self-assessment it sent.
    not_submitted: bool = False


def rank_history(*, unit_id: int, shown: Publication | None = None) -> list[HistoryPoint]:
    """The unit's published rank and index in every published year (latest revision), oldest first; for the
    year of `shown` (the revision a page shows, an earlier one included), that revision, so that a page never
    gives two figures for one year. Followed through its lineage: a renamed unit keeps its identity (the name of
    each year is shown) and a merged unit's years include those of the units merged into it (several rows in a
    year when several were: the unit's own first, then by name in Vietnamese order)."""
    points: list[HistoryPoint] = []
    identities = lineage(unit_id)
    latest = _latest_ids()
    if shown is not None:
        latest = {(cycle, revision) for cycle, revision in latest if cycle != shown.cycle_id}
        latest.add((shown.cycle_id, shown.revision))
    # (cycle, unit) → the unit's result in each revision of the year, oldest first (None: not in it)
    results: dict[tuple[int, int], list[tuple[int, tuple[Decimal, int | None, str] | None]]] = defaultdict(list)
    shown_points: list[tuple[HistoryPoint, int, int]] = []
    publications = Publication.objects.select_related("cycle").defer("scores", "notes")
    for pub in publications.order_by("cycle__year", "revision"):
        rows = pub.snapshot.get("rows", [])
        by_unit = {r["unit_id"]: r for r in rows if r["unit_id"] in identities}
        for identity in identities:
            results[(pub.cycle_id, identity)].append(
                (pub.revision, result_key(by_unit[identity]) if identity in by_unit else None))
        if (pub.cycle_id, pub.revision) not in latest:
            continue
        names = {g["code"]: g["name"] for g in pub.snapshot.get("groups", [])}
        # Within a year: the unit's own row, then those of the units merged into it by name in Vietnamese order
        # (`cchc.collation.sort_key`, as the published lists order ties), never as the snapshot stores them (by rank).
        mine_rows = sorted((r for r in rows if r["unit_id"] in identities),
                           key=lambda r: (r["unit_id"] != unit_id, sort_key(r["unit_name"]), r["unit_code"]))
        for mine in mine_rows:
            point = HistoryPoint(
                year=pub.cycle.year, revision=pub.revision, unit_name=mine["unit_name"],
                group_name=names.get(mine["group_code"], ""), rank=mine["rank"],
                group_size=sum(1 for r in rows if r["group_code"] == mine["group_code"]),
                index=Decimal(mine["index"]), classification=mine["classification"],
                not_submitted=bool(mine.get("not_submitted")),
            )
            points.append(point)
            shown_points.append((point, pub.cycle_id, mine["unit_id"]))
    for point, cycle_id, identity in shown_points:
        steps = [(revision, key) for revision, key in results[(cycle_id, identity)] if revision <= point.revision]
        point.corrected_in = next((steps[n][0] for n in range(len(steps) - 1, 0, -1)
                                   if steps[n][1] != steps[n - 1][1]), None)
    return points


@dataclass(frozen=True)
class PublishedUnitYear:
    """A published year with a result of the unit (or of a unit of its lineage), under that year's code and name."""

    year: int
    unit_code: str
    unit_name: str


@dataclass
class PublishedUnit:
    """A unit as the publications know it: its latest published name and its published years, newest first."""

    name: str
    years: list[PublishedUnitYear]


def published_unit(*, unit_code: str) -> PublishedUnit | None:
    """The unit a results address names, as published: its name in the latest publication that has it, and every
    published year (latest revision) in which it — or a unit of its lineage (`lineage`: renamed, merged into it or
    it merged into) — has a result, newest first (in a year, its own row first, then by name in Vietnamese order).
    None when no publication has a result under that code: the address of a unit never published does not give its
    name away. What a year's page without the unit's result links to. Three queries."""
    publications = sorted(published_cycles_with_rows(up_to=9999), key=lambda p: -p.cycle.year)
    own = [(p, r) for p in publications for r in p.snapshot.get("rows", []) if r["unit_code"] == unit_code]
    if not own:
        return None
    successions = _successions()
    ids = {r["unit_id"] for _p, r in own} | set(Unit.objects.filter(code=unit_code).values_list("pk", flat=True))
    identities = {identity for unit_id in ids for identity in lineage(unit_id, successions)}
    years: list[PublishedUnitYear] = []
    for pub in publications:
        rows = sorted((r for r in pub.snapshot.get("rows", []) if r["unit_id"] in identities),
                      key=lambda r: (r["unit_code"] != unit_code, sort_key(r["unit_name"]), r["unit_code"]))
        years += [PublishedUnitYear(year=pub.cycle.year, unit_code=r["unit_code"], unit_name=r["unit_name"])
                  for r in rows]
    return PublishedUnit(name=own[0][1]["unit_name"], years=years)


def counted_leaf_score(
    *, kind: str, max_points: Decimal, score: Decimal | None, not_applicable: bool, index_mode: str = "points"
) -> Decimal:
    """The points the index counts for one leaf, by the rule of `scoring.engine.compute_index` (and of the
    set-wise recompute): a normal leaf counts its score up to its maximum, and an accepted «không phát sinh»
    (not applicable as appraised: the team did not overrule it) at its maximum in points mode (in percent
    mode it counts nothing and leaves the applicable maximum); a bonus or penalty leaf counts its score
    between 0 and its maximum, nothing when not applicable; a missing score counts 0.
    `tests/publication/test_services.py` checks it against the engine."""
    if kind == "normal":
        if not_applicable:
            return max_points if index_mode != "percent" else ZERO
        return ZERO if score is None else min(score, max_points)
    if not_applicable or score is None:
        return ZERO
    return min(max(score, ZERO), max_points)


def published_leaf(scores: dict[str, str | None], code: str) -> tuple[Decimal | None, bool]:
    """(appraised score, not applicable as appraised) of a leaf in a unit's published scores: the snapshot
    keeps None for a «không phát sinh» the team accepted (a leaf without a score is left out)."""
    raw = scores.get(code)
    return (None, code in scores) if raw is None else (Decimal(raw), False)


@dataclass
class CriterionGap:
    code: str
    name: str
    mine: Decimal
    theirs: Decimal
    mine_not_applicable: bool = False
    theirs_not_applicable: bool = False

    @property
    def difference(self) -> Decimal:
        return self.theirs - self.mine


@dataclass
class RankExplanation:
    above: dict[str, Any] | None
    tied: bool
    gap: Decimal
    behind: list[CriterionGap]
    ahead: list[CriterionGap]
    # the other units of the group with the same rank, by name (the first TIED_NAMED; `tied_more` the rest)
    tied_with: list[str] = field(default_factory=list)
    tied_more: int = 0
    # False: the unit above is scored with another indicator set, so no criterion is compared
    comparable: bool = True
    # A tie listed by the units' codes: the two names sort alike (`published_order`), not only by name
    listed_by_code: bool = False
    # how many units of the group share the rank, this one included (1: no tie)
    tied_count: int = 1
    # the unit listed just above the whole tied group (the last unit of a better rank) and how many points its
    # index is above theirs: why the tied group sits below the rank before it (None: the group leads)
    group_above: dict[str, Any] | None = None
    group_gap: Decimal = ZERO

    @property
    def identical(self) -> bool:
        """The unit above scored the same as this one on every criterion (as the index counts them)."""
        return self.above is not None and self.comparable and not self.behind and not self.ahead


TIED_NAMED = 5


def rank_explanation(*, snapshot: dict[str, Any], scores: dict[str, Any], row: dict[str, Any]) -> RankExplanation:
    """Which criteria separate the unit from the unit listed just above it in its group: the leaves where
    that unit scored more (largest gap first) and those where this unit scored more. Each leaf is compared
    by what the index counts for it (`counted_leaf_score`: an accepted «không phát sinh» at its maximum).
    Penalty leaves count against: a higher penalty is a lower contribution. A unit tied with the one above is
    listed after it by the published order's rule (`published_order`): by name in Vietnamese alphabetical order,
    by code when the names sort alike (`listed_by_code`); `identical` when they differ on no criterion. A unit of a
    tied group: `tied_count` units share the rank, and `group_above` is the unit listed just above the group, with
    `group_gap` the points its index is above theirs."""
    rows = group_rows(snapshot=snapshot, group_code=row["group_code"])
    position = next(n for n, r in enumerate(rows) if r["unit_code"] == row["unit_code"])
    tied = [r["unit_name"] for r in rows if r["rank"] == row["rank"] and r["unit_code"] != row["unit_code"]]
    if not row["group_code"]:
        tied = []
    tied_with, tied_more = tied[:TIED_NAMED], max(len(tied) - TIED_NAMED, 0)
    better = [r for r in rows[:position] if r["rank"] != row["rank"]] if tied else []
    group_above = better[-1] if better else None
    group_gap = Decimal(group_above["index"]) - Decimal(row["index"]) if group_above else ZERO
    if position == 0 or not row["group_code"]:
        return RankExplanation(above=None, tied=False, gap=ZERO, behind=[], ahead=[], tied_with=tied_with,
                               tied_more=tied_more, tied_count=len(tied) + 1)
    above = rows[position - 1]
    gap = Decimal(above["index"]) - Decimal(row["index"])
    behind: list[CriterionGap] = []
    ahead: list[CriterionGap] = []
    comparable = above["set_key"] == row["set_key"]
    if comparable:
        s = snapshot["sets"][row["set_key"]]
        mode = s.get("index_mode", "points")  # snapshots before the field was added: every set was in points
        mine_scores = scores.get(row["unit_code"], {})
        their_scores = scores.get(above["unit_code"], {})
        for ind in s["indicators"]:
            if not ind["is_leaf"]:
                continue
            sign = Decimal(-1) if ind["kind"] == "penalty" else Decimal(1)
            maximum = Decimal(ind["max_points"])
            (my_score, my_na), (their_score, their_na) = (
                published_leaf(mine_scores, ind["code"]), published_leaf(their_scores, ind["code"])
            )
            mine = counted_leaf_score(kind=ind["kind"], max_points=maximum, score=my_score, not_applicable=my_na,
                                      index_mode=mode) * sign
            theirs = counted_leaf_score(kind=ind["kind"], max_points=maximum, score=their_score,
                                        not_applicable=their_na, index_mode=mode) * sign
            if mine == theirs:
                continue
            item = CriterionGap(code=ind["code"], name=ind["name"], mine=mine, theirs=theirs,
                                mine_not_applicable=my_na, theirs_not_applicable=their_na)
            (behind if theirs > mine else ahead).append(item)
    behind.sort(key=lambda g: (-g.difference, g.code))
    ahead.sort(key=lambda g: (g.difference, g.code))
    return RankExplanation(above=above, tied=above["rank"] == row["rank"], gap=gap, behind=behind, ahead=ahead,
                           tied_with=tied_with, tied_more=tied_more, comparable=comparable,
                           listed_by_code=sort_key(above["unit_name"]) == sort_key(row["unit_name"]),
                           tied_count=len(tied) + 1, group_above=group_above, group_gap=group_gap)


# --- year over year -------------------------------------------------------------------------------------


@dataclass
class Change:
    unit_id: int
    unit_name: str
    earlier_name: str
    group_name: str
    earlier_index: Decimal
    later_index: Decimal
    earlier_rank: int | None
    later_rank: int | None
    # How the indicator set the unit was scored with differs between the two years (empty: the same yardstick):
    # an index measured against another set, version or maximum does not change like for like.
    set_changes: tuple[str, ...] = ()
    sets_compared: str = ""
    # the later year's code (its page's address) and ranking group
    unit_code: str = ""
    group_code: str = ""
    # Published marked «Không gửi báo cáo tự đánh giá» that year (the rows' `not_submitted`; the earlier year: any of
    # the units compared): that year's index is the appraisal of what the unit left at its deadline.
    earlier_not_submitted: bool = False
    later_not_submitted: bool = False

    @property
    def not_submitted(self) -> bool:
        """Either year is a non-submission: its index (often a 0 for criteria never scored) is not the result of a
        self-assessment the unit sent, so the change from or to it is not read as a change of the unit's results."""
        return self.earlier_not_submitted or self.later_not_submitted

    @property
    def index_change(self) -> Decimal | None:
        """Points gained or lost; None when either year is a non-submission (`not_submitted`)."""
        if self.not_submitted:
            return None
        return self.later_index - self.earlier_index

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost (negative); None when either year has no rank, or is a non-submission
        (`not_submitted`)."""
        if self.earlier_rank is None or self.later_rank is None or self.not_submitted:
            return None
        return self.earlier_rank - self.later_rank

    @property
    def renamed(self) -> bool:
        return self.unit_name != self.earlier_name


def _set_label(s: dict[str, Any]) -> str:
    return gettext("«%(name)s» (năm %(year)s, phiên bản %(version)s)") % {
        "name": s.get("name", s.get("key", "")), "year": s.get("year", ""), "version": s.get("version", ""),
    }


def set_differences(earlier: dict[str, Any], later: dict[str, Any]) -> list[str]:
    """What differs between two published indicator sets that bears on comparing their indexes: the standard
    maximum, the way the index is computed, the approving decision, the criteria (added, dropped, their maximum,
    kind or place changed, their text changed; each criterion compared with itself, `criteria_pairs`, so one only
    renumbered is no change). Empty when the later set measures as the earlier one did (a set cloned for the new
    year unchanged)."""
    found: list[str] = []
    if Decimal(str(earlier.get("standard_max", "100"))) != Decimal(str(later.get("standard_max", "100"))):
        found.append(gettext("điểm chuẩn %(a)s → %(b)s") % {"a": earlier.get("standard_max"),
                                                            "b": later.get("standard_max")})
    modes = {"points": gettext("theo điểm"), "percent": gettext("theo phần trăm")}
    mode_a, mode_b = earlier.get("index_mode", "points"), later.get("index_mode", "points")
    if mode_a != mode_b:
        found.append(gettext("cách tính chỉ số %(a)s → %(b)s") % {"a": modes.get(mode_a, mode_a),
                                                                   "b": modes.get(mode_b, mode_b)})
    if (earlier.get("decision_ref") or "") != (later.get("decision_ref") or ""):
        found.append(gettext("văn bản ban hành bộ chỉ số khác"))
    before = {i["code"]: i for i in earlier.get("indicators", [])}
    after = {i["code"]: i for i in later.get("indicators", [])}
    pairs = criteria_pairs(earlier, later)

    def shape(i: dict[str, Any], parent: str | None) -> tuple[Any, ...]:
        return parent, i["kind"], Decimal(str(i["max_points"])), i["is_leaf"]

    def moved_to(i: dict[str, Any]) -> str | None:
        """The earlier criterion's parent as the later set numbers it (a parent renumbered is not a move; a parent
        dropped is no parent of the later set)."""
        return None if i["parent"] is None else pairs.get(i["parent"], "")

    added = len(after.keys() - set(pairs.values()))
    dropped = len(before.keys() - pairs.keys())
    reshaped = reworded = 0
    for old_code, new_code in pairs.items():
        a, b = before[old_code], after[new_code]
        if shape(a, moved_to(a)) != shape(b, b["parent"]):
            reshaped += 1
        elif a["name"] != b["name"]:
            reworded += 1
    # each count in its language's singular or plural («1 new criterion», «2 new criteria»)
    if added:
        found.append(ngettext("%(n)s tiêu chí mới", "%(n)s tiêu chí mới", added) % {"n": added})
    if dropped:
        found.append(ngettext("%(n)s tiêu chí bỏ", "%(n)s tiêu chí bỏ", dropped) % {"n": dropped})
    if reshaped:
        found.append(ngettext("%(n)s tiêu chí đổi điểm tối đa, loại hoặc vị trí",
                              "%(n)s tiêu chí đổi điểm tối đa, loại hoặc vị trí", reshaped) % {"n": reshaped})
    if reworded:
        found.append(ngettext("%(n)s tiêu chí đổi nội dung", "%(n)s tiêu chí đổi nội dung", reworded)
                     % {"n": reworded})
    return found


def criteria_pairs(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, str]:
    """The criteria and areas of two published sets that are one another (earlier code → later code), by identity:
    the same criterion (a set published in both years), or the one the later criterion was copied from, through the
    chain of clones (`origins`, nearest first: the years between need not be published), or the other way round;
    whatever their codes, so a criterion renumbered is paired with itself, not with the one that took its code.
    By code only when no criterion is paired so (a snapshot published before it kept the criteria's identities,
    sets cloned before the link was kept, or unrelated sets); between linked sets, a criterion without a link is
    new and one whose copy is gone was dropped, even when another took its code."""
    before, after = earlier.get("indicators", []), later.get("indicators", [])
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    if all("id" in i for i in before) and all("id" in i for i in after):
        old_by_id = {i["id"]: i["code"] for i in before}
        new_by_id = {i["id"]: i["code"] for i in after}

        def pair(old_code: str | None, new_code: str | None) -> None:
            if old_code is not None and new_code is not None and old_code not in pairs and new_code not in taken:
                pairs[old_code] = new_code
                taken.add(new_code)

        for i in after:
            pair(next((old_by_id[o] for o in (i["id"], *i.get("origins", [])) if o in old_by_id), None), i["code"])
        for i in before:
            pair(i["code"], next((new_by_id[o] for o in i.get("origins", []) if o in new_by_id), None))
    if pairs:
        return pairs
    codes = {i["code"] for i in after}
    return {i["code"]: i["code"] for i in before if i["code"] in codes}


@dataclass
class SetChange:
    """One change of indicator set between the two years, with the units and groups it concerns."""

    sets_compared: str
    differences: tuple[str, ...]
    units: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


def set_changes_summary(changes: list[Change]) -> list[SetChange]:
    """The changes of indicator set found by `year_over_year`, once each, with their units and groups (in the
    later year's order): what the comparison page states above its table."""
    found: dict[tuple[str, tuple[str, ...]], SetChange] = {}
    for c in changes:
        if not c.set_changes:
            continue
        entry = found.setdefault((c.sets_compared, c.set_changes),
                                 SetChange(sets_compared=c.sets_compared, differences=c.set_changes))
        entry.units.append(c.unit_name)
        if c.group_name and c.group_name not in entry.groups:
            entry.groups.append(c.group_name)
    return list(found.values())


def year_over_year(*, earlier: Publication, later: Publication) -> list[Change]:
    """Score and rank changes of the units published in both years, in the later year's published order.
    Matched by the unit's identity, so a renamed unit is followed; a unit that absorbed units published in
    the earlier year (and not itself published then) is compared with them (the mean of their indexes).
    Each change says how the unit's indicator set differs between the years (`set_differences`)."""
    before = {r["unit_id"]: r for r in earlier.snapshot.get("rows", [])}
    earlier_sets, later_sets = earlier.snapshot.get("sets", {}), later.snapshot.get("sets", {})
    compared: dict[tuple[str, str], list[str]] = {}

    def differences(old_key: str, new_key: str) -> list[str]:
        if (old_key, new_key) not in compared:
            old_set, new_set = earlier_sets.get(old_key), later_sets.get(new_key)
            compared[(old_key, new_key)] = (
                set_differences(old_set, new_set) if old_set is not None and new_set is not None else []
            )
        return compared[(old_key, new_key)]

    names = {g["code"]: g["name"] for g in later.snapshot.get("groups", [])}
    successions = _successions()
    later_ids = {r["unit_id"] for r in later.snapshot.get("rows", [])}
    changes: list[Change] = []
    for r in later.snapshot.get("rows", []):
        olds = [before[r["unit_id"]]] if r["unit_id"] in before else sorted(
            (before[u] for u in lineage(r["unit_id"], successions) if u in before and u not in later_ids),
            key=lambda o: sort_key(o["unit_name"]),
        )
        if not olds:
            continue
        # Units merged into this one: compared with the mean of their indexes (no single earlier rank).
        earlier_index = round_half_up(sum((Decimal(o["index"]) for o in olds), ZERO) / len(olds))
        old_keys = list(dict.fromkeys(o["set_key"] for o in olds))
        found: list[str] = []
        for key in old_keys:
            found += [d for d in differences(key, r["set_key"]) if d not in found]
        sets_compared = ""
        if found:
            sets_compared = gettext("%(a)s → %(b)s") % {
                "a": " + ".join(_set_label(earlier_sets[k]) for k in old_keys if k in earlier_sets),
                "b": _set_label(later_sets[r["set_key"]]),
            }
        changes.append(
            Change(
                unit_id=r["unit_id"], unit_name=r["unit_name"], earlier_name=" + ".join(o["unit_name"] for o in olds),
                group_name=names.get(r["group_code"], ""), earlier_index=earlier_index,
                later_index=Decimal(r["index"]), earlier_rank=olds[0]["rank"] if len(olds) == 1 else None,
                later_rank=r["rank"], set_changes=tuple(found), sets_compared=sets_compared,
                unit_code=r["unit_code"], group_code=r["group_code"] or "",
                earlier_not_submitted=any(o.get("not_submitted") for o in olds),
                later_not_submitted=bool(r.get("not_submitted")),
            )
        )
    return changes


@dataclass
class ChangeTable:
    """The changes of one ranking group of the later year (the comparison page's tables)."""

    code: str
    name: str
    rows: list[Change] = field(default_factory=list)


def change_tables(changes: list[Change]) -> list[ChangeTable]:
    """`changes` (in the later year's published order: by group, then rank) in one table per ranking group of the
    later year, in that order; the units without a group in one table of their own («Không xếp hạng»), as the
    ranking page has them. A rank is a place within a group: each table reads as the group's ranking does."""
    tables: dict[str, ChangeTable] = {}
    for c in changes:
        table = tables.setdefault(c.group_code, ChangeTable(code=c.group_code,
                                                            name=c.group_name or gettext("Không xếp hạng")))
        table.rows.append(c)
    return list(tables.values())


# --- classification scales -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandRange:
    """One classification band as published: indexes from `low` (inclusive) up to `high` (exclusive; None: no
    upper bound). `below_only`: the lowest band starting at 0, said as «below the next threshold»."""

    label: str
    low: Decimal
    high: Decimal | None

    @property
    def below_only(self) -> bool:
        return self.low <= ZERO and self.high is not None


@dataclass
class ClassificationScale:
    """A classification scale and the sets (names) that use it: the scales of two sets that agree are one."""

    set_names: list[str]
    bands: list[BandRange]

    @property
    def unclassified_below(self) -> Decimal | None:
        """The lowest threshold when it is above 0: an index below it gets no classification."""
        return self.bands[-1].low if self.bands and self.bands[-1].low > ZERO else None


def band_ranges(bands: Any) -> list[BandRange]:
    """A set's `classification_bands` (highest threshold first, as the engine reads them) as ranges; an entry
    that is not a band (no number, no label) is left out."""
    parsed: list[tuple[Decimal, str]] = []
    for band in bands or []:
        try:
            low = Decimal(str(band["min"]))
        except (KeyError, TypeError, ArithmeticError, ValueError):
            continue
        label = str(band.get("label", "")).strip()
        if label and low.is_finite():
            parsed.append((low, label))
    parsed.sort(key=lambda b: -b[0])
    ranges: list[BandRange] = []
    for n, (low, label) in enumerate(parsed):
        ranges.append(BandRange(label=label, low=low, high=parsed[n - 1][0] if n else None))
    return ranges


def snapshot_bands(snapshot: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Each published set's classification bands (set key → [{"label", "min"}], highest first): as the snapshot
    keeps them, or, for a publication made before it kept them, as the set has them (a set a cycle uses is never
    edited, so they are the bands the results were classified by). At most one query."""
    sets = snapshot.get("sets", {})
    found = {key: s["classification_bands"] for key, s in sets.items() if "classification_bands" in s}
    missing = [key for key in sets if key not in found]
    if missing:
        from scoring.models import IndicatorSet

        for key, bands in IndicatorSet.objects.filter(key__in=missing).values_list("key", "classification_bands"):
            found[key] = [{"label": r.label, "min": str(round_half_up(r.low))} for r in band_ranges(bands)]
    return {key: found.get(key, []) for key in sets}


def classification_scales(snapshot: dict[str, Any]) -> list[ClassificationScale]:
    """The classification scales of a publication, each with the names of the sets that use it (one scale when
    the sets agree), in the order of the sets; sets without bands are left out."""
    scales: dict[tuple[tuple[str, Decimal], ...], ClassificationScale] = {}
    bands_by_set = snapshot_bands(snapshot)
    for key, s in snapshot.get("sets", {}).items():
        ranges = band_ranges(bands_by_set.get(key))
        if not ranges:
            continue
        scale = scales.setdefault(tuple((r.label, r.low) for r in ranges), ClassificationScale([], ranges))
        scale.set_names.append(s.get("name") or key)
    return list(scales.values())


# --- how the index is computed («Cách tính chỉ số») ---------------------------------------------------------


@dataclass(frozen=True)
class ExtraCriterion:
    """A bonus or penalty criterion that adds to (or deducts from) the index directly: its code, name, maximum."""

    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class MethodExample:
    """One published unit's index worked out: its area totals (in the areas' order), their sum, bonus, penalty,
    total, applicable maximum (percent mode) and index, as the snapshot states them."""

    unit_name: str
    unit_code: str
    area_totals: list[Decimal]
    normal_total: Decimal
    bonus: Decimal
    penalty: Decimal
    total: Decimal
    applicable_max: Decimal
    index: Decimal


@dataclass(frozen=True)
class CriterionMethod:
    """A criterion of a published set as «Cách tính chỉ số» lists it: its code, name, level, kind and maximum; a
    scored leaf also its minimum, its method's name and the method in words (`scoring.forms.method_input_context`,
    as the set's page states it: `templates/scoring/_method_in_words.html`), all from the snapshot."""

    code: str
    name: str
    level: int
    kind: str
    kind_label: str
    max_points: Decimal
    is_leaf: bool
    floor: Decimal | None = None
    method_label: str = ""
    words: dict[str, Any] | None = None


@dataclass(frozen=True)
class AreaCriteria:
    """A top-level node of a published set (an area, or a bonus or penalty criterion outside the areas) and the
    criteria under it, in the set's order."""

    code: str
    name: str
    max_points: Decimal
    criteria: list[CriterionMethod]


def _criterion_method(node: dict[str, Any]) -> CriterionMethod:
    kind = str(node.get("kind") or "normal")
    kind_label = str(Indicator.Kind(kind).label) if kind in Indicator.Kind.values and kind != "normal" else ""
    base = {"code": node["code"], "name": node["name"], "level": int(node.get("level") or 1), "kind": kind,
            "kind_label": kind_label, "max_points": Decimal(str(node["max_points"])), "is_leaf": bool(node["is_leaf"])}
    if not node["is_leaf"]:
        return CriterionMethod(**base)
    method = str(node.get("method") or "")
    # An unsaved criterion carrying the published method: its words are those the set's page writes, in the reader's
    # language, from the parameters as they were published (never the live criterion's).
    probe = Indicator(kind=kind, method=method, params=dict(node.get("params") or {}),
                      floor=Decimal(str(node.get("floor", "0"))), max_points=base["max_points"])
    return CriterionMethod(
        **base, floor=probe.floor,
        method_label=str(Indicator.Method(method).label) if method in Indicator.Method.values else method,
        words=method_input_context(probe, None, disabled=True, allow_clear=False) if method else None,
    )


def published_criteria(indicator_set: dict[str, Any]) -> list[AreaCriteria] | None:
    """A snapshot set's criteria by area with each scored leaf's method, minimum and maximum as published; None for a
    snapshot stored before it kept the leaves' methods (the set's page states them, as the set is now). No query."""
    nodes = indicator_set.get("indicators", [])
    if not nodes or any(n["is_leaf"] and "method" not in n for n in nodes):
        return None
    parents = {n["code"]: n["parent"] for n in nodes}

    def root(code: str) -> str:
        seen: set[str] = set()
        while parents.get(code) is not None and code not in seen:
            seen.add(code)
            code = str(parents[code])
        return code

    found: dict[str, AreaCriteria] = {}
    for n in nodes:
        if n["parent"] is None:
            found[n["code"]] = AreaCriteria(code=n["code"], name=n["name"],
                                            max_points=Decimal(str(n["max_points"])), criteria=[])
    for n in nodes:
        top = found.get(root(n["code"]))
        if top is not None and (n["parent"] is not None or n["is_leaf"]):
            top.criteria.append(_criterion_method(n))
    return list(found.values())


@dataclass
class SetMethod:
    """How a published set computes the index, from the publication's snapshot: its areas and their maxima, its
    standard maximum, index mode, the bonus and penalty criteria and the set's caps on them, how many units it scored
    (and how many of them never submitted), and its first unit in the published order as a worked example. `public`:
    the set's public page exists (`/bo-chi-so/<key>/`)."""

    key: str
    name: str
    decision_ref: str
    version: int | None
    standard_max: Decimal
    percent: bool
    areas: list[dict[str, Any]]
    bonus: list[ExtraCriterion]
    penalty: list[ExtraCriterion]
    bonus_cap: Decimal | None
    penalty_cap: Decimal | None
    units: int
    not_submitted: int
    example: MethodExample | None
    public: bool
    # Its criteria by area with each leaf's method as published; None: a snapshot stored before it kept them.
    criteria: list[AreaCriteria] | None = None

    @staticmethod
    def _most(criteria: list[ExtraCriterion], cap: Decimal | None) -> Decimal:
        total = sum((c.max_points for c in criteria), ZERO)
        return total if cap is None else min(total, max(cap, ZERO))

    @property
    def bonus_most(self) -> Decimal:
        """The most bonus the index can count: the bonus criteria's maxima, within the set's cap."""
        return self._most(self.bonus, self.bonus_cap)

    @property
    def penalty_most(self) -> Decimal:
        """The most penalty the index can deduct: the penalty criteria's maxima, within the set's cap."""
        return self._most(self.penalty, self.penalty_cap)

    @property
    def highest(self) -> Decimal:
        """The highest index the set can give in points mode: the standard maximum and the most bonus."""
        return self.standard_max + self.bonus_most


def _caps_and_status(snapshot: dict[str, Any]) -> dict[str, tuple[Any, Any, str]]:
    """Each published set's (bonus cap, penalty cap, status) by key: the caps as the snapshot keeps them, or, for a
    snapshot stored before it kept them, as the set has them (a set a cycle uses is never edited, so they are the
    caps the results were computed with). One query."""
    found = {key: (bonus, penalty, status) for key, bonus, penalty, status in IndicatorSet.objects.filter(
        key__in=list(snapshot.get("sets", {}))).values_list("key", "bonus_cap", "penalty_cap", "status")}
    caps: dict[str, tuple[Any, Any, str]] = {}
    for key, s in snapshot.get("sets", {}).items():
        bonus, penalty, status = found.get(key, (None, None, ""))
        if "bonus_cap" in s:
            bonus, penalty = s["bonus_cap"], s.get("penalty_cap")
        caps[key] = (bonus, penalty, status)
    return caps


def _extra_criteria(indicators: list[dict[str, Any]], kind: str) -> list[ExtraCriterion]:
    """The set's `kind` (bonus or penalty) criteria that count in the index directly: those whose parent is an area
    or a normal criterion, or none (a bonus criterion inside another caps its children within its own maximum)."""
    kinds = {i["code"]: i["kind"] for i in indicators}
    return [ExtraCriterion(i["code"], i["name"], Decimal(i["max_points"])) for i in indicators
            if i["kind"] == kind and (i["parent"] is None or kinds.get(i["parent"]) == "normal")]


def index_method(snapshot: dict[str, Any]) -> list[SetMethod]:
    """How each of a publication's sets computes the index (`SetMethod`), in the order of the snapshot's sets,
    read from the snapshot (the caps of a snapshot stored before it kept them: from the set). One query."""
    caps = _caps_and_status(snapshot)
    found = []
    for key, s in snapshot.get("sets", {}).items():
        rows = [r for r in snapshot.get("rows", []) if r["set_key"] == key]
        set_areas = [{"code": a["code"], "name": a["name"], "max_points": Decimal(a["max_points"])}
                     for a in areas({"sets": {key: s}})]
        example = None
        if rows:
            first = rows[0]
            example = MethodExample(
                unit_name=first["unit_name"], unit_code=first["unit_code"],
                area_totals=[Decimal(first["area_totals"].get(a["code"], "0")) for a in set_areas],
                normal_total=Decimal(first["normal_total"]), bonus=Decimal(first["bonus"]),
                penalty=Decimal(first["penalty"]), total=Decimal(first["total"]),
                applicable_max=Decimal(first["applicable_max"]), index=Decimal(first["index"]),
            )
        bonus_cap, penalty_cap, status = caps[key]
        found.append(SetMethod(
            key=key, name=s.get("name") or key, decision_ref=s.get("decision_ref", ""), version=s.get("version"),
            standard_max=Decimal(s.get("standard_max", "100")), percent=s.get("index_mode", "points") == "percent",
            areas=set_areas, bonus=_extra_criteria(s["indicators"], "bonus"),
            penalty=_extra_criteria(s["indicators"], "penalty"),
            bonus_cap=None if bonus_cap is None else Decimal(str(bonus_cap)),
            penalty_cap=None if penalty_cap is None else Decimal(str(penalty_cap)),
            units=len(rows), not_submitted=sum(1 for r in rows if r.get("not_submitted")), example=example,
            public=bool(status) and status != IndicatorSet.Status.DRAFT, criteria=published_criteria(s),
        ))
    return found


def public_set_keys(keys: Iterable[str]) -> set[str]:
    """Those of `keys` whose set has a public page (`/bo-chi-so/<key>/`: issued, not a draft). One query."""
    return set(IndicatorSet.objects.filter(key__in=list(keys)).exclude(status=IndicatorSet.Status.DRAFT)
               .values_list("key", flat=True))


# --- a unit's page: the breakdown in sections ----------------------------------------------------------


@dataclass
class BreakdownSection:
    """Rows of the unit's breakdown: the areas with their own criteria (`kind` "normal"), or every bonus or every
    penalty sub-tree of the set, which the areas' totals leave out (`total`: what the index counts for them, as
    published: capped by the set)."""

    kind: str
    nodes: list[BreakdownNode]
    total: Decimal | None = None


def breakdown_sections(nodes: list[BreakdownNode], *, row: dict[str, Any]) -> list[BreakdownSection]:
    """The breakdown split as the index adds it up: the areas (each area's rows add up to its total), then the
    bonus sub-trees and the penalty sub-trees (1.6, 3.10, 5.11 in Tiền Giang), each group apart, with the unit's
    published bonus and penalty. `nodes` in the set's order (each sub-tree's nodes follow its root, at their own
    level of the tree)."""
    normal: list[BreakdownNode] = []
    extra: dict[str, list[BreakdownNode]] = {"bonus": [], "penalty": []}
    for n in nodes:
        (normal if n.kind == "normal" else extra.setdefault(n.kind, [])).append(n)
    sections = [BreakdownSection(kind="normal", nodes=normal)]
    for kind in ("bonus", "penalty"):
        if extra.get(kind):
            sections.append(BreakdownSection(kind=kind, nodes=extra[kind], total=Decimal(row.get(kind) or "0")))
    return sections


# --- the publish page: what a new revision changes ------------------------------------------------------


@dataclass
class RevisionChange:
    """A unit whose index, rank or classification the new revision changes (None on the side it is missing)."""

    unit_name: str
    group_name: str
    old_index: Decimal | None
    new_index: Decimal | None
    old_rank: int | None
    new_rank: int | None
    old_classification: str
    new_classification: str
    unit_code: str = ""

    @property
    def added(self) -> bool:
        return self.old_index is None

    @property
    def removed(self) -> bool:
        return self.new_index is None


@dataclass
class RevisionDiff:
    changes: list[RevisionChange]
    # units whose other published figures (area totals, bonus, penalty, total) change, index, rank and class not
    other_figures: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not self.changes and not self.other_figures


_OTHER_FIGURES = ("total", "normal_total", "bonus", "penalty", "applicable_max", "area_totals", "unit_name",
                  "group_code", "set_key", "set_version", "not_submitted")


def result_key(row: dict[str, Any]) -> tuple[Decimal, int | None, str]:
    """What a correction «changes» for a unit: its index, rank or classification (one rule for the publish page's
    «Thay đổi so với lần công bố …» table and the public pages' marks of a corrected result)."""
    return Decimal(row["index"]), row["rank"], row["classification"] or ""


def revision_diff(*, published: dict[str, Any], preview: dict[str, Any]) -> RevisionDiff:
    """What publishing `preview` would change against the `published` snapshot: the units whose index, rank or
    classification changes (old → new; a unit added or left out too), in the preview's order, and the units
    whose other figures change while those three do not. Per-criterion scores are not compared (the preview
    does not load them): the publish service compares them."""
    before = {r["unit_id"]: r for r in published.get("rows", [])}
    after_ids = {r["unit_id"] for r in preview.get("rows", [])}
    names = {g["code"]: g["name"] for g in [*published.get("groups", []), *preview.get("groups", [])]}
    changes: list[RevisionChange] = []
    other: list[str] = []

    for r in preview.get("rows", []):
        old = before.get(r["unit_id"])
        if old is not None and result_key(old) == result_key(r):
            if any(old.get(f) != r.get(f) for f in _OTHER_FIGURES):
                other.append(r["unit_name"])
            continue
        changes.append(RevisionChange(
            unit_name=r["unit_name"], group_name=names.get(r["group_code"], ""),
            old_index=Decimal(old["index"]) if old else None, new_index=Decimal(r["index"]),
            old_rank=old["rank"] if old else None, new_rank=r["rank"],
            old_classification=(old["classification"] or "") if old else "",
            new_classification=r["classification"] or "", unit_code=r["unit_code"],
        ))
    for unit_id, old in before.items():
        if unit_id not in after_ids:
            changes.append(RevisionChange(
                unit_name=old["unit_name"], group_name=names.get(old["group_code"], ""),
                old_index=Decimal(old["index"]), new_index=None, old_rank=old["rank"], new_rank=None,
                old_classification=old["classification"] or "", new_classification="", unit_code=old["unit_code"],
            ))
    return RevisionDiff(changes=changes, other_figures=other)


# --- the public pages: what a correction changed -----------------------------------------------------------


@dataclass(frozen=True)
class UnitCorrection:
    """One correction (revision `revision`, published under its document with its reason) that changed a unit's
    index, rank or classification against the revision before it (`earlier_revision`); `change` old → new."""

    revision: int
    document_number: str
    document_date: datetime.date
    reason: str
    earlier_revision: int
    change: RevisionChange


def corrections(*, publication: Publication, revisions: list[Publication]) -> dict[str, list[UnitCorrection]]:
    """unit code → the corrections up to the revision `publication` (oldest first) that changed the unit's index,
    rank or classification, each against the revision before it (`revision_diff`, as the publish page shows it
    before the correction is published). A correction of the document only changes no unit. Nothing (no query)
    for a first revision; otherwise one query (the snapshots of the earlier revisions)."""
    correcting = [r for r in revisions if 1 < r.revision <= publication.revision
                  and not getattr(r, "document_only", False)]
    if not correcting:
        return {}
    wanted = {r.revision for r in correcting} | {r.revision - 1 for r in correcting}
    snapshots = {publication.revision: publication.snapshot}
    for revision, snap in (Publication.objects.filter(cycle_id=publication.cycle_id, revision__in=wanted)
                           .exclude(revision=publication.revision).values_list("revision", "snapshot")):
        snapshots[revision] = snap
    found: dict[str, list[UnitCorrection]] = defaultdict(list)
    for r in sorted(correcting, key=lambda p: p.revision):
        before, after = snapshots.get(r.revision - 1), snapshots.get(r.revision)
        if before is None or after is None:
            continue
        for change in revision_diff(published=before, preview=after).changes:
            found[change.unit_code].append(UnitCorrection(
                revision=r.revision, document_number=r.document_number, document_date=r.document_date,
                reason=r.reason, earlier_revision=r.revision - 1, change=change,
            ))
    return dict(found)
