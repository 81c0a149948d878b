"""Load Tiền Giang's units, the two 2020 indicator sets, a 2020 cycle, demo users and demo scores.

Idempotent: what exists already is left as it is, so running it twice changes nothing.
"""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from appraisal.models import AppraisalAssignment
from appraisal.permissions import is_own_unit
from appraisal.services import appraisal_start, assessment_sign_off, line_accept_self, line_appraise
from scoring.demo import sample_value
from scoring.models import Assessment, Cycle, IndicatorSet, RoleAssignment, ScoreLine, Unit, UnitKind
from scoring.services import (
    assessment_transition,
    assessments_open,
    audit_record,
    cycle_create,
    cycle_set_phase,
    indicator_set_import,
    score_line_save_self,
    unit_catalogue_load,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_PASSWORD = "Demo@2020cchc"
DEMO_USERS: list[dict[str, Any]] = [
    {"username": "chuyenvien", "name": ("Nguyễn Thị", "Lan"), "role": "unit_editor", "unit": "so-y-te"},
    {"username": "thutruong", "name": ("Trần Văn", "Hùng"), "role": "unit_head", "unit": "so-y-te"},
    {"username": "thamdinh", "name": ("Lê Minh", "Tâm"), "role": "appraiser", "unit": "so-tu-phap", "areas": ["2"]},
    {"username": "totruong", "name": ("Phạm Thị", "Hoa"), "role": "appraisal_lead", "unit": "so-noi-vu",
     "lead": True},
    # Nobody appraises their own unit: the Sở Nội vụ's assessment is led by a member of another unit, whom the
    # cycle's assignment makes a lead (as an administrator does on the assignment page).
    {"username": "topho", "name": ("Đặng Quốc", "Khánh"), "role": "appraiser", "unit": "van-phong-ubnd-tinh",
     "lead": True, "note": "phân công chủ trì thẩm định trong kỳ: thẩm định và thông qua bản đánh giá của Sở Nội vụ"},
    {"username": "quantri", "name": ("Võ Quốc", "Bảo"), "role": "administrator", "unit": None},
]
# Who appraises the demo's signed-off units: the first appraiser the areas assigned to them, the lead the rest; a
# member is passed over for their own unit, and the next of the list takes it (`_member_for`).
APPRAISERS = ["thamdinh", "totruong", "topho"]
LEADS = ["totruong", "topho"]
# Units whose assessments are signed off (with results and ranks) and units with a draft in progress.
SIGNED_OFF_UNITS = ["so-noi-vu", "so-tu-phap", "so-tai-chinh", "so-ke-hoach-dau-tu", "tp-my-tho", "h-cho-gao"]
# Each unit scores and submits its own assessment (the review page reads a submission by someone outside the unit
# as a handover; the audit record names who scored): a unit the demo scores that has no head gets one,
# «thutruong-<unit code>», besides the accounts above, who scores the sheet where the unit has no editor.
DRAFT_UNITS = {"so-y-te": 0.5, "h-cai-be": 1.0}
# Of the leaves a set lets a unit declare «không phát sinh», the share the demo units declare so (with a reason),
# and the appraisal team accepts.
NOT_APPLICABLE_SHARE = 0.15
NOT_APPLICABLE_REASON = "Trong năm đánh giá, đơn vị không phát sinh nhiệm vụ thuộc tiêu chí này."


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: đơn vị, bộ chỉ số 2020 của Tiền Giang, kỳ đánh giá 2020, người dùng mẫu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-scores", action="store_true", help="Không tạo điểm mẫu.")
        parser.add_argument("--quiet-credentials", action="store_true", help="Không in tài khoản mẫu.")
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Nạp cả khi chạy ở chế độ production (DEBUG tắt), ví dụ cho máy tập huấn: các tài khoản mẫu có mật "
                 "khẩu công khai trong README.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's accounts share a password printed in the README, one of them an administrator: on a production
        # database that is an open door. Production mode (DEBUG off) refuses unless asked in so many words.
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Không nạp dữ liệu mẫu ở chế độ production (DEBUG tắt): các tài khoản mẫu, trong đó có một tài khoản "
                f"quản trị, dùng chung mật khẩu công khai «{DEMO_PASSWORD}». Tạo tài khoản quản trị đầu tiên bằng "
                "`manage.py createsuperuser`; để nạp dữ liệu mẫu trên máy tập huấn, chạy lại với --allow-production."
            )
        catalogue = json.loads((FIXTURES / "units" / "tien-giang-2020.json").read_text(encoding="utf-8"))
        created = unit_catalogue_load(data=catalogue, actor=None)
        self.stdout.write(f"Đơn vị: thêm {created['units']}, khối: thêm {created['ranking_groups']}.")
        filled = self._fill_superior_bodies(catalogue["units"])
        if filled:
            self.stdout.write(f"Cơ quan chủ quản: điền cho {filled} đơn vị mẫu còn để trống.")

        for path in sorted((FIXTURES / "sets").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if IndicatorSet.objects.filter(key=data["key"]).exists():
                continue
            indicator_set = indicator_set_import(data=data, actor=None)
            self.stdout.write(f"Bộ chỉ số: {indicator_set.key} ({indicator_set.indicators.count()} mục).")

        cycle = self._cycle(catalogue["cycle"])
        opened = assessments_open(cycle=cycle, units=Unit.objects.filter(active=True), actor=None)
        if opened:
            self.stdout.write(f"Mở {len(opened)} bản đánh giá cho kỳ {cycle.year}.")
        users = self._users(cycle)
        if not options["no_scores"]:
            self._scores(cycle, users)
        if not options["quiet_credentials"]:
            self._print_credentials()

    @transaction.atomic
    def _fill_superior_bodies(self, rows: list[dict[str, Any]]) -> int:
        """A demo unit loaded before units had a superior body (or loaded from an older catalogue) gets the
        catalogue's, but only while its own is blank: a value an administrator set is kept. Each one audited as an
        edit of the unit. Returns how many were filled."""
        wanted = {row["code"]: unicodedata.normalize("NFC", row["superior_body"].strip())
                  for row in rows if str(row.get("superior_body") or "").strip()}
        filled = 0
        for unit in Unit.objects.filter(code__in=wanted, superior_body=""):
            Unit.objects.filter(pk=unit.pk, superior_body="").update(superior_body=wanted[unit.code])
            audit_record(actor=None, action="unit.update", object_type="Unit", object_id=unit.pk, unit=unit,
                         changes={"superior_body": {"old": "", "new": wanted[unit.code]}},
                         reason="Dữ liệu mẫu: điền cơ quan chủ quản còn để trống.")
            filled += 1
        return filled

    def _cycle(self, spec: dict[str, Any]) -> Cycle:
        cycle = Cycle.objects.filter(year=spec["year"]).first()
        if cycle:
            return cycle
        sets = {
            UnitKind.objects.get(code=kind): IndicatorSet.objects.get(key=key) for kind, key in spec["sets"].items()
        }
        # The demo's deadlines lie ahead of the day it is loaded, so that every screen can be tried out.
        now = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
        deadlines = {k: now + timedelta(days=days) for k, days in spec["deadline_days_from_load"].items()}
        cycle = cycle_create(year=spec["year"], name=spec["name"], sets=sets, actor=None, **deadlines)
        return cycle_set_phase(cycle=cycle, phase=Cycle.Phase.SELF_ASSESSMENT, actor=None)

    @transaction.atomic
    def _users(self, cycle: Cycle) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for spec in DEMO_USERS:
            user = user_model.objects.filter(username=spec["username"]).first()
            if user is None:
                user = user_model(
                    username=spec["username"], first_name=spec["name"][0], last_name=spec["name"][1],
                    email=f"{spec['username']}@example.invalid",
                    is_staff=spec["role"] == "administrator", is_superuser=spec["role"] == "administrator",
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
            unit = Unit.objects.get(code=spec["unit"]) if spec["unit"] else None
            RoleAssignment.objects.get_or_create(user=user, role=spec["role"], unit=unit)
            users[spec["username"]] = user
        for code in [*SIGNED_OFF_UNITS, *DRAFT_UNITS]:
            self._unit_head(Unit.objects.get(code=code))
        for spec in DEMO_USERS:
            if spec["role"] not in ("appraiser", "appraisal_lead"):
                continue
            assignment, new = AppraisalAssignment.objects.get_or_create(
                cycle=cycle, user=users[spec["username"]], defaults={"is_lead": spec.get("lead", False)}
            )
            if new and spec.get("areas"):
                areas = [ind for s in cycle.indicator_sets.all() for ind in s.indicators.filter(code__in=spec["areas"])]
                assignment.areas.set(areas)
        return users

    def _unit_head(self, unit: Unit) -> Any:
        """The unit's head (the first named), created as the demo users are when the unit has none."""
        existing = RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_HEAD, unit=unit).order_by("pk").first()
        if existing is not None:
            return existing.user
        user_model = get_user_model()
        username = f"thutruong-{unit.code}"
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(username=username, first_name="Thủ trưởng", last_name=unit.name,
                              email=f"{username}@example.invalid")
            user.set_password(DEMO_PASSWORD)
            user.save()
        RoleAssignment.objects.get_or_create(user=user, role=RoleAssignment.Role.UNIT_HEAD, unit=unit)
        return user

    def _unit_scorer(self, unit: Unit) -> Any:
        """Who self-scores the unit's demo sheet: its first editor (Sở Y tế's «chuyenvien»), else its head."""
        editor = RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_EDITOR, unit=unit).order_by("pk").first()
        return editor.user if editor is not None else self._unit_head(unit)

    @staticmethod
    def _member_for(assessment: Assessment, users: dict[str, Any], usernames: list[str]) -> Any:
        """The first of the team members named who is not a person of the assessment's unit."""
        return next(users[name] for name in usernames if not is_own_unit(users[name], assessment))

    def _scores(self, cycle: Cycle, users: dict[str, Any]) -> None:
        assigned = set(next(spec["areas"] for spec in DEMO_USERS if spec["username"] == APPRAISERS[0]))
        for code in [*SIGNED_OFF_UNITS, *DRAFT_UNITS]:
            assessment = Assessment.objects.select_related("unit").get(cycle=cycle, unit__code=code)
            if assessment.state != Assessment.State.DRAFT or assessment.lines.exclude(self_score=None).exists():
                continue  # already scored by an earlier run or by a person
            rng = random.Random(f"cchc-demo-{code}")
            editor = self._unit_scorer(assessment.unit)  # each unit's sheet is scored by a person of that unit
            quality = 0.85 if code in SIGNED_OFF_UNITS else DRAFT_UNITS[code]
            lines = list(assessment.lines.select_related("indicator").order_by("indicator__order"))
            share = 1.0 if code in SIGNED_OFF_UNITS else quality
            for i, line in enumerate(lines):
                if i >= len(lines) * share:
                    break
                value = sample_value(line.indicator, rng, quality)
                not_applicable = line.indicator.allow_not_applicable and rng.random() < NOT_APPLICABLE_SHARE
                score_line_save_self(
                    line=line, actor=editor, base_version=line.version, value=None if not_applicable else value,
                    note="", not_applicable=not_applicable,
                    not_applicable_reason=NOT_APPLICABLE_REASON if not_applicable else "",
                    explanation="Đơn vị đã đính kèm tài liệu kiểm chứng bản giấy." if rng.random() < 0.2 else None,
                )
            if code not in SIGNED_OFF_UNITS:
                continue
            head = self._unit_head(assessment.unit)
            assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=head)
            # Through the appraisal services, which refuse anyone appraising their own unit.
            lead = self._member_for(assessment, users, LEADS)
            appraiser = self._member_for(assessment, users, APPRAISERS)
            appraisal_start(assessment=assessment, actor=lead)
            for line in ScoreLine.objects.filter(assessment=assessment).select_related("indicator"):
                actor = appraiser if line.indicator.code.split(".")[0] in assigned else lead
                if line.not_applicable:  # the team accepts the unit's «không phát sinh»
                    line_accept_self(line=line, actor=actor, base_version=line.version)
                    continue
                value = line.self_value
                if rng.random() < 0.15:  # appraisers adjust some scores, usually downwards
                    value = sample_value(line.indicator, rng, 0.4)
                line_appraise(
                    line=line, actor=actor, base_version=line.version, value=value,
                    note="" if value == line.self_value else "Tài liệu kiểm chứng chưa đầy đủ.",
                )
            assessment_sign_off(assessment=assessment, actor=lead)
        self.stdout.write("Điểm mẫu: đã có.")

    def _print_credentials(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD})")
        for spec in DEMO_USERS:
            unit = Unit.objects.filter(code=spec["unit"]).first() if spec["unit"] else None
            label = dict(RoleAssignment.Role.choices)[spec["role"]]
            self.stdout.write(f"  {spec['username']:<11} {label}" + (f" — {unit.name}" if unit else "")
                              + (f" ({spec['note']})" if spec.get("note") else ""))
        self.stdout.write("  thutruong-<mã đơn vị>: thủ trưởng của từng đơn vị mẫu khác, người tự chấm điểm "
                          "(và gửi bản tự đánh giá) của đơn vị")
