"""A leaf's «Quá trình chấm điểm» shows the entries where something changed: a snapshot identical to the one
just before it (a sign-off's «Kết quả cuối cùng» after its round's appraisal, a reopen's next round unchanged) is
folded into that one, which says until when it held. The history rows themselves are all kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import LineHistory
from appraisal.services import assessment_reopen, assessment_sign_off, line_appraise
from tests.appraisal.conftest import line_of, refresh

pytestmark = pytest.mark.django_db


def _history(body: str, line: Any) -> tuple[str, list[str]]:
    leaf = body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]
    block = leaf.split('<details class="history">')[1].split("</details>")[0]
    summary = re.sub(r"\s+", " ", block.split("<summary>")[1].split("</summary>")[0]).strip()
    items = [re.sub(r"<[^>]+>", "", item) for item in block.split("<li")[1:]]
    return summary, [re.sub(r"\s+", " ", item).strip(" >") for item in items]


def test_unchanged_snapshots_are_folded_into_the_entry_where_the_value_changed(
    client: Client, appraised: Any, lead: Any, admin_user: Any
) -> None:
    # given: signed off, reopened and signed off unchanged, reopened again and 1.1.2 lowered, signed off
    assessment_sign_off(assessment=refresh(appraised), actor=lead)
    assessment_reopen(assessment=refresh(appraised), actor=admin_user, reason="Rà soát lại")
    assessment_sign_off(assessment=refresh(appraised), actor=lead)
    assessment_reopen(assessment=refresh(appraised), actor=admin_user, reason="Rà soát lần hai")
    line = line_of(appraised, "1.1.2")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 20, "denominator": 50},
                  note="Chỉ thực hiện một phần kế hoạch")
    assessment_sign_off(assessment=refresh(appraised), actor=lead)
    # the history rows are all kept: self + 3 × (appraisal, final)
    assert LineHistory.objects.filter(line=line).count() == 7
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    summary, items = _history(body, line)
    # then: the self-score, the first appraisal (held until the second sign-off), the lowered one (final)
    assert summary == "Quá trình chấm điểm (3)"
    assert [item.split(":")[0] for item in items] == ["Tự chấm", "Thẩm định vòng 1", "Thẩm định vòng 3"]
    assert "không đổi đến «Kết quả cuối cùng»" in items[1] and "vòng 2" not in items[1].split("(")[0]
    assert "Chỉ thực hiện một phần kế hoạch" in items[2] and "không đổi đến «Kết quả cuối cùng»" in items[2]


def test_a_single_round_shows_its_appraisal_and_folds_the_identical_final(
    client: Client, appraised: Any, lead: Any
) -> None:
    assessment_sign_off(assessment=refresh(appraised), actor=lead)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    summary, items = _history(body, line_of(appraised, "1.1.1"))
    assert summary == "Quá trình chấm điểm (2)"
    assert [item.split(":")[0] for item in items] == ["Tự chấm", "Thẩm định vòng 1"]
