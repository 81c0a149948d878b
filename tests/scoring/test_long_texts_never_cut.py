"""No text box of the self-assessment pages cuts a longer text without a word (no maxlength): the server refuses it
whole, says which box and the limit, keeps what was typed in its box, and changes nothing. The leaf's texts, the
withdrawal's reason, the extension request's reason, Part III of the report."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Assessment, Cycle, ExtensionRequest, ScoreLine
from tests.appraisal.conftest import submit

pytestmark = pytest.mark.django_db


def _field(body: str, name: str) -> str:
    """The opening tag of the form field `name`."""
    match = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', body)
    assert match, name
    return match.group(0)


def _textarea(body: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, name
    return unescape(match.group(1))


def test_no_text_box_of_the_sheet_has_a_maxlength(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    line = assessment.lines.get(indicator__code="1.2.2")
    for name in ("note", "explanation", "not_applicable_reason"):
        assert "maxlength" not in _field(body[body.index(f'id="line-{line.pk}"'):], name)


@pytest.mark.parametrize(("field", "label", "limit"), [
    ("note", "Ghi chú", 5000), ("explanation", "Giải trình", 5000),
])
def test_a_leaf_text_over_its_limit_is_refused_naming_the_box_and_nothing_is_saved(
    client: Client, assessment: Assessment, unit_editor: Any, field: str, label: str, limit: int
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    client.force_login(unit_editor)
    answer = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                         {"version": line.version, field: "x" * (limit + 1)}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400
    data = answer.json()
    assert (data["code"], data["field"]) == ("too_long", field)
    assert data["message"].startswith(f"{label}: ") and f"tối đa {limit}" in data["message"]
    assert "nội dung anh/chị đã nhập vẫn còn trong ô" in data["message"]
    assert ScoreLine.objects.get(pk=line.pk).version == line.version


def test_a_withdrawal_reason_over_its_limit_is_drawn_again_in_its_box_with_the_message(
    client: Client, assessment: Assessment, unit_head: Any
) -> None:
    submit(assessment, unit_head)
    client.force_login(unit_head)
    body = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert "maxlength" not in _field(body, "reason")

    typed = "Cần bổ sung tài liệu kiểm chứng. " * 40 + "KẾT THÚC"
    response = client.post(reverse("scoring:withdraw", args=[assessment.pk]), {"reason": typed})

    assert response.status_code == 400
    body = response.content.decode()
    tag = _field(body, "reason")
    assert unescape(re.search(r'value="([^"]*)"', tag).group(1)) == typed
    assert 'aria-invalid="true"' in tag and "autofocus" in tag and 'aria-describedby="withdraw-error"' in tag
    assert re.search(r'id="withdraw-error" role="alert">[^<]*1000', body)
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.SUBMITTED


def test_an_extension_reason_over_its_limit_is_kept_in_its_box_and_focused(
    client: Client, assessment: Assessment, unit_head: Any
) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    client.force_login(unit_head)
    url = reverse("scoring:extension_request", args=[assessment.pk])
    assert "maxlength" not in _field(client.get(url).content.decode(), "reason")

    typed = "Cán bộ phụ trách nghỉ ốm dài ngày. " * 40 + "KẾT THÚC"
    day = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(url, {"requested_date": f"{day:%Y-%m-%d}", "reason": typed})

    assert response.status_code == 400
    body = response.content.decode()
    assert _textarea(body, "reason") == typed
    tag = _field(body, "reason")
    assert 'aria-invalid="true"' in tag and "autofocus" in tag
    assert "tối đa 1000" in body
    assert not ExtensionRequest.objects.exists()


def test_part_three_over_its_limit_has_no_maxlength_and_is_drawn_again_focused(
    client: Client, assessment: Assessment, unit_head: Any
) -> None:
    client.force_login(unit_head)
    url = reverse("scoring:report", args=[assessment.pk])
    assert "maxlength" not in _field(client.get(url).content.decode(), "difficulties")

    typed = "Khó khăn. " * 2001
    response = client.post(reverse("scoring:difficulties", args=[assessment.pk]),
                           {"previous": "", "difficulties": typed})

    assert response.status_code == 400
    body = response.content.decode()
    assert _textarea(body, "difficulties").strip() == typed.strip()
    assert "autofocus" in _field(body, "difficulties")
    assert Assessment.objects.get(pk=assessment.pk).difficulties == ""
