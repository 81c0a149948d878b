"""The deterministic national dataset every benchmark runs on (PostgreSQL).

34 provinces × (20 departments + 100 communes) at scale 1 = 4,080 units in 68 ranking groups; two real
indicator sets (the 2020 department set and the 2020 district set used for communes, 105 scored leaves
each); one national cycle with every assessment signed off, each leaf with a self and an appraised score
(a fixed hash of the row's ids: the same data on every run) and ~1 % of leaves not applicable; evidence
metadata (10 files per unit, each linked to a leaf). Then a second, open cycle for the editing benchmarks:
`EDITORS` units with their assessments opened by the product's service, one editor each, the first
assessment half scored through the save service.

Sets, cycles and the opened assessments go through the product's services; the national volume goes
through bulk paths (bulk_create and `INSERT … SELECT`), as a migration from a previous system would.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.common import ROOT

PROVINCES = 34
DEPARTMENTS = 20
COMMUNES = 100
EDITORS = 50
FILES_PER_UNIT = 10


@dataclass
class Dataset:
    cycle_id: int
    assessments: int
    leaves: int
    lines: int
    units: int
    set_ids: list[int]
    lead_id: int
    admin_id: int
    open_cycle_id: int
    editor_ids: list[int] = field(default_factory=list)
    editor_assessment_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _sets(actor: Any) -> tuple[Any, Any, Any, Any]:
    from scoring.models import UnitKind
    from scoring.services import indicator_set_import

    department = UnitKind.objects.create(code="department", name="Sở, ban, ngành")
    commune = UnitKind.objects.create(code="commune", name="UBND cấp xã")
    so = json.loads((ROOT / "fixtures/sets/tg-2020-so.json").read_text("utf-8"))
    xa = json.loads((ROOT / "fixtures/sets/tg-2020-huyen.json").read_text("utf-8"))
    xa.update(key="bench-2020-xa", unit_kind="commune", name="Bộ chỉ số cấp xã (bench)")
    return (department, commune, indicator_set_import(data=so, actor=actor),
            indicator_set_import(data=xa, actor=actor))


def generate(scale: float) -> Dataset:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from scoring.demo import sample_value
    from scoring.models import Assessment, Cycle, RankingGroup, RoleAssignment, Unit
    from scoring.services import assessments_open, cycle_create, cycle_set_phase, score_line_save_self

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    users = get_user_model().objects
    admin = users.create_user(username="bench-admin", password=secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=admin, role="administrator")
    lead = users.create_user(username="bench-lead", password=secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=lead, role="appraisal_lead")
    department, commune, so, xa = _sets(admin)
    cycle = cycle_create(year=2025, name="Chỉ số CCHC năm 2025 (toàn quốc, bench)",
                         sets={department: so, commune: xa}, actor=admin)
    per_kind = [(department, max(1, round(DEPARTMENTS * scale))), (commune, max(1, round(COMMUNES * scale)))]
    groups = RankingGroup.objects.bulk_create(
        RankingGroup(code=f"t{p:02d}-{kind.code}", name=f"Tỉnh {p + 1:02d} — {kind.name}", order=p * 2 + k)
        for p in range(PROVINCES) for k, (kind, _n) in enumerate(per_kind)
    )
    units = Unit.objects.bulk_create(
        Unit(code=f"t{p:02d}-{kind.code[:2]}{u:03d}",
             name=f"{'Sở' if kind is department else 'Xã'} số {u + 1} tỉnh {p + 1:02d}",
             kind=kind, ranking_group=groups[p * 2 + k])
        for p in range(PROVINCES) for k, (kind, count) in enumerate(per_kind) for u in range(count)
    )
    now = timezone.now()
    set_of = {department.pk: so, commune.pk: xa}
    assessments = Assessment.objects.bulk_create(
        Assessment(cycle=cycle, unit=unit, ranking_group_id=unit.ranking_group_id, indicator_set=set_of[unit.kind_id],
                   state=Assessment.State.SIGNED_OFF, submitted_at=now, signed_off_at=now, signed_off_by=lead)
        for unit in units
    )
    with connection.cursor() as cursor, transaction.atomic():
        # Scores in quarters of the leaf's max from a fixed hash of (assessment, leaf); 85 % of the appraised
        # scores equal the self score; ~1 % of normal leaves not applicable, the team having accepted it.
        cursor.execute(
            """
            INSERT INTO scoring_scoreline (assessment_id, indicator_id, self_score, appraised_score, self_note,
                appraised_note, explanation, explanation_requested, not_applicable, not_applicable_reason,
                na_accepted, version, updated_at)
            SELECT a.id, i.id,
                   CASE WHEN h.na THEN NULL ELSE round(i.max_points * (h.v %% 5) / 4, 2) END,
                   CASE WHEN h.na THEN NULL WHEN h.v %% 100 < 85 THEN round(i.max_points * (h.v %% 5) / 4, 2)
                        ELSE round(i.max_points * ((h.v / 7) %% 5) / 4, 2) END,
                   '', '', '', false, h.na, CASE WHEN h.na THEN 'Không phát sinh trong kỳ' ELSE '' END,
                   h.na, 1, %s
            FROM scoring_assessment a
            JOIN scoring_indicator i ON i.indicator_set_id = a.indicator_set_id AND i.is_leaf
            CROSS JOIN LATERAL (
                SELECT abs(hashtext(a.id || '-' || i.id))::bigint AS v,
                       i.kind = 'normal' AND abs(hashtext(i.id || '/' || a.id)) %% 100 = 0 AS na
            ) h
            WHERE a.cycle_id = %s
            """,
            [now, cycle.pk],
        )
        lines = cursor.rowcount
        cursor.execute(
            "INSERT INTO evidence_evidenceblob (sha256, size, content_type, stored_at) "
            "SELECT encode(sha256(('bench-' || n)::bytea), 'hex'), 200000 + n, 'application/pdf', %s "
            "FROM generate_series(1, %s) n",
            [now, FILES_PER_UNIT],
        )
        cursor.execute(
            "INSERT INTO evidence_evidencefile (blob_id, unit_id, cycle_id, original_name, uploaded_by_id, "
            "uploaded_at) SELECT encode(sha256(('bench-' || n)::bytea), 'hex'), a.unit_id, a.cycle_id, "
            "'Tài liệu ' || n || '.pdf', %s, %s FROM scoring_assessment a, generate_series(1, %s) n "
            "WHERE a.cycle_id = %s",
            [admin.pk, now, FILES_PER_UNIT, cycle.pk],
        )
        cursor.execute(
            "INSERT INTO evidence_evidencelink (evidence_file_id, score_line_id, linked_by_id, linked_at) "
            "SELECT f.id, l.id, %s, %s FROM evidence_evidencefile f "
            "JOIN scoring_assessment a ON a.unit_id = f.unit_id AND a.cycle_id = f.cycle_id "
            "JOIN scoring_scoreline l ON l.assessment_id = a.id "
            "JOIN scoring_indicator i ON i.id = l.indicator_id "
            "WHERE f.cycle_id = %s AND i.\"order\" %% 10 = (f.id %% 10)",
            [admin.pk, now, cycle.pk],
        )

    # The open cycle: assessments opened by the service, one editor per unit, the first one half scored.
    editing = cycle_create(year=2026, name="Chỉ số CCHC năm 2026 (bench, đang tự đánh giá)",
                           sets={department: so, commune: xa}, actor=admin,
                           self_assessment_deadline=now + timedelta(days=30))
    cycle_set_phase(cycle=editing, phase=Cycle.Phase.SELF_ASSESSMENT, actor=admin)
    editor_units = units[:: max(1, len(units) // EDITORS)][:EDITORS]
    opened = assessments_open(cycle=editing, units=editor_units, actor=admin)
    editors = users.bulk_create(
        get_user_model()(username=f"bench-editor-{n}", password="!") for n in range(len(opened))
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role="unit_editor", unit=a.unit) for user, a in zip(editors, opened, strict=True)
    )
    rng = random.Random(2026)
    first = opened[0]
    for line in list(first.lines.select_related("indicator").order_by("indicator__order"))[::2]:
        if line.indicator.source == "self":
            score_line_save_self(line=line, actor=editors[0], base_version=line.version,
                                 value=sample_value(line.indicator, rng, 0.7), note="Ghi chú mẫu")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    leaves = so.indicators.filter(is_leaf=True).count()
    return Dataset(
        cycle_id=cycle.pk, assessments=len(assessments), leaves=leaves, lines=lines, units=len(units),
        set_ids=[so.pk, xa.pk], lead_id=lead.pk, admin_id=admin.pk, open_cycle_id=editing.pk,
        editor_ids=[u.pk for u in editors], editor_assessment_ids=[a.pk for a in opened],
        seconds=time.perf_counter() - started,
    )
