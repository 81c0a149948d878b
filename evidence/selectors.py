"""Reads of evidence with their joins fixed, so the number of queries does not grow with the data."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cchc.collation import sort_key
from evidence import permissions
from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import Assessment, Cycle, ScoreLine, Unit

ORDER_BY_NAME = "ten"
ORDER_NEWEST = "moi-nhat"
ORDERS = (ORDER_BY_NAME, ORDER_NEWEST)


def search_key(text: str) -> str:
    """A name as the library's filter compares it: lower case, without Vietnamese diacritics, so that what a person
    types without accents finds it ("Đề án.pdf" → "de an.pdf")."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def same_name_key(name: str) -> str:
    """Two names the unit would take for the same file («Quyết định 12.pdf», «quyết định 12.PDF»)."""
    return unicodedata.normalize("NFC", name).casefold()


def name_matches(name: str, query: str) -> bool:
    """Whether every word typed is in the name, accents and case aside."""
    key = search_key(name)
    return all(word in key for word in search_key(query).split())


def round_numbers(*, assessment: Assessment, stored: Iterable[int | None]) -> dict[int, int | None]:
    """The explanation round number people see («vòng giải trình N») for each stored round a link was added in
    (`EvidenceLink.explanation_round`, the assessment's appraisal round then): its place among the rounds not
    withdrawn, None for a withdrawn one. One query, none when no link was added in a round."""
    wanted = {n for n in stored if n is not None}
    if not wanted:
        return {}
    from appraisal.models import ExplanationRound  # the appraisal app numbers its rounds
    from appraisal.selectors.rounds import number_rounds

    rounds = number_rounds(list(ExplanationRound.objects.filter(assessment_id=assessment.pk)))
    shown = {r.round: r.number for r in rounds}  # type: ignore[attr-defined]
    return {n: shown.get(n) for n in wanted}


def evidence_library(*, unit: Unit, cycle: Cycle) -> QuerySet[EvidenceFile]:
    """The unit's files for the cycle, with their blob, newest first."""
    return (
        EvidenceFile.objects.filter(unit=unit, cycle=cycle)
        .select_related("blob", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def evidence_by_line(*, assessment: Assessment, line_ids: Iterable[int] | None = None) -> dict[int, list[EvidenceFile]]:
    """Line id → the files linked to it (in the order they were linked), in ONE query (two when a file was added
    during an explanation round: the rounds' numbers). ``line_ids`` keeps only those lines (one leaf's block).

    Each file carries ``link_locked``: True when the link was made before the assessment was submitted (or
    in an earlier explanation round), so it stays and the page shows no unlink button for it; and, when it was
    added during an explanation round, ``added_in_round`` (True) with ``round_shown`` (the round's number as
    people see it, None for a withdrawn round) and ``added_round`` (the round's stored number, None when not added
    in a round), so the appraisal team sees what came with the explanations; and ``linked_at``, when the link was
    made (the self-assessment report counts the files linked by the submission only).
    """
    links = EvidenceLink.objects.filter(score_line__assessment=assessment)
    if line_ids is not None:
        links = links.filter(score_line_id__in=list(line_ids))
    links = links.select_related("evidence_file__blob").order_by("linked_at", "id")
    result: dict[int, list[EvidenceFile]] = {}
    in_rounds: list[tuple[EvidenceFile, int]] = []
    for link in links:
        evidence_file = link.evidence_file  # one instance per link: what is said of the link is its own
        evidence_file.link_locked = permissions.link_is_locked(  # type: ignore[attr-defined]
            explanation_round=link.explanation_round, assessment=assessment
        )
        evidence_file.added_in_round = link.explanation_round is not None  # type: ignore[attr-defined]
        evidence_file.added_round = link.explanation_round  # type: ignore[attr-defined]
        evidence_file.linked_at = link.linked_at  # type: ignore[attr-defined]
        if link.explanation_round is not None:
            in_rounds.append((evidence_file, link.explanation_round))
        result.setdefault(link.score_line_id, []).append(evidence_file)
    numbers = round_numbers(assessment=assessment, stored=[stored for _file, stored in in_rounds])
    for evidence_file, stored in in_rounds:
        evidence_file.round_shown = numbers.get(stored)  # type: ignore[attr-defined]
    return result


def evidence_library_visible(*, assessment: Assessment, user: Any) -> QuerySet[EvidenceFile]:
    """The library as `user` may list it (`permissions.sees_whole_library`): every file of the unit and cycle for
    the unit's people and the administrators; for anyone else (the appraisal team), the assessment's evidence only:
    the files linked to its leaves, not the unit's working drafts. Newest first, with the blob."""
    files = evidence_library(unit=assessment.unit, cycle=assessment.cycle)
    if permissions.sees_whole_library(user, assessment.unit_id):
        return files
    return files.filter(pk__in=EvidenceLink.objects.filter(score_line__assessment=assessment).values("evidence_file"))


def files_per_line() -> Coalesce:
    """An annotation for a score-line queryset: how many files are linked to each line. A count per line on the
    links' line index, so reading one assessment's lines never scans the nation's links (a grouped join did)."""
    links = (
        EvidenceLink.objects.filter(score_line=OuterRef("pk"))
        .order_by()
        .values("score_line")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


def files_per_line_sql() -> str:
    """`files_per_line` for the lines of ONE assessment at once, as SQL to join (PostgreSQL): rows (score_line_id,
    n) of the lines that have links, the assessment's id its one parameter. The links are read by their line index
    for all the assessment's lines in one scan (`= ANY(ARRAY(…))`), where the per-row counter runs a scan and an
    aggregate per line (about half of the totals' rows' cost). Not `IN (subquery)`: that may be planned as a hash
    join over the nation's links."""
    quote = connection.ops.quote_name
    links, lines = quote(EvidenceLink._meta.db_table), quote(ScoreLine._meta.db_table)
    line = quote(EvidenceLink._meta.get_field("score_line").column)
    assessment, pk = quote(ScoreLine._meta.get_field("assessment").column), quote(ScoreLine._meta.pk.column)
    # The models' own table and column names, quoted; the assessment's id is a parameter.
    return (
        f"SELECT e.{line} AS score_line_id, COUNT(*) AS n FROM {links} e "  # noqa: S608
        f"WHERE e.{line} = ANY(ARRAY(SELECT l.{pk} FROM {lines} l WHERE l.{assessment} = %s)) GROUP BY e.{line}"
    )


@dataclass
class LibraryLink:
    line_id: int
    code: str
    name: str
    removable: bool
    explanation_round: int | None = None  # the stored round it was added in (None: while self-assessing)


@dataclass
class SameName:
    """An older file of the library with the row's name (a corrected scan uploaded again under its name)."""

    file_id: int
    name: str
    uploaded_at: datetime
    replaceable: bool  # the row's file may take its place (and its leaves): it is not locked by a submission


@dataclass
class LibraryRow:
    file: EvidenceFile
    links: list[LibraryLink] = field(default_factory=list)
    locked: bool = False
    deletable: bool = False
    # every link was added in the explanation round now open: deletable with them, «bổ sung vòng giải trình N»
    in_open_round: bool = False
    open_round: int | None = None  # that round's number as people see it
    same_name: SameName | None = None
    search: str = ""  # `search_key` of the name, for the page's filter
    newest_rank: int = 0  # its place newest first
    name_rank: int = 0  # its place in Vietnamese order of names (the page's script reorders by either)


def evidence_library_rows(*, assessment: Assessment, user: Any, order: str = ORDER_NEWEST) -> list[LibraryRow]:
    """The library page: the files `user` may see (`evidence_library_visible`) with the leaves each supports and
    what the user may do, in `order` (`ORDER_BY_NAME`: Vietnamese alphabetical order of names; `ORDER_NEWEST`).
    Each row says whether it is locked by a submission, whether its links all belong to the open explanation round,
    and which older file has its name.

    Two queries (files, then their links with lines and indicators), whatever the number of files; one more when a
    link was added during an explanation round (the rounds' numbers).
    """
    link_qs = EvidenceLink.objects.select_related("score_line__indicator").order_by("score_line__indicator__order")
    files = evidence_library_visible(assessment=assessment, user=user).prefetch_related(
        Prefetch("links", queryset=link_qs)
    )
    manage = permissions.can_manage_library(user, assessment)
    rows: list[LibraryRow] = []
    for rank, evidence_file in enumerate(files):
        row = LibraryRow(file=evidence_file, search=search_key(evidence_file.original_name), newest_rank=rank)
        for link in evidence_file.links.all():
            line = link.score_line
            line.assessment = assessment  # the same object: no query per link for the permission check
            row.links.append(
                LibraryLink(
                    line_id=line.pk,
                    code=line.indicator.code,
                    name=line.indicator.name,
                    removable=permissions.can_unlink(user, line, explanation_round=link.explanation_round),
                    explanation_round=link.explanation_round,
                )
            )
        row.locked = permissions.file_is_locked(
            link_rounds=[link.explanation_round for link in row.links], assessment=assessment
        )
        row.deletable = manage and not row.locked
        rows.append(row)
    numbers = round_numbers(assessment=assessment, stored=[
        link.explanation_round for row in rows if not row.locked for link in row.links
    ])
    for row in rows:
        if row.links and not row.locked and assessment.state == Assessment.State.EXPLANATION:
            row.in_open_round = True
            row.open_round = numbers.get(assessment.appraisal_round)
    _mark_same_names(rows, manage=manage)
    by_name = sorted(rows, key=lambda row: (sort_key(row.file.original_name), row.newest_rank))
    for rank, row in enumerate(by_name):
        row.name_rank = rank
    return by_name if order == ORDER_BY_NAME else rows


def rows_matching(rows: list[LibraryRow], query: str) -> list[LibraryRow]:
    """The rows whose name has every word of `query` (`name_matches`); all of them when nothing was typed."""
    if not query.strip():
        return rows
    return [row for row in rows if name_matches(row.file.original_name, query)]


def _mark_same_names(rows: list[LibraryRow], *, manage: bool) -> None:
    """Give each row the newest older file of the same name (`same_name_key`), if any: the file it may replace."""
    by_name: dict[str, list[LibraryRow]] = {}
    for row in rows:
        by_name.setdefault(same_name_key(row.file.original_name), []).append(row)
    for group in by_name.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda row: (row.file.uploaded_at, row.file.pk))
        for older, newer in pairwise(group):
            newer.same_name = SameName(
                file_id=older.file.pk, name=older.file.original_name, uploaded_at=older.file.uploaded_at,
                replaceable=manage and not older.locked,
            )


@dataclass
class PickerChoice:
    """A library file offered to link to one leaf."""

    file: EvidenceFile
    linked: bool  # already linked to the leaf: shown, not offered again
    search: str
    newest_rank: int
    name_rank: int
    # the codes of the other leaves it is linked to, in the set's order (the library page's «Gắn với tiêu chí»)
    other_codes: list[str] = field(default_factory=list)


def picker_choices(*, rows: list[LibraryRow], line: ScoreLine) -> list[PickerChoice]:
    """The picker of one leaf from the library's rows (no query: their links are read with them): every file in the
    rows' order, each marked when it is already linked to the leaf, with the codes of the other leaves it supports."""
    return [
        PickerChoice(file=row.file, linked=any(link.line_id == line.pk for link in row.links), search=row.search,
                     newest_rank=row.newest_rank, name_rank=row.name_rank,
                     other_codes=[link.code for link in row.links if link.line_id != line.pk])
        for row in rows
    ]


@dataclass
class DeletedLink:
    """A leaf the file is linked to, and whether the file is the leaf's only evidence (then it is left with none)."""

    code: str
    name: str
    sole: bool
    explanation_round: int | None = None  # the stored round the link was added in (None: while self-assessing)


def delete_consequences(evidence_file: EvidenceFile) -> list[DeletedLink]:
    """The leaves a delete takes the file from, in the tree's order; two queries."""
    links = list(
        EvidenceLink.objects.filter(evidence_file=evidence_file)
        .select_related("score_line__indicator")
        .order_by("score_line__indicator__order", "score_line__indicator__code")
    )
    line_ids = {link.score_line_id for link in links}
    counts = dict(
        EvidenceLink.objects.filter(score_line_id__in=line_ids)
        .values_list("score_line_id")
        .annotate(n=Count("evidence_file_id", distinct=True))
        .values_list("score_line_id", "n")
    )
    seen: set[int] = set()
    result = []
    for link in links:
        if link.score_line_id in seen:
            continue
        seen.add(link.score_line_id)
        indicator = link.score_line.indicator
        result.append(DeletedLink(code=indicator.code, name=indicator.name, sole=counts.get(link.score_line_id) == 1,
                                  explanation_round=link.explanation_round))
    return result
