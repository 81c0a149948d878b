"""The unit's appraisal workbook («Bảng tổng hợp kết quả thẩm định») writes a penalty criterion's rows as deductions,
as the unit's sheet, its report and the review page do: the maximum, the self-score, the appraised score and their
difference negative (a penalty the team raises lowers the unit's figures, so its difference is negative too), the
group row and the «Điểm trừ» total alike; the stored values stay positive."""

from __future__ import annotations

import io
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import line_appraise
from scoring.models import Assessment, IndexResult, Indicator
from tests.appraisal.conftest import appraise_all, line_of, refresh

pytestmark = pytest.mark.django_db

CODE, NAME, MAX, SELF, APPRAISED, DIFFERENCE = range(6)


def _sheet(client: Client, assessment: Any) -> list[tuple[Any, ...]]:
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def _figures(row: tuple[Any, ...]) -> tuple[Decimal | None, ...]:
    return tuple(None if v is None else Decimal(str(v)) for v in row[MAX:DIFFERENCE + 1])


def _labelled(rows: list[tuple[Any, ...]], label: str) -> tuple[Any, ...]:
    return next(r for r in rows if r[NAME] == label)


def test_a_penalty_the_team_raises_is_a_larger_deduction_in_every_column(submitted: Any, lead: Any) -> None:
    # given: Sở Y tế declared one official disciplined (2.3.1: 1 point a person, at most 2); the team finds two
    appraise_all(refresh(submitted), lead)
    line = line_of(submitted, "2.3.1")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"disciplined": 2}},
                  note="Thêm một người bị kỷ luật.")
    assert line_of(submitted, "2.3.1").appraised_score == Decimal("2")  # stored positive
    client = Client()
    client.force_login(lead)
    # when
    rows = _sheet(client, submitted)
    by_code = {r[CODE]: r for r in rows if r[CODE]}
    # then: maximum, self, appraised, difference (appraised − self), the leaf and its group alike
    for code in ("2.3", "2.3.1"):
        assert _figures(by_code[code]) == (Decimal("-2"), Decimal("-1"), Decimal("-2"), Decimal("-1")), code
    # the totals block's «Điểm trừ» too, and each column adds up to its total
    assert _figures(_labelled(rows, "Điểm trừ"))[1:] == (Decimal("-1"), Decimal("-2"), Decimal("-1"))
    for column in (SELF, APPRAISED, DIFFERENCE):
        parts = [Decimal(str(_labelled(rows, label)[column]))
                 for label in ("Tổng điểm các lĩnh vực", "Điểm cộng", "Điểm trừ")]
        assert sum(parts) == Decimal(str(_labelled(rows, "Tổng điểm")[column]))
    # a bonus stays positive
    assert _figures(by_code["2.2.1"])[1:3] == (Decimal("1.5"), Decimal("1.5"))


@pytest.fixture
def eager() -> Any:
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def test_the_demo_districts_penalties_are_deductions(eager: Any, django_capture_on_commit_callbacks: Any) -> None:
    # given: the demo, whose Chợ Gạo district (signed off, the Tiền Giang 2020 set) has officials disciplined
    # (5.11.1, counted per person) and its head disciplined (5.11.2, a level)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--allow-production", stdout=StringIO())
    assessment = Assessment.objects.get(unit__code="h-cho-gao", state=Assessment.State.SIGNED_OFF)
    stored = {line.indicator.code: line.appraised_score for line in assessment.lines.select_related("indicator")
              .filter(indicator__kind=Indicator.Kind.PENALTY)}
    assert stored["5.11.1"] == Decimal("3") and stored["5.11.2"] == Decimal("2")
    client = Client()
    client.force_login(get_user_model().objects.get(username="quantri"))
    # when
    rows = _sheet(client, assessment)
    by_code = {r[CODE]: r for r in rows if r[CODE]}
    # then: each penalty row written negative, the stored points deducted; no penalty row has a positive figure
    assert _figures(by_code["5.11.1"]) == (Decimal("-3"), Decimal("-3"), Decimal("-3"), Decimal("0"))
    assert _figures(by_code["5.11.2"]) == (Decimal("-2"), Decimal("-2"), Decimal("-2"), Decimal("0"))
    penalties = set(Indicator.objects.filter(indicator_set_id=assessment.indicator_set_id,
                                             kind=Indicator.Kind.PENALTY).values_list("code", flat=True))
    assert {"5.11", "5.11.1", "5.11.2"} <= penalties
    for code in penalties:
        assert all(v is None or v <= 0 for v in _figures(by_code[code])), code
    for code, points in stored.items():
        assert _figures(by_code[code])[APPRAISED - MAX] == -points, code
    # and the total deducted is the stored result's, negative
    result = IndexResult.objects.get(assessment=assessment)
    assert _figures(_labelled(rows, "Điểm trừ"))[APPRAISED - MAX] == -result.penalty < 0
