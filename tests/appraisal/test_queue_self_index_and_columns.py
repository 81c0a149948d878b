"""The queue says each unit's self-assessed index (the engine's index of its self-scores, as its own sheet says it),
the moment it was submitted and its open explanation round's deadline (highlighted once passed); it sorts by the
self-assessed index, and «Tên đơn vị (A–Z)» is one list by name across the ranking groups (the grouped order stays
the default), with the same number of queries whatever the number of units."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.selectors.queue import queue_for_user, queue_next
from scoring.models import Assessment, Unit
from scoring.selectors import assessment_totals
from scoring.services import assessments_open
from scoring.templatetags.scoring_tags import dmy
from tests.appraisal.conftest import line_of, self_score, submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db
QUEUE = reverse("appraisal:queue")

# Sở Tài chính one point above Sở Y tế (6.58), Cục Thuế tỉnh one point below
HIGHER = {**SMALL_SET_VALUES, "1.1.1": ({"option": "on_time"}, Decimal("1"))}
LOWER = {**SMALL_SET_VALUES, "1.2.1": ({"value": False}, Decimal("0"))}


def _opened(cycle: Any, code: str, editor: Any, head: Any, values: dict[str, Any]) -> Assessment:
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
    self_score(assessment, editor, values)
    return submit(assessment, head)


@pytest.fixture
def three(submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Cục Thuế tỉnh (Cơ quan ngành dọc, 5.58), Sở Tài chính (7.58), Sở Y tế (6.58, Sở, ban, ngành tỉnh): by name
    across the groups; submitted in the order Sở Y tế, Cục Thuế tỉnh, Sở Tài chính."""
    tai_chinh = _opened(cycle, "so-tai-chinh", unit_editor, unit_head, HIGHER)
    cuc_thue = _opened(cycle, "cuc-thue", unit_editor, unit_head, LOWER)
    now = timezone.now()
    for assessment, hours in ((submitted, 30), (cuc_thue, 20), (tai_chinh, 10)):
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=now - timedelta(hours=hours))
    return [cuc_thue, tai_chinh, submitted]


def _names(user: Any, cycle: Any, **kwargs: Any) -> list[str]:
    return [r.assessment.unit.name for r in queue_for_user(user=user, cycle=cycle, **kwargs).rows]


def _row(body: str, name: str) -> str:
    return next(r for r in body.split("<tr") if name in r)


def test_each_row_has_the_unit_s_self_assessed_index_as_its_sheet_computes_it(
    three: list[Assessment], lead: Any, cycle: Any
) -> None:
    rows = {r.assessment.unit.code: r for r in queue_for_user(user=lead, cycle=cycle).rows}
    assert rows["so-y-te"].self_index == Decimal("6.58")
    assert rows["so-tai-chinh"].self_index == Decimal("7.58")
    assert rows["cuc-thue"].self_index == Decimal("5.58")
    for assessment in three:  # the engine's index of the self-scores, as the unit's own sheet says it
        sheet = assessment_totals(assessment=Assessment.objects.select_related("indicator_set").get(pk=assessment.pk))
        assert rows[assessment.unit.code].self_index == sheet.computation.index


def test_the_page_shows_the_self_index_the_submission_and_the_explanation_deadline(
    client: Client, three: list[Assessment], lead: Any
) -> None:
    from appraisal.services import explanation_request
    from tests.appraisal.conftest import later

    _cuc_thue, tai_chinh, y_te = three
    deadline = later()
    explanation_request(assessment=y_te, actor=lead, deadline=deadline, line_ids=[line_of(y_te, "2.1.1").pk])
    client.force_login(lead)
    body = client.get(QUEUE).content.decode()
    for header in ("Chỉ số tự đánh giá", "Gửi lúc", "Hạn giải trình"):
        assert re.search(rf"<th[^>]*>(<a [^>]*>)?{header}", body), header
    row = _row(body, "Sở Tài chính")
    assert re.search(r'<td class="num"[^>]*data-self-index[^>]*>7,58</td>', row)
    submitted_at = Assessment.objects.get(pk=tai_chinh.pk).submitted_at
    assert f"<td data-submitted-at>{dmy(submitted_at)}</td>" in unescape(row)
    # a unit in no explanation round has no deadline
    assert re.search(r"<td data-explanation-deadline>—</td>", row)
    # the unit in a round: its deadline, in a column of its own, not passed
    row = _row(body, "Sở Y tế")
    assert "6,58" in row and "overdue" not in row and "data-deadline-passed" not in row
    assert re.search(rf"<td data-explanation-deadline>\s*{re.escape(dmy(deadline))}", unescape(row))
    # once passed: highlighted in that column (and the row)
    Assessment.objects.filter(pk=y_te.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    row = _row(client.get(QUEUE).content.decode(), "Sở Y tế")
    assert 'class="overdue"' in row
    cell = re.search(r"<td data-explanation-deadline[^>]*>(.*?)</td>", row, re.S)
    assert cell is not None and "data-deadline-passed" in cell.group(1) and "quá hạn giải trình" in cell.group(1)


def test_the_queue_sorts_by_the_self_assessed_index(three: list[Assessment], lead: Any, appraiser: Any,
                                                    cycle: Any) -> None:
    assert _names(lead, cycle, sort="tu-danh-gia-cao") == ["Sở Tài chính", "Sở Y tế", "Cục Thuế tỉnh"]
    assert _names(lead, cycle, sort="tu-danh-gia-thap") == ["Cục Thuế tỉnh", "Sở Y tế", "Sở Tài chính"]
    # whatever the areas the user appraises: the unit's whole index
    assert _names(appraiser, cycle, sort="tu-danh-gia-cao") == ["Sở Tài chính", "Sở Y tế", "Cục Thuế tỉnh"]


def test_the_self_index_order_goes_on_across_the_pages_and_the_filters_still_apply(
    three: list[Assessment], lead: Any, cycle: Any
) -> None:
    first = queue_for_user(user=lead, cycle=cycle, sort="tu-danh-gia-thap", per_page=2, page=1)
    assert [r.assessment.unit.name for r in first.rows] == ["Cục Thuế tỉnh", "Sở Y tế"]
    assert first.page is not None and first.page.paginator.count == 3 and first.page.has_next()
    second = queue_for_user(user=lead, cycle=cycle, sort="tu-danh-gia-thap", per_page=2, page=2)
    assert [r.assessment.unit.name for r in second.rows] == ["Sở Tài chính"]
    assert [r.self_index for r in second.rows] == [Decimal("7.58")]
    assert second.page is not None and not second.page.has_next()
    # a filter still chooses the rows: the departments' group only
    group = three[1].unit.ranking_group
    assert _names(lead, cycle, sort="tu-danh-gia-thap", group=group.code) == ["Sở Y tế", "Sở Tài chính"]


def test_a_to_z_is_one_list_by_name_across_the_groups_and_the_grouped_order_stays_the_default(
    client: Client, three: list[Assessment], lead: Any, cycle: Any
) -> None:
    cuc_thue, _tai_chinh, y_te = three
    assert cuc_thue.unit.ranking_group.order > y_te.unit.ranking_group.order  # two groups
    grouped = ["Sở Tài chính", "Sở Y tế", "Cục Thuế tỉnh"]
    assert _names(lead, cycle) == grouped
    assert _names(lead, cycle, sort="khoi") == grouped
    assert _names(lead, cycle, sort="ten") == ["Cục Thuế tỉnh", "Sở Tài chính", "Sở Y tế"]
    client.force_login(lead)
    body = client.get(QUEUE).content.decode()
    # the default is selected as it first loads, and «Tên đơn vị (A–Z)» is offered apart from it
    assert re.search(r'<option value="khoi"[^>]* selected', body)
    assert re.search(r'<option value="ten">Tên đơn vị \(A–Z\)</option>', body)
    body = client.get(QUEUE, {"sap-xep": "ten"}).content.decode()
    assert re.search(r'<option value="ten"[^>]* selected', body)
    names = re.findall(r'<a href="/tham-dinh/\d+/[^"]*">([^<]+)</a>', body)
    assert names == ["Cục Thuế tỉnh", "Sở Tài chính", "Sở Y tế"]
    # each row names its group
    assert "Cơ quan ngành dọc" in _row(body, "Cục Thuế tỉnh")


def test_the_next_unit_follows_the_a_to_z_and_the_self_index_orders(
    three: list[Assessment], lead: Any, cycle: Any
) -> None:
    cuc_thue, tai_chinh, y_te = three

    def following(assessment: Assessment, sort: str, **filters: Any) -> Any:
        found = queue_next(user=lead, assessment=Assessment.objects.select_related("unit__ranking_group")
                           .get(pk=assessment.pk), cycle=cycle, group=filters.get("group"),
                           state=filters.get("state", ""), area_code="", page=1, per_page=50,
                           new_explanations=False, sort=sort)
        return found[0].unit.name if found else None

    assert following(cuc_thue, "ten") == "Sở Tài chính"
    assert following(y_te, "ten") is None
    assert following(y_te, "khoi") == "Cục Thuế tỉnh"
    assert following(tai_chinh, "tu-danh-gia-cao") == "Sở Y tế"
    assert following(y_te, "tu-danh-gia-cao") == "Cục Thuế tỉnh"
    # a unit the filtered queue no longer holds is placed by its own self index
    Assessment.objects.filter(pk=y_te.pk).update(state=Assessment.State.IN_APPRAISAL)
    assert following(y_te, "tu-danh-gia-thap", state="submitted") == "Sở Tài chính"


def test_the_queue_costs_the_same_queries_for_one_unit_or_many_in_every_order(
    client: Client, submitted: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any,
    django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lead)
    orders = ("", "ten", "tu-danh-gia-cao", "tu-danh-gia-thap")
    counts = {}
    for order in orders:
        with CaptureQueriesContext(connection) as one:
            client.get(QUEUE, {"sap-xep": order})
        counts[order] = len(one.captured_queries)
    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue"):
        _opened(cycle, code, unit_editor, unit_head, SMALL_SET_VALUES)
    for order in orders:
        with django_assert_num_queries(counts[order]):
            body = client.get(QUEUE, {"sap-xep": order}).content.decode()
        assert "Cục Thuế tỉnh" in body and body.count("data-self-index") == 4
