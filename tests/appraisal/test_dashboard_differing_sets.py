"""The overview's «Tiêu chí thẩm định thường khác điểm tự chấm nhất» names each row's indicator set, as the
averages above it do: the departments' and the districts' sets share every code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import line_appraise
from scoring.models import Unit, UnitKind
from scoring.services import assessments_open, cycle_create, indicator_set_import
from tests.appraisal.conftest import line_of, self_score, submit
from tests.conftest import self_assessment_phase, small_set_data

pytestmark = pytest.mark.django_db
DISTRICT_SET = "Bộ chỉ số thử nghiệm cấp huyện"


def test_each_differing_leaf_names_its_set(
    client: Client, small_set: Any, unit_editor: Any, unit_head: Any, admin_user: Any
) -> None:
    # given: one cycle, two sets with the same codes; leaf 2.1.1 lowered in each
    district_set = indicator_set_import(
        data=small_set_data(key="test-set-huyen", unit_kind="district", name=DISTRICT_SET), actor=None)
    cycle = self_assessment_phase(cycle_create(year=2020, name="Chỉ số CCHC năm 2020", actor=None, sets={
        UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): district_set}))
    for code in ("so-y-te", "h-cai-be"):
        assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(assessment, unit_editor)
        submit(assessment, unit_head)
        line = line_of(assessment, "2.1.1")
        line_appraise(line=line, actor=admin_user, base_version=line.version,
                      value={"numerator": 40, "denominator": 100}, note="Chưa khớp hệ thống")
    client.force_login(admin_user)
    # when
    body = client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()
    # then: the table has the set's column, and each row names its set
    section = body[body.index('id="diff-h"'):]
    section = section[:section.index("</table>")]
    assert '<th scope="col">Bộ chỉ số</th>' in section
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(2\.1\.1) ", section)
    assert sorted(name for name, _code in rows) == sorted([small_set.name, DISTRICT_SET])
