"""The review's per-leaf save refuses a count typed with its decimal mark last («2,»: maybe a «2,5» half typed),
saying what to do, and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def test_a_count_ending_in_a_comma_is_refused_on_the_review_page(submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.2")
    client = Client()
    client.force_login(appraiser)
    entries = AuditEntry.objects.count()
    answer = client.post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-counts.late": "2,", f"a{line.pk}-counts.missing": "1",
         "note": "Theo sổ theo dõi."},
        **JSON,
    )
    assert answer.status_code == 400
    data = answer.json()
    assert data["code"] == "trailing_decimal_mark" and data["field"] == "counts.late"
    assert data["message"] == "Số «2,» chưa đủ: bỏ dấu phẩy ở cuối hoặc gõ tiếp phần thập phân."
    stored = line_of(submitted, "2.1.2")
    assert stored.appraised_score is None and stored.version == line.version
    assert AuditEntry.objects.count() == entries
