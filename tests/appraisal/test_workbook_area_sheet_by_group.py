"""The preliminary table's «Theo lĩnh vực» sheet has a block per ranking group, with its heading, its set's areas
and their maxima, its units by provisional rank: departments and districts (two sets, other area names and
maxima) are no longer mixed in one table with their per-group ranks side by side."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.publication.conftest import NO_REPORT, ON_TIME, sign_off_unit

pytestmark = pytest.mark.django_db
DISTRICT_AREA = "Chỉ đạo, điều hành CCHC cấp huyện"


@pytest.fixture
def two_sets(small_set: Any) -> Any:
    """2020 with departments (the small set: area 1 of 6 points) and districts (area 1 named otherwise, of 7
    points: 1.1.1 of 2; 11 in all), two of each signed off."""
    from scoring.models import UnitKind
    from scoring.services import cycle_create, indicator_set_import
    from tests.conftest import small_set_data

    data = small_set_data(key="test-set-huyen", unit_kind="district", name="Bộ chỉ số cấp huyện")
    area = data["indicators"][0]
    area["name"], area["max_points"] = DISTRICT_AREA, "7"
    area["children"][0]["max_points"] = "4"
    leaf = area["children"][0]["children"][0]
    leaf["max_points"], leaf["params"]["options"][0]["points"] = "2", "2"
    data["standard_max"] = "11"
    district_set = indicator_set_import(data=data, actor=None)
    sets = {UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): district_set}
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets=sets, actor=None)
    for code, overrides in (("so-y-te", {}), ("so-tu-phap", ON_TIME), ("h-cai-be", NO_REPORT), ("h-cho-gao", {})):
        sign_off_unit(cycle, code, overrides)
    return cycle


def _blocks(ws: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The sheet's rows after its title lines, by block: {heading: [header, maxima, units…]}."""
    blocks: dict[str, list[tuple[Any, ...]]] = {}
    current: list[tuple[Any, ...]] | None = None
    rows = list(ws.iter_rows(values_only=True))[3:]
    for i, row in enumerate(rows):
        values = [v for v in row if v not in (None, "")]
        if not values:
            continue
        if len(values) == 1 and i + 1 < len(rows) and rows[i + 1][0] == "Mã đơn vị":
            current = blocks.setdefault(str(values[0]), [])
        elif current is not None:
            current.append(row)
    return blocks


def test_the_area_sheet_has_a_block_per_group_with_its_sets_areas_and_maxima_by_rank(
    client: Client, two_sets: Any, admin_user: Any,
) -> None:
    from scoring.models import IndexResult, RankingGroup

    client.force_login(admin_user)
    response = client.get(reverse("appraisal:cycle_workbook", args=[two_sets.pk]))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                  else response.content))["Theo lĩnh vực"]
    blocks = _blocks(ws)
    groups = {g.code: g.name for g in RankingGroup.objects.filter(units__code__in=["so-y-te", "h-cai-be"])}
    assert len(groups) == 2 and list(blocks) == [n for n in RankingGroup.objects.order_by("order").values_list(
        "name", flat=True) if n in groups.values()]
    ranks = {code: rank for code, rank in IndexResult.objects.values_list("assessment__unit__code", "rank")}
    for name, rows in blocks.items():
        header, maxima, *units = rows
        codes = [r[0] for r in units]
        departments = name == RankingGroup.objects.get(units__code="so-y-te").name
        assert set(codes) == ({"so-y-te", "so-tu-phap"} if departments else {"h-cai-be", "h-cho-gao"})
        # by provisional rank within the group: one «1» per block
        shown = [r[-1] for r in units]
        assert shown == [ranks[c] for c in codes] == sorted(shown) and shown.count(1) == 1
        first = header.index("1. " + ("Công tác chỉ đạo, điều hành CCHC" if departments else DISTRICT_AREA))
        assert header[first + 1] == "2. Hiện đại hóa hành chính"
        assert maxima[1] == "Điểm tối đa"
        assert (Decimal(str(maxima[first])), Decimal(str(maxima[first + 1]))) == (
            (Decimal(6), Decimal(4)) if departments else (Decimal(7), Decimal(4)))


def test_every_sheet_of_the_preliminary_table_keeps_its_units_in_view_and_prints_on_the_page_s_width(
    client: Client, two_sets: Any, admin_user: Any,
) -> None:
    """An appraiser scrolling 40 units keeps the header and the unit's name in view; a printed sheet repeats its
    header on each page, landscape, fitted to the width (as the unit's workbook does)."""
    client.force_login(admin_user)
    response = client.get(reverse("appraisal:cycle_workbook", args=[two_sets.pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    assert len(book.worksheets) == 3
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        if ws.title == "Theo lĩnh vực":
            assert ws.freeze_panes == "C1"
        else:
            assert ws.freeze_panes == "D7"
            assert ws.print_title_rows == "$6:$6"
            assert ws.cell(row=6, column=3).value == "Đơn vị"
