"""The administration home's recent changes (and the audit page, which shares its table) mark the Vietnamese data
inside a change `lang="vi"` on the English page, part by part: a unit's name, a criterion's input labels, a
level's label, a text someone wrote; the labels around them (a value's keys, Có/Không, a state) are the page's
language. Each part is escaped once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import change_rows
from scoring.models import Assessment, ScoreLine, Unit
from scoring.services import audit_record, score_line_save_self

pytestmark = pytest.mark.django_db

VI = '<span lang="vi">'


def _home(client: Client, settings: Any, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("administration:index"))
    assert response.status_code == 200
    return response.content.decode().split('class="grid compact audit-table"')[1].split("</table>")[0]


def test_the_english_home_marks_the_data_inside_a_change_and_not_its_labels(
    client: Client, settings: Any, admin_user: Any, unit_editor: Any, assessment: Assessment
) -> None:
    # given: a self-score with counted items, one with a level, a merge into a unit, a text with markup characters
    lines = {line.indicator.code: line for line in ScoreLine.objects.filter(assessment=assessment)
             .select_related("indicator")}
    score_line_save_self(line=lines["2.1.2"], actor=unit_editor, base_version=lines["2.1.2"].version,
                         value={"counts": {"late": 0, "missing": 2}})
    score_line_save_self(line=lines["1.1.1"], actor=unit_editor, base_version=lines["1.1.1"].version,
                         value={"option": "on_time"})
    services.unit_merge(unit=Unit.objects.get(code="tx-cai-lay"), into=Unit.objects.get(code="tp-my-tho"),
                        actor=admin_user, reason="Sắp xếp đơn vị hành chính")
    audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=5,
                 changes={"guidance": {"old": "", "new": "Văn bản <số 1> & phụ lục"},
                          "allow_not_applicable": {"old": False, "new": True}})
    client.force_login(admin_user)

    # when
    table = _home(client, settings, "en")

    # then: the keys in English, the criterion's labels marked as Vietnamese data
    assert f"times: {VI}Báo cáo trễ hạn</span>: 0; {VI}Thiếu báo cáo</span>: 2" in table
    assert f"option: {VI}Đúng hạn, đầy đủ</span>" in table
    assert f"— → {VI}UBND thành phố Mỹ Tho (tp-my-tho)</span>" in table
    # a text someone wrote: marked, escaped once; Có/Không in the page's language, unmarked
    assert f"— → {VI}Văn bản &lt;số 1&gt; &amp; phụ lục</span>" in table
    assert "&amp;lt;" not in table and "&amp;amp;" not in table
    assert "No → Yes" in table
    assert f"{VI}times" not in table and f"{VI}No" not in table


def test_the_vietnamese_home_marks_nothing_and_escapes_once(
    client: Client, settings: Any, admin_user: Any
) -> None:
    audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=5,
                 changes={"guidance": {"old": "", "new": "Văn bản <số 1> & phụ lục"}})
    client.force_login(admin_user)
    table = _home(client, settings, "vi")
    assert "— → Văn bản &lt;số 1&gt; &amp; phụ lục<" in table
    assert 'lang="vi"' not in table


def test_a_criterions_level_labels_and_an_assignments_area_names_are_data(settings: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        [(_name, _label, _old, levels)] = change_rows(
            {"params": {"old": None, "new": {"options": [{"key": "x", "label": "Đúng hạn", "points": "1.00"}]}}},
            labels={}, object_type="Indicator", html=True)
        [(_name, _label, _old, areas)] = change_rows(
            {"areas": {"old": None, "new": ["1", "1", "2"]}}, labels={"areas": {"1": "Công tác chỉ đạo"}},
            object_type="AppraisalAssignment", html=True)
        plain = change_rows({"areas": {"old": None, "new": ["1", "1", "2"]}},
                            labels={"areas": {"1": "Công tác chỉ đạo"}}, object_type="AppraisalAssignment")
    assert f"{VI}Đúng hạn</span>" in levels and "x" in levels and f"{VI}x" not in levels
    assert areas.startswith(f"1 {VI}Công tác chỉ đạo</span> (") and "(2 " in areas
    assert plain[0][3].startswith("1 Công tác chỉ đạo (") and "<" not in plain[0][3]  # the export: plain text
