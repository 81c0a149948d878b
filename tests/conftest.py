"""Shared fixtures: a small valid set, units, a cycle, and a fixed cast of named users per role."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))


def need_service(available: bool, what: str) -> None:
    """Skip locally when a real service is not configured; fail in CI, where it must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not configured or not reachable.")
    pytest.skip(f"{what} not configured (set DATABASE_URL / REDIS_URL); CI runs this test.")


def small_set_data(key: str = "test-set", unit_kind: str = "department", **extra: Any) -> dict[str, Any]:
    """A 10-point set with one leaf per method family, a bonus and a penalty criterion."""
    data: dict[str, Any] = {
        "key": key,
        "year": 2020,
        "unit_kind": unit_kind,
        "name": "Bộ chỉ số thử nghiệm",
        "decision_ref": "689/QĐ-UBND ngày 11/3/2020",
        "standard_max": "10",
        "index_mode": "points",
        "bonus_cap": "2",
        "penalty_cap": "2",
        "classification_bands": [
            {"min": "9", "label": "Tốt"}, {"min": "8", "label": "Khá"},
            {"min": "6.5", "label": "Trung bình"}, {"min": "0", "label": "Yếu"},
        ],
        "indicators": [
            {"code": "1", "name": "Công tác chỉ đạo, điều hành CCHC", "kind": "normal", "max_points": "6",
             "coordinating_department": "Sở Nội vụ", "children": [
                {"code": "1.1", "name": "Kế hoạch CCHC năm", "kind": "normal", "max_points": "3", "children": [
                    {"code": "1.1.1", "name": "Ban hành kế hoạch CCHC năm", "kind": "normal", "max_points": "1",
                     "floor": "-1", "method": "levels", "params": {"options": [
                         {"key": "on_time", "label": "Đúng hạn, đầy đủ", "points": "1"},
                         {"key": "late", "label": "Trễ hạn", "points": "0"},
                         {"key": "none", "label": "Không ban hành", "points": "-1"}]},
                     "guidance": "Kế hoạch CCHC năm."},
                    {"code": "1.1.2", "name": "Mức độ thực hiện kế hoạch", "kind": "normal", "max_points": "2",
                     "method": "ratio_bands", "params": {"bands": [
                         {"min": "90", "inclusive": False, "points": "2"},
                         {"min": "70", "inclusive": True, "points": "1"},
                         {"min": "0", "inclusive": True, "points": "0"}]}},
                ]},
                {"code": "1.2", "name": "Báo cáo CCHC", "kind": "normal", "max_points": "3", "children": [
                    {"code": "1.2.1", "name": "Báo cáo đúng hạn", "kind": "normal", "max_points": "1",
                     "method": "yes_no", "params": {}},
                    {"code": "1.2.2", "name": "Xử lý vấn đề phát hiện qua kiểm tra", "kind": "normal",
                     "max_points": "1.5", "method": "formula", "allow_not_applicable": True,
                     "params": {"variables": [{"name": "a", "label": "Số vấn đề phát hiện"},
                                              {"name": "b", "label": "Đã xử lý xong"},
                                              {"name": "c", "label": "Đang xử lý"}],
                                "expression": "(b / a) * 1.5 + (c / a) * 0.5"}},
                    {"code": "1.2.3", "name": "Gửi báo cáo tự đánh giá đúng hạn", "kind": "normal",
                     "max_points": "0.5", "method": "manual", "params": {"step": "0.25"}},
                ]},
            ]},
            {"code": "2", "name": "Hiện đại hóa hành chính", "kind": "normal", "max_points": "4",
             "coordinating_department": "Sở Thông tin và Truyền thông", "children": [
                {"code": "2.1", "name": "Ứng dụng CNTT", "kind": "normal", "max_points": "4", "children": [
                    {"code": "2.1.1", "name": "Tỷ lệ văn bản điện tử", "kind": "normal", "max_points": "2",
                     "method": "proportional", "params": {"threshold": "80"}},
                    {"code": "2.1.2", "name": "Báo cáo định kỳ", "kind": "normal", "max_points": "2",
                     "method": "per_occurrence", "params": {"base": "2", "items": [
                         {"key": "late", "label": "Báo cáo trễ hạn", "points": "-0.25"},
                         {"key": "missing", "label": "Thiếu báo cáo", "points": "-0.5"}]}},
                ]},
                {"code": "2.2", "name": "Sáng kiến CCHC", "kind": "bonus", "max_points": "2", "children": [
                    {"code": "2.2.1", "name": "Sáng kiến được công nhận", "kind": "bonus", "max_points": "2",
                     "method": "per_occurrence",
                     "params": {"items": [{"key": "initiative", "label": "Sáng kiến", "points": "0.5"}]}},
                ]},
                {"code": "2.3", "name": "Kỷ luật", "kind": "penalty", "max_points": "2", "children": [
                    {"code": "2.3.1", "name": "Công chức bị kỷ luật", "kind": "penalty", "max_points": "2",
                     "method": "per_occurrence",
                     "params": {"items": [{"key": "disciplined", "label": "Số người", "points": "1"}]}},
                ]},
            ]},
        ],
    }
    data.update(extra)
    return data


# Valid inputs for the small set, with the score the engine must give each.
SMALL_SET_VALUES: dict[str, tuple[dict[str, Any], Decimal]] = {
    "1.1.1": ({"option": "late"}, Decimal("0")),
    "1.1.2": ({"numerator": 45, "denominator": 50}, Decimal("1")),
    "1.2.1": ({"value": True}, Decimal("1")),
    "1.2.2": ({"counts": {"a": 4, "b": 2, "c": 1}}, Decimal("0.88")),
    "1.2.3": ({"points": "0.5"}, Decimal("0.5")),
    "2.1.1": ({"numerator": 85, "denominator": 100}, Decimal("1.7")),
    "2.1.2": ({"counts": {"late": 2, "missing": 1}}, Decimal("1")),
    "2.2.1": ({"counts": {"initiative": 3}}, Decimal("1.5")),
    "2.3.1": ({"counts": {"disciplined": 1}}, Decimal("1")),
}


@pytest.fixture(autouse=True)
def site_language() -> Any:
    """Each test starts and ends in the site's language: a request made in English leaves English active in its
    thread (the middleware activates a language and does not deactivate it), and a later test would read
    English messages where it expects the Vietnamese ones."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def celery_eager() -> Any:
    """Unit tests run tasks in-process even when REDIS_URL is set (CI); the integration tests' worker
    fixture switches this off and talks to a real worker through Redis."""
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture
def catalogue(db: Any) -> dict[str, Any]:
    from scoring.services import unit_catalogue_load

    data = json.loads((ROOT / "fixtures" / "units" / "tien-giang-2020.json").read_text(encoding="utf-8"))
    unit_catalogue_load(data=data, actor=None)
    return data


@pytest.fixture
def small_set(catalogue: Any) -> Any:
    from scoring.services import indicator_set_import

    return indicator_set_import(data=small_set_data(), actor=None)


def self_assessment_phase(cycle: Any) -> Any:
    """The cycle taking self-scores, as the Sở Nội vụ opens it after its setup (no audit entry: the tests count
    theirs)."""
    from scoring.models import Cycle

    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.SELF_ASSESSMENT)
    cycle.phase = Cycle.Phase.SELF_ASSESSMENT
    return cycle


@pytest.fixture
def cycle(small_set: Any) -> Any:
    from scoring.models import UnitKind
    from scoring.services import cycle_create

    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    return self_assessment_phase(
        cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={k: small_set for k in kinds}, actor=None)
    )


@pytest.fixture
def assessment(cycle: Any) -> Any:
    from scoring.models import Unit
    from scoring.services import assessments_open

    return assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]


def _user(username: str, role: str | None, unit_code: str | None = None, **flags: Any) -> Any:
    from scoring.models import RoleAssignment, Unit

    user = get_user_model().objects.create_user(username=username, password="x-Secret-2020!", **flags)
    if role:
        unit = Unit.objects.get(code=unit_code) if unit_code else None
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def unit_editor(catalogue: Any) -> Any:
    return _user("lan", "unit_editor", "so-y-te")


@pytest.fixture
def unit_head(catalogue: Any) -> Any:
    return _user("hung", "unit_head", "so-y-te")


@pytest.fixture
def appraiser(catalogue: Any) -> Any:
    return _user("tam", "appraiser", "so-tu-phap")


@pytest.fixture
def lead(catalogue: Any) -> Any:
    return _user("hoa", "appraisal_lead", "so-noi-vu")


@pytest.fixture
def admin_user(catalogue: Any) -> Any:
    return _user("bao", "administrator", None, is_staff=True, is_superuser=True)


def pg_url_for_test_db() -> str:
    """A DATABASE_URL pointing at the database the tests are using (for a worker subprocess)."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
