"""The working pages in English mark the data they show as Vietnamese (`lang="vi"`, WCAG 3.1.2), as the sheet,
the queue and the public pages do: the self-assessment report and its check, the oversight dashboard, the
administration lists of units and users, the set tree, the cycle page, the audit log and the evidence library's
header — names of units, groups, kinds, sets, cycles, criteria and people, the units' notes and explanations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.models import Assessment, ScoreLine, Unit
from tests.publication.conftest import sign_off_unit
from tests.publication.test_data_language_marks import _english, _languages_of, _page

pytestmark = pytest.mark.django_db

SET_NAME = "Bộ chỉ số thử nghiệm"
CYCLE_NAME = "Chỉ số CCHC năm 2020"
AREA = "Công tác chỉ đạo, điều hành CCHC"
LEAF = "Ban hành kế hoạch CCHC năm"
UNSCORED_LEAF = "Mức độ thực hiện kế hoạch"
NOTE = "Kế hoạch ban hành trễ hạn"
EXPLANATION = "Đơn vị đã gửi bản giấy cho Sở Nội vụ"
PERSON = "Nguyễn Thị Lan"


def _all_vi(body: str, *texts: str) -> None:
    for text in texts:
        assert set(_languages_of(body, text)) == {"vi"}, text


@pytest.fixture
def work(cycle: Any, unit_editor: Any) -> Assessment:
    """Sở Tư pháp signed off (the dashboard's ranking), Sở Y tế's draft with 1.1.1 scored by its editor, with a
    note and an explanation (the report, the check, the audit log)."""
    from scoring.services import assessments_open, score_line_save_self

    sign_off_unit(cycle, "so-tu-phap", {})
    unit_editor.first_name, unit_editor.last_name = "Nguyễn Thị", "Lan"
    unit_editor.save()
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"option": "late"},
                         note=NOTE, explanation=EXPLANATION)
    return assessment


def test_the_report_and_the_check_in_english_mark_the_units_data(work: Assessment, unit_editor: Any) -> None:
    client = _english(unit_editor)
    report = _page(client, f"/danh-gia/{work.pk}/bao-cao/")
    assert '<html lang="en">' in report
    _all_vi(report, "SỞ Y TẾ", SET_NAME, "689/QĐ-UBND", AREA, LEAF, NOTE, EXPLANATION)
    check = _page(client, f"/danh-gia/{work.pk}/kiem-tra/")
    _all_vi(check, "Sở Y tế", UNSCORED_LEAF)


def test_the_dashboard_in_english_marks_names(work: Assessment, admin_user: Any) -> None:
    body = _page(_english(admin_user), "/tham-dinh/tong-quan/")
    group = Unit.objects.select_related("ranking_group").get(code="so-tu-phap").ranking_group.name
    _all_vi(body, CYCLE_NAME, "Sở Tư pháp", group, SET_NAME, AREA)


def test_the_administration_lists_in_english_mark_names(work: Assessment, admin_user: Any) -> None:
    client = _english(admin_user)
    unit = Unit.objects.select_related("kind", "ranking_group").get(code="so-y-te")
    units = _page(client, "/quan-ly/don-vi/?q=y+t%E1%BA%BF")
    _all_vi(units, "Sở Y tế", unit.kind.name, unit.ranking_group.name)
    users = _page(client, "/quan-ly/nguoi-dung/")
    _all_vi(users, PERSON, "Sở Y tế")


def test_the_set_tree_and_the_cycle_page_in_english_mark_names(work: Assessment, admin_user: Any) -> None:
    client = _english(admin_user)
    tree = _page(client, f"/quan-ly/bo-chi-so/{work.indicator_set_id}/")
    _all_vi(tree, SET_NAME, "689/QĐ-UBND", AREA, LEAF)
    cycle = _page(client, f"/quan-ly/ky-danh-gia/{work.cycle_id}/")
    kind = Unit.objects.select_related("kind").get(code="so-y-te").kind.name
    _all_vi(cycle, CYCLE_NAME, "Sở Y tế", "Sở Tư pháp", kind)


def test_the_audit_log_in_english_marks_people_units_objects_and_notes(work: Assessment, admin_user: Any) -> None:
    body = _page(_english(admin_user), "/quan-ly/nhat-ky/?unit=so-y-te")
    _all_vi(body, PERSON, "Sở Y tế", NOTE, EXPLANATION)
    # the object's type is the interface's, its code and unit the data's
    assert "Criterion score" in body and set(_languages_of(body, "1.1.1 ·")) == {"vi"}


def test_the_evidence_library_in_english_marks_its_header(work: Assessment, unit_editor: Any) -> None:
    body = _page(_english(unit_editor), f"/tai-lieu/danh-gia/{work.pk}/")
    _all_vi(body, "Sở Y tế", CYCLE_NAME)


def test_the_vietnamese_pages_are_written_as_before(work: Assessment, unit_editor: Any, admin_user: Any) -> None:
    # the page's own lang="vi" says it: no span is added around each name
    client = Client()
    client.force_login(unit_editor)
    report = _page(client, f"/danh-gia/{work.pk}/bao-cao/")
    assert '<html lang="vi">' in report and '<span lang="vi">' not in report
    client.force_login(admin_user)
    audit = _page(client, "/quan-ly/nhat-ky/")
    assert '<span lang="vi">' not in audit and PERSON in audit
