"""An uploaded tree file that reorders criteria (or puts one under another parent) is not «unchanged»: the preview
lists the moves, the criterion by the place it leaves and the place it takes, and applying the file applies them
(and the audit entry names them). Only the criteria moved are listed, not every one whose number shifts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services.tree_excel import tree_diff
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    return bytes(client.get(reverse("administration:set_export", args=[indicator_set.pk])).content)


def _rearranged(content: bytes, order: list[str], parents: dict[str, str] | None = None) -> bytes:
    """The file with its data rows in the order of `order` (codes; those left out are dropped), `parents` changing
    the parent code of some."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = {r[0]: list(r) for r in ws.iter_rows(min_row=2, values_only=True)}
    for code, parent in (parents or {}).items():
        rows[code][headers.index("Mã tiêu chí cha")] = parent
    ws.delete_rows(2, ws.max_row)
    for code in order:
        ws.append(rows[code])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _codes(indicator_set: IndicatorSet) -> list[str]:
    return list(indicator_set.indicators.order_by("order").values_list("code", flat=True))


def _preview(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    response = client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def test_a_file_that_swaps_two_criteria_previews_the_move_and_applying_it_moves_them(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: the draft's own file with 1.2.2's row above 1.2.1's
    client.force_login(admin_user)
    before = _codes(draft)
    order = [c for c in before if c != "1.2.2"]
    order.insert(order.index("1.2.1"), "1.2.2")
    # when
    response = _preview(client, draft, _rearranged(_exported(client, draft), order))
    # then: one move listed, nothing else, and the page does not call the file unchanged
    changes = response.context["outcome"].changes
    assert changes.any
    assert [(m.code, m.old, m.new) for m in changes.moved] == [("1.2.2", "thứ 2 trong «1.2»", "thứ 1 trong «1.2»")]
    assert not changes.added and not changes.removed and not changes.modified
    assert changes.unchanged == len(before) - 1
    page = response.content.decode()
    assert "Tệp không thay đổi tiêu chí nào" not in page
    assert "Tiêu chí đổi vị trí" in page and "thứ 1 trong «1.2»" in page and "đổi vị trí 1" in page
    assert _codes(draft) == before  # a preview writes nothing
    # when applied
    applied = client.post(reverse("administration:set_import_apply", args=[draft.pk]),
                          {"token": response.context["token"]})
    # then: the tree is in the file's order, and the audit entry names the move
    assert applied.status_code == 302
    assert _codes(draft) == order
    entry = AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(draft.pk)).latest("pk")
    assert entry.changes["indicators_moved"] == {"codes": [{
        "code": "1.2.2", "fields": ["order"],
        "changes": {"parent": {"old": "1.2", "new": "1.2"}, "order": {"old": 2, "new": 1}},
    }], "more": 0}
    assert entry.changes["indicators_modified"] == {"codes": [], "more": 0}


def test_a_criterion_put_under_another_parent_is_listed_as_moved_and_applied(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 1.2.3's row moved under 1.1 (after 1.1.2), its parent code changed
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if c != "1.2.3"]
    order.insert(order.index("1.1.2") + 1, "1.2.3")
    content = _rearranged(_exported(client, draft), order, parents={"1.2.3": "1.1"})
    # when
    response = _preview(client, draft, content)
    # then: a move from the third place in 1.2 to the third in 1.1, not also a changed «parent» field
    changes = response.context["outcome"].changes
    assert [(m.code, m.old, m.new) for m in changes.moved] == [("1.2.3", "thứ 3 trong «1.2»", "thứ 3 trong «1.1»")]
    assert changes.modified == []
    applied = client.post(reverse("administration:set_import_apply", args=[draft.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302
    moved = draft.indicators.get(code="1.2.3")
    assert moved.parent is not None and moved.parent.code == "1.1"
    assert _codes(draft) == order


def test_an_area_moved_with_its_criteria_is_the_only_move_listed(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    codes = _codes(draft)
    order = [c for c in codes if c.startswith("2")] + [c for c in codes if c.startswith("1")]
    changes = _preview(client, draft, _rearranged(_exported(client, draft), order)).context["outcome"].changes
    assert [(m.code, m.old, m.new) for m in changes.moved] == [("2", "lĩnh vực thứ 2", "lĩnh vực thứ 1")]


def test_criteria_whose_number_shifts_because_one_before_them_is_removed_are_not_listed_as_moved(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if c != "1.2.1"]
    changes = _preview(client, draft, _rearranged(_exported(client, draft), order)).context["outcome"].changes
    assert [c.code for c in changes.removed] == ["1.2.1"]
    assert changes.moved == []


def test_the_moves_of_a_long_reordered_list_are_the_fewest_that_explain_it() -> None:
    old = {str(n): {"parent": None, "name": str(n)} for n in range(1, 2001)}
    # the last criterion put first, and 1000 put last: two moves, not 2000
    codes = ["2000", *[str(n) for n in range(1, 2000) if n != 1000], "1000"]
    new = {code: old[code] for code in codes}
    diff = tree_diff(old, new)
    assert sorted(m.code for m in diff.moved) == ["1000", "2000"]
    assert diff.unchanged == 1998


def test_an_unchanged_file_lists_no_move(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    # guards the unchanged file (passes before and after, the page's sentence included)
    client.force_login(admin_user)
    response = _preview(client, draft, _exported(client, draft))
    changes = response.context["outcome"].changes
    assert not changes.any and changes.unchanged == draft.indicators.count()
    assert "Tệp không thay đổi tiêu chí nào" in response.content.decode()
