"""The overview's «Điểm bình quân theo lĩnh vực» names each row's indicator set by the set's own name: one set
scores several unit kinds (the departments and the vertical agencies), so a kind's name would claim the count for
that kind alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import assessment_sign_off
from scoring.models import Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import appraise_all, refresh, self_score, submit

pytestmark = pytest.mark.django_db


def _signed_off(unit_code: str, cycle: Any, editor: Any, head: Any, lead: Any) -> None:
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=unit_code)], actor=None)[0]
    self_score(assessment, editor)
    submit(assessment, head)
    appraise_all(assessment, lead)
    assessment_sign_off(assessment=refresh(assessment), actor=lead)


def test_the_area_averages_name_the_set_not_the_unit_kind(
    client: Client, cycle: Any, small_set: Any, unit_editor: Any, unit_head: Any, team: Any, lead: Any,
    admin_user: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    # given: a department and a vertical agency, both scored with the one set, signed off
    with django_capture_on_commit_callbacks(execute=True):
        _signed_off("so-y-te", cycle, unit_editor, unit_head, lead)
        _signed_off("kho-bac-nha-nuoc", cycle, unit_editor, unit_head, lead)
    client.force_login(admin_user)
    # when
    body = client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()
    # then: each area's row names the set and counts both units
    section = body[body.index('id="avg-h"'):]
    section = section[:section.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td[^>]*>[^<]*</td><td[^>]*>(\d+)</td>", section)
    assert [(name, area[:2], count) for name, area, count in rows] == [
        (small_set.name, "1.", "2"), (small_set.name, "2.", "2"),
    ]
    assert "Sở, ban, ngành tỉnh" not in section
