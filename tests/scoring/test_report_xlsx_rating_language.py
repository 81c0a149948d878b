"""The self-assessment report's Excel file names the rating in the language of the download, as the report page
does: «Weak» in English, «Yếu» in Vietnamese."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _rating(client: Client, assessment: Assessment, language: str) -> tuple[str, Any]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    (row,) = [r for r in ws.iter_rows(values_only=True) if r[1] in ("Xếp loại (tự đánh giá)",
                                                                      "Rating (self-assessment)")]
    return ws.title, row[3]


def test_the_report_workbook_in_english_names_the_rating_in_english(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given an assessment scored throughout, 1.2.1 answered «Không» (index 5,58: the set's lowest band, «Yếu»)
    for line in assessment.lines.select_related("indicator"):
        value = {"value": False} if line.indicator.code == "1.2.1" else SMALL_SET_VALUES[line.indicator.code][0]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    client.force_login(unit_editor)
    # when the report is downloaded in English, then the rating is the band's English name, as on the page
    assert _rating(client, assessment, "en") == ("I. Score summary", "Weak")
    page = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert "Weak" in page
    # and in Vietnamese it stays the band's own name
    assert _rating(client, assessment, "vi") == ("I. Tổng hợp điểm", "Yếu")
