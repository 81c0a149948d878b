"""The offline sheet marks its bonus and penalty leaves as the report does («[Điểm cộng]», «[Điểm trừ]» before the
name, and what the leaf does to the index under how to fill it), and shows a penalty's maximum and current points as
the amount deducted, negative, as the page and the report write it. Only shown cells change: the input cells keep the
values the engine takes, so the file imports back exactly, and a penalty's counts are typed as before."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(assessment: Assessment, unit_editor: Any) -> Assessment:
    """Every leaf self-scored: bonus 2.2.1 counts 1,50 (3 initiatives), penalty 2.3.1 deducts 1,00 (1 person)."""
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    return assessment


def _cell(ws: Any, code: str, key: str) -> Any:
    return ws.cell(row=_row_of(ws, code), column=_col(key)).value


def test_bonus_and_penalty_leaves_are_marked_and_a_penalty_reads_as_deducted(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    ws = _download(client, scored).active

    assert _cell(ws, "2.2.1", "name") == "[Điểm cộng] Sáng kiến được công nhận"
    assert _cell(ws, "2.3.1", "name") == "[Điểm trừ] Công chức bị kỷ luật"
    assert _cell(ws, "1.2.1", "name") == "Báo cáo đúng hạn"  # a normal leaf as it is named
    # the penalty: maximum and current points negative, as the report's workbook writes them
    assert (_cell(ws, "2.3.1", "max"), _cell(ws, "2.3.1", "score")) == (-2, -1)
    # the bonus and the normal leaves as before
    assert (_cell(ws, "2.2.1", "max"), _cell(ws, "2.2.1", "score")) == (2, 1.5)
    assert _cell(ws, "1.2.1", "score") == 1
    # what each does to the index is said where the row says how to fill it; the penalty's input keeps its meaning
    assert "Điểm cộng: không tính vào điểm lĩnh vực, cộng vào chỉ số." in _cell(ws, "2.2.1", "how")
    assert "Điểm trừ: không tính vào điểm lĩnh vực, trừ vào chỉ số" in _cell(ws, "2.3.1", "how")
    assert "Điểm trừ" not in _cell(ws, "1.2.1", "how")
    assert _cell(ws, "2.3.1", "count1") == 1  # the number of people, not a negative number


def test_the_marked_sheet_imports_back_unchanged_and_a_penalty_count_typed_as_before_applies(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, scored)

    # as downloaded: nothing to change, nothing refused
    response = _upload(client, scored, _as_upload(workbook))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(row.code, row.errors) for row in preview.rows if row.changes or row.errors] == []

    # a second person disciplined, typed as the count it is: the penalty deducts 2,00, stored as the engine stores it
    ws = workbook.active
    ws.cell(row=_row_of(ws, "2.3.1"), column=_col("count1")).value = 2
    response = _upload(client, scored, _as_upload(workbook))
    preview = response.context["preview"]
    assert [(row.code, row.errors) for row in preview.rows if row.changes or row.errors] == [("2.3.1", [])]
    applied = client.post(reverse("scoring:sheet_apply", args=[scored.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    line = scored.lines.get(indicator__code="2.3.1")
    assert line.self_value == {"counts": {"disciplined": 2}} and line.self_score == Decimal("2.00")
    assert scored.lines.get(indicator__code="2.2.1").self_score == Decimal("1.50")  # the bonus untouched

    # the new download shows the new deduction
    assert _cell(_download(client, scored).active, "2.3.1", "score") == -2


def _preview_scores(body: str, code: str) -> tuple[str, str]:
    """The «Điểm cũ» and «Điểm mới» cells of the preview's row for a leaf."""
    row = next(r for r in body.split("<tr") if f">{code}</td>" in r)
    cells = re.findall(r'<td class="num" data-label="[^"]*">([^<]*)</td>', row)
    return cells[1], cells[2]  # after the row number


def test_the_preview_shows_a_penaltys_old_and_new_points_as_deducted(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    # given: the file disciplines a second person (the penalty goes from 1,00 to 2,00 deducted), and the bonus
    # gains an initiative
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "2.3.1"), column=_col("count1")).value = 2
    ws.cell(row=_row_of(ws, "2.2.1"), column=_col("count1")).value = 4

    # when
    response = _upload(client, scored, _as_upload(workbook))

    # then: the penalty reads as the sheet page, the report and the workbook write it, with the minus sign
    body = response.content.decode()
    assert _preview_scores(body, "2.3.1") == ("\u22121,00", "\u22122,00")
    assert _preview_scores(body, "2.2.1") == ("1,50", "2,00")  # a bonus keeps its plain points


def _total_cells(body: str, key: str) -> list[str]:
    row = body.split(f'data-total="{key}"')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row)]


def test_the_previews_totals_write_the_bonus_and_the_penalty_with_their_signs_as_the_sheet(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    # given: the file disciplines a second person and adds an initiative
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "2.3.1"), column=_col("count1")).value = 2
    ws.cell(row=_row_of(ws, "2.2.1"), column=_col("count1")).value = 4

    # when
    body = _upload(client, scored, _as_upload(workbook)).content.decode()

    # then: «Điểm cộng +1,50 → +2,00», «Điểm trừ −1,00 → −2,00», as the sheet's summary writes them
    assert _total_cells(body, "bonus") == ["+1,50", "+2,00"]
    assert _total_cells(body, "penalty") == ["\u22121,00", "\u22122,00"]
    assert _total_cells(body, "normal_total")[0][0].isdigit()  # the areas' points stay plain
