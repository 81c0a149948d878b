"""A tree file that renumbers criteria (1.2 deleted, 1.3 and its sub-criteria given 1.2's codes) is read as that:
the preview shows «đổi mã 1.3 → 1.2», not 1.2 changed into another criterion, 1.3 deleted and 1.2.3 added; and
applying it to a set cloned from another records the mappings, as the on-screen editor does, so the comparison with
the older set pairs each criterion with itself. A criterion is recognised by its name (at its depth, a group with a
group, a leaf with a leaf), never by a code that the file gives to another criterion."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import selectors, services
from scoring.administration.audit_labels import change_rows
from scoring.administration.services.tree_excel import tree_diff
from scoring.models import AuditEntry, IndicatorMapping, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

CODE, PARENT, NAME, MAX = "Mã tiêu chí", "Mã tiêu chí cha", "Nội dung", "Điểm tối đa"


@pytest.fixture
def tg_2020(catalogue: Any) -> IndicatorSet:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


@pytest.fixture
def tg_2021(tg_2020: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=tg_2020, key="tg-2021-so", year=2021, actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    return bytes(client.get(reverse("administration:set_export", args=[indicator_set.pk])).content)


def _edited(content: bytes, *, drop: tuple[str, ...] = (), recode: dict[str, str] | None = None,
            values: dict[str, dict[str, Any]] | None = None) -> bytes:
    """The exported file with the rows of `drop` deleted, codes (and the parent codes naming them) changed as
    `recode` says, and some cells of a row (by its code in the file as exported) set as `values` says."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    kept = []
    for row in rows:
        code = row[headers.index(CODE)]
        if code in drop:
            continue
        for column, value in (values or {}).get(code, {}).items():
            row[headers.index(column)] = value
        for column in (CODE, PARENT):
            row[headers.index(column)] = (recode or {}).get(row[headers.index(column)], row[headers.index(column)])
        kept.append(row)
    ws.delete_rows(2, ws.max_row)
    for row in kept:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _renumbered_file(client: Client, indicator_set: IndicatorSet) -> bytes:
    """An official's file: group 1.2 and its rows deleted, 1.3 / 1.3.x renumbered 1.2 / 1.2.x (codes and parent
    codes), the area's maximum brought down by 1.2's 2 points."""
    return _edited(
        _exported(client, indicator_set),
        drop=("1.2", "1.2.1", "1.2.2"),
        recode={"1.3": "1.2", "1.3.1": "1.2.1", "1.3.2": "1.2.2", "1.3.3": "1.2.3"},
        values={"1": {MAX: 12}},
    )


def _preview(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    response = client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def _apply(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    response = _preview(client, indicator_set, content)
    applied = client.post(reverse("administration:set_import_apply", args=[indicator_set.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302, applied.content.decode()[:3000]
    return applied


RENUMBERED = [("1.3", "1.2"), ("1.3.1", "1.2.1"), ("1.3.2", "1.2.2"), ("1.3.3", "1.2.3")]


def test_the_preview_shows_renumbered_criteria_as_code_changes_not_a_change_a_deletion_and_an_addition(
    client: Client, admin_user: Any, tg_2021: IndicatorSet
) -> None:
    # given
    client.force_login(admin_user)
    # when
    response = _preview(client, tg_2021, _renumbered_file(client, tg_2021))
    # then
    changes = response.context["outcome"].changes
    assert [(c.old_code, c.code) for c in changes.renumbered] == RENUMBERED
    assert [c.code for c in changes.removed] == ["1.2", "1.2.1", "1.2.2"]
    assert changes.added == []
    assert [(c.code, [f.name for f in c.fields]) for c in changes.modified] == [("1", ["max_points"])]
    assert changes.moved == []
    page = response.content.decode()
    assert "đổi mã 1.3 → 1.2" in page and "đổi mã 1.3.3 → 1.2.3" in page
    assert "Kiểm tra công tác cải cách hành chính" in page
    assert "đổi mã 4" in page


def test_applying_the_file_to_a_clone_records_the_mappings_so_the_comparison_pairs_each_criterion_with_itself(
    client: Client, admin_user: Any, tg_2020: IndicatorSet, tg_2021: IndicatorSet
) -> None:
    # given
    client.force_login(admin_user)
    # when
    _apply(client, tg_2021, _renumbered_file(client, tg_2021))
    # then: the mappings are those the editor records for a code change, each audited
    assert sorted(IndicatorMapping.objects.filter(from_set=tg_2020, to_set=tg_2021)
                  .values_list("from_code", "to_code")) == RENUMBERED
    assert AuditEntry.objects.filter(action="indicator_mapping.save", actor=admin_user).count() == 4
    # and the comparison with 2020: «1.2 Báo cáo CCHC» deleted, 1.3 and its sub-criteria renumbered
    response = client.get(reverse("administration:set_diff", args=[tg_2021.pk]) + f"?voi={tg_2020.pk}")
    diff = response.context["diff"]
    assert [r.old.code for r in diff.removed] == ["1.2", "1.2.1", "1.2.2"]
    assert [(r.old.code, r.new.code) for r in diff.renumbered] == RENUMBERED
    assert [(r.old.code, r.new.code) for r in diff.changed] == [("1", "1")]
    assert diff.added == []


def test_the_import_audit_entry_records_each_renumbered_criterion_as_a_code_change(
    client: Client, admin_user: Any, tg_2021: IndicatorSet
) -> None:
    client.force_login(admin_user)
    _apply(client, tg_2021, _renumbered_file(client, tg_2021))
    entry = AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(tg_2021.pk)).latest("pk")
    modified = {item["code"]: item for item in entry.changes["indicators_modified"]["codes"]}
    assert list(modified) == ["1", "1.2", "1.2.1", "1.2.2", "1.2.3"]
    assert modified["1.2"] == {"code": "1.2", "fields": ["code"], "changes": {"code": {"old": "1.3", "new": "1.2"}}}
    assert modified["1"]["fields"] == ["max_points"]
    assert entry.changes["indicators_removed"] == {"codes": ["1.2", "1.2.1", "1.2.2"], "more": 0}
    assert entry.changes["indicators_added"] == {"codes": [], "more": 0}
    # and the audit page reads it as the editor's code change
    shown = {name: new for name, _label, _old, new in change_rows(entry.changes, object_type="IndicatorSet")}
    assert "1.2 (Mã: 1.3 → 1.2)" in shown["indicators_modified"]
    assert "1.2.3 (Mã: 1.3.3 → 1.2.3)" in shown["indicators_modified"]


def test_a_code_reused_by_a_new_criterion_is_not_taken_for_the_criterion_that_had_it(
    client: Client, admin_user: Any, tg_2021: IndicatorSet
) -> None:
    # given: 1.2 deleted, 1.3 and 1.4 renumbered 1.2 and 1.3 with their sub-criteria; 1.4.3 renamed as it takes
    # the code 1.3.3 (which the old 1.3.3, renumbered 1.2.3, freed)
    client.force_login(admin_user)
    content = _edited(
        _exported(client, tg_2021),
        drop=("1.2", "1.2.1", "1.2.2"),
        recode={"1.3": "1.2", "1.3.1": "1.2.1", "1.3.2": "1.2.2", "1.3.3": "1.2.3", "1.4": "1.3",
                "1.4.1": "1.3.1", "1.4.2": "1.3.2", "1.4.3": "1.3.3"},
        values={"1.4.3": {NAME: "Tuyên truyền trên mạng xã hội"}},
    )
    # when
    changes = _preview(client, tg_2021, content).context["outcome"].changes
    # then: 1.4.3, renamed as it was renumbered, is not recognised (the old 1.4.3 deleted, the new 1.3.3 added),
    # and the old 1.3.3 is not taken for the new 1.3.3 that reuses its code
    assert [(c.old_code, c.code) for c in changes.renumbered] == [
        *RENUMBERED, ("1.4", "1.3"), ("1.4.1", "1.3.1"), ("1.4.2", "1.3.2")]
    assert [c.code for c in changes.removed] == ["1.2", "1.2.1", "1.2.2", "1.4.3"]
    assert [c.code for c in changes.added] == ["1.3.3"]


def test_a_criterion_renamed_under_its_own_code_is_a_change_not_a_renumbering(
    client: Client, admin_user: Any, tg_2021: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _edited(_exported(client, tg_2021), values={"1.2": {NAME: "Báo cáo công tác CCHC"}})
    changes = _preview(client, tg_2021, content).context["outcome"].changes
    assert changes.renumbered == []
    assert [(c.code, [f.name for f in c.fields]) for c in changes.modified] == [("1.2", ["name"])]


def test_two_criteria_whose_codes_are_swapped_are_each_renumbered(
    client: Client, admin_user: Any, tg_2020: IndicatorSet, tg_2021: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _edited(_exported(client, tg_2021), recode={"1.4.1": "1.4.3", "1.4.3": "1.4.1"})
    response = _preview(client, tg_2021, content)
    changes = response.context["outcome"].changes
    assert sorted((c.old_code, c.code) for c in changes.renumbered) == [("1.4.1", "1.4.3"), ("1.4.3", "1.4.1")]
    assert changes.removed == [] and changes.added == [] and changes.modified == []
    client.post(reverse("administration:set_import_apply", args=[tg_2021.pk]), {"token": response.context["token"]})
    diff = selectors.indicator_set_diff(old=tg_2020, new=tg_2021)
    assert sorted((r.old.code, r.new.code) for r in diff.renumbered) == [("1.4.1", "1.4.3"), ("1.4.3", "1.4.1")]
    assert diff.removed == [] and diff.added == []


def test_an_import_keeps_the_mappings_of_earlier_code_changes_and_drops_those_it_undoes(
    client: Client, admin_user: Any, tg_2020: IndicatorSet, tg_2021: IndicatorSet
) -> None:
    # given: 1.5.3 renumbered 1.5.9 in the editor (mapping 1.5.3 → 1.5.9)
    client.force_login(admin_user)
    node = tg_2021.indicators.get(code="1.5.3")
    services.indicator_update(indicator=node, data={**{f: getattr(node, f) for f in services.INDICATOR_FIELDS},
                                                    "code": "1.5.9"}, actor=admin_user)
    assert list(IndicatorMapping.objects.values_list("from_code", "to_code")) == [("1.5.3", "1.5.9")]
    # when: the set's own file is imported, then a file giving it back its code
    _apply(client, tg_2021, _exported(client, tg_2021))
    assert list(IndicatorMapping.objects.values_list("from_code", "to_code")) == [("1.5.3", "1.5.9")]
    _apply(client, tg_2021, _edited(_exported(client, tg_2021), recode={"1.5.9": "1.5.3"}))
    # then
    assert not IndicatorMapping.objects.exists()
    diff = selectors.indicator_set_diff(old=tg_2020, new=tg_2021)
    assert diff.renumbered == [] and diff.removed == [] and diff.added == []


def test_a_set_not_cloned_shows_the_renumbering_and_records_no_mapping(
    client: Client, admin_user: Any, tg_2020: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _renumbered_file(client, tg_2020)
    assert [(c.old_code, c.code) for c in _preview(client, tg_2020, content).context["outcome"].changes.renumbered] \
        == RENUMBERED
    _apply(client, tg_2020, content)
    assert not IndicatorMapping.objects.exists()


def test_criteria_of_one_name_are_told_apart_by_their_parent() -> None:
    # given: two groups, each with a leaf «Báo cáo»; group 2 renumbered 3 (and its leaf with it)
    old = {
        "1": {"parent": None, "name": "A"}, "1.1": {"parent": "1", "name": "Báo cáo"},
        "2": {"parent": None, "name": "B"}, "2.1": {"parent": "2", "name": "Báo cáo"},
    }
    new = {
        "1": {"parent": None, "name": "A"}, "1.1": {"parent": "1", "name": "Báo cáo"},
        "3": {"parent": None, "name": "B"}, "3.1": {"parent": "3", "name": "Báo cáo"},
    }
    # when
    diff = tree_diff(old, new)
    # then
    assert [(c.old_code, c.code) for c in diff.renumbered] == [("2", "3"), ("2.1", "3.1")]
    assert diff.added == [] and diff.removed == [] and diff.moved == []
