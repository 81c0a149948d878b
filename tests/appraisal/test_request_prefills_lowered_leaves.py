"""The explanation request ticks by default the leaves the team scored against the unit (lower than its
self-score; a penalty deducting more) and those kept with a note (a question), not those raised in the unit's
favour, which it would only have to agree with; the form says which are ticked and why."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import line_appraise
from tests.appraisal.conftest import appraise_all, line_of

pytestmark = pytest.mark.django_db


def _ticked(body: str, line_pk: int) -> bool:
    tag = re.search(rf'<input type="checkbox" name="lines" value="{line_pk}"[^>]*>', body)
    assert tag is not None
    return " checked" in tag.group(0)


def _row(body: str, line_pk: int) -> str:
    return body.split(f'id="flag-{line_pk}"')[1].split("</tr>")[0]


def test_only_leaves_scored_against_the_unit_are_ticked(client: Client, submitted: Any, lead: Any) -> None:
    appraise_all(submitted, lead)
    lowered = line_of(submitted, "2.1.1")  # 85/100 → 1.70, lowered to 50/100 → 0
    line_appraise(line=lowered, actor=lead, base_version=lowered.version,
                  value={"numerator": 50, "denominator": 100}, note="Thiếu số liệu.")
    raised = line_of(submitted, "1.1.1")  # «late» → 0, raised to «on_time» → 1
    line_appraise(line=raised, actor=lead, base_version=raised.version, value={"option": "on_time"},
                  note="Có văn bản ban hành đúng hạn.")
    more_deducted = line_of(submitted, "2.3.1")  # penalty 1 → 2: against the unit
    line_appraise(line=more_deducted, actor=lead, base_version=more_deducted.version,
                  value={"counts": {"disciplined": 2}}, note="Thêm một người bị kỷ luật.")
    less_deducted = line_of(submitted, "2.1.2")  # base 2 − 2×0.25 − 0.5 = 1 → 2 (no report late): raised
    line_appraise(line=less_deducted, actor=lead, base_version=less_deducted.version,
                  value={"counts": {"late": 0, "missing": 0}}, note="Các báo cáo đều đúng hạn.")
    client.force_login(lead)
    body = unescape(client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode())
    assert _ticked(body, lowered.pk)
    assert _ticked(body, more_deducted.pk)
    assert not _ticked(body, raised.pk)
    assert not _ticked(body, less_deducted.pk)
    # why, on the row
    assert "thấp hơn điểm tự chấm" in _row(body, lowered.pk)
    assert "trừ nhiều hơn" in _row(body, more_deducted.pk)
    assert "cao hơn" in _row(body, raised.pk)
    # and in the description of the list (its legend stays short)
    hint = re.search(r'<p class="meta" id="flag-lines-hint">(.*?)</p>', body, re.S)
    assert hint is not None and "Không chọn sẵn" in hint.group(1)
