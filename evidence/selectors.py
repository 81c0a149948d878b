"""Reads of evidence with their joins fixed, so the number of queries does not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from evidence import permissions
from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import Assessment, Cycle, ScoreLine, Unit


def evidence_library(*, unit: Unit, cycle: Cycle) -> QuerySet[EvidenceFile]:
    """The unit's files for the cycle, with their blob, newest first."""
    return (
        EvidenceFile.objects.filter(unit=unit, cycle=cycle)
        .select_related("blob", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def evidence_by_line(*, assessment: Assessment) -> dict[int, list[EvidenceFile]]:
    """Line id → the files linked to it (in the order they were linked), in ONE query.

    Each file carries ``link_locked``: True when the link was made before the assessment was submitted (or
    in an earlier explanation round), so it stays and the page shows no unlink button for it.
    """
    links = (
        EvidenceLink.objects.filter(score_line__assessment=assessment)
        .select_related("evidence_file__blob")
        .order_by("linked_at", "id")
    )
    result: dict[int, list[EvidenceFile]] = {}
    for link in links:
        evidence_file = link.evidence_file
        evidence_file.link_locked = permissions.link_is_locked(  # type: ignore[attr-defined]
            explanation_round=link.explanation_round, assessment=assessment
        )
        result.setdefault(link.score_line_id, []).append(evidence_file)
    return result


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


@dataclass
class LibraryRow:
    file: EvidenceFile
    links: list[LibraryLink] = field(default_factory=list)
    locked: bool = False
    deletable: bool = False


def evidence_library_rows(*, assessment: Assessment, user: Any) -> list[LibraryRow]:
    """The library page: every file of the unit and cycle with the leaves it supports and what the user may do.

    Two queries (files, then their links with lines and indicators), whatever the number of files.
    """
    link_qs = EvidenceLink.objects.select_related("score_line__indicator").order_by("score_line__indicator__order")
    files = evidence_library(unit=assessment.unit, cycle=assessment.cycle).prefetch_related(
        Prefetch("links", queryset=link_qs)
    )
    manage = permissions.can_manage_library(user, assessment)
    rows: list[LibraryRow] = []
    for evidence_file in files:
        row = LibraryRow(file=evidence_file)
        for link in evidence_file.links.all():
            line = link.score_line
            line.assessment = assessment  # the same object: no query per link for the permission check
            row.links.append(
                LibraryLink(
                    line_id=line.pk,
                    code=line.indicator.code,
                    name=line.indicator.name,
                    removable=permissions.can_unlink(user, line, explanation_round=link.explanation_round),
                )
            )
        row.locked = permissions.file_is_locked(has_links=bool(row.links), assessment=assessment)
        row.deletable = manage and not row.locked
        rows.append(row)
    return rows


@dataclass
class DeletedLink:
    """A leaf the file is linked to, and whether the file is the leaf's only evidence (then it is left with none)."""

    code: str
    name: str
    sole: bool


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
        result.append(DeletedLink(code=indicator.code, name=indicator.name, sole=counts.get(link.score_line_id) == 1))
    return result
