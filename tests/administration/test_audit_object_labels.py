"""An audit entry keeps what its object was known by when it was recorded (`object_label`, `object_code`): a
criterion replaced by a tree import still reads «Tiêu chí 1.1.2 … (test-set)», not «Tiêu chí #314»; an appraisal
assignment reads «<appraiser> — <cycle>, lĩnh vực …» with its fields named in Vietnamese; the «Mã đối tượng»
filter finds entries by their object's code (a criterion's «1.1.2») as well as by id."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from appraisal.assignments import appraisal_assignment_delete, appraisal_assignment_save
from appraisal.models import AppraisalAssignment
from scoring.administration.audit_labels import labelled
from scoring.models import AuditEntry, Cycle, Indicator, IndicatorSet, UnitKind
from scoring.services import audit_record
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db


def _table(client: Client, **query: str) -> str:
    page = client.get(reverse("administration:audit_list"), query).content.decode()
    return page.split("<table", 1)[1]


def test_a_criterion_gone_with_its_tree_is_still_named_by_its_code_name_and_set(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    # given an edit of criterion 1.1.2 of a draft set, recorded while the criterion existed
    indicator = Indicator.objects.get(indicator_set=small_set, code="1.1.2")
    entry = audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=indicator.pk,
                         changes={"guidance": {"old": "", "new": "Xem hướng dẫn"}})
    assert entry.object_label == "1.1.2 Mức độ thực hiện kế hoạch (test-set)"
    assert entry.object_code == "1.1.2"
    # when an import replaces the tree (the criterion and its id are gone)
    small_set.indicators.all().delete()
    client.force_login(admin_user)
    table = _table(client, object_type="Indicator")
    # then the entry still names it as it was
    assert "Tiêu chí 1.1.2 Mức độ thực hiện kế hoạch (test-set)</span>" in table
    assert f"Tiêu chí #{indicator.pk}<" not in table


def test_the_object_filter_finds_entries_by_the_objects_code_as_well_as_by_id(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    gone = Indicator.objects.get(indicator_set=small_set, code="1.1.2")
    kept = Indicator.objects.get(indicator_set=small_set, code="1.1.1")
    audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=gone.pk,
                 changes={"guidance": {"old": "", "new": "Sửa 1.1.2"}})
    # an entry recorded before entries kept their object's label: found by its object's code while it exists
    AuditEntry(action="indicator.update", object_type="Indicator", object_id=str(kept.pk),
               changes={"guidance": {"old": "", "new": "Sửa 1.1.1"}}).save()
    audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet", object_id=small_set.pk,
                 changes={"decision_ref": {"old": "", "new": "12/QĐ-UBND"}})
    Indicator.objects.filter(pk=gone.pk).delete()
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "tiêu chí «1.1.2», mã bộ chỉ số, mã đơn vị, tên đăng nhập" in page  # the filter says what it takes
    by_code = _table(client, object_id="1.1.2")
    assert "Sửa 1.1.2" in by_code and "Sửa 1.1.1" not in by_code and "12/QĐ-UBND" not in by_code
    assert "Sửa 1.1.1" in _table(client, object_id="1.1.1", object_type="Indicator")
    assert "Sửa 1.1.1" not in _table(client, object_id="1.1.1", object_type="IndicatorSet")
    # a set by its key; and by id, as before
    assert "12/QĐ-UBND" in _table(client, object_id="test-set", object_type="IndicatorSet")
    by_id = _table(client, object_id=str(gone.pk), object_type="Indicator")
    assert "Sửa 1.1.2" in by_id and "Sửa 1.1.1" not in by_id


@pytest.fixture
def two_sets(small_set: IndicatorSet) -> Cycle:
    from scoring.services import cycle_create, indicator_set_import

    districts = indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district",
                                                         name="Bộ chỉ số cấp huyện"), actor=None)
    return cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None, sets={
        UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): districts})


def test_an_assignment_is_named_by_its_appraiser_cycle_and_areas_and_its_fields_in_vietnamese(
    client: Client, admin_user: Any, appraiser: Any, two_sets: Cycle
) -> None:
    get_user_model().objects.filter(pk=appraiser.pk).update(first_name="Võ Quốc", last_name="Bảo")
    nodes = list(Indicator.objects.filter(indicator_set__cycle_sets__cycle=two_sets, code__in=["1", "2"])
                 .filter(indicator_set__key="test-set").values_list("pk", flat=True))
    nodes += list(Indicator.objects.filter(indicator_set__key="test-set-huyen", code="1").values_list("pk", flat=True))
    assignment = appraisal_assignment_save(cycle=two_sets, user=appraiser, is_lead=False, node_ids=nodes,
                                           unit_ids=[], actor=admin_user)
    entry = AuditEntry.objects.get(action="appraisal_assignment.save")
    assert entry.object_label == "Võ Quốc Bảo — Chỉ số CCHC năm 2021, lĩnh vực 1, 2 (test-set); 1 (test-set-huyen)"
    client.force_login(admin_user)
    table = _table(client, action="phân công")
    expected = "Phân công thẩm định Võ Quốc Bảo — Chỉ số CCHC năm 2021, lĩnh vực 1, 2 (test-set); 1 (test-set-huyen)"
    assert f"{expected}</span>" in table
    assert "is_lead" not in table.replace('title="is_lead"', "")
    assert "Tổ trưởng</span>: — → Không" in table
    # an area by its code and name, the same area of two sets once, saying so
    assert "Công tác chỉ đạo, điều hành CCHC" in table
    assert "→ 1, 1" not in table
    # when the assignment is removed, its entries keep its name
    appraisal_assignment_delete(assignment=AppraisalAssignment.objects.get(pk=assignment.pk), actor=admin_user)
    table = _table(client, action="phân công")
    assert f"{expected}</span>" in table
    assert f"Phân công thẩm định #{assignment.pk}<" not in table
    with translation.override("en"):
        shown = labelled(AuditEntry.objects.filter(object_type="AppraisalAssignment"))
    assert all("Võ Quốc Bảo — Chỉ số CCHC năm 2021" in entry.object_shown for entry in shown)
    assert all(f"#{assignment.pk}" not in entry.object_shown for entry in shown)


def test_an_assignments_units_read_by_name_and_its_appraiser_by_name(
    client: Client, admin_user: Any, appraiser: Any, two_sets: Cycle
) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    unit = Unit.objects.get(code="so-y-te")
    assessments_open(cycle=two_sets, units=[unit], actor=None)
    area = Indicator.objects.filter(indicator_set__key="test-set", code="1").values_list("pk", flat=True)
    appraisal_assignment_save(cycle=two_sets, user=appraiser, is_lead=True, node_ids=list(area),
                              unit_ids=[unit.pk], actor=admin_user)
    client.force_login(admin_user)
    table = _table(client, action="phân công")
    assert f"Đơn vị được phân công</span>: — → {unit.name} (so-y-te)" in table
    assert "Số đơn vị" not in table


def test_every_type_of_object_the_page_names_is_labelled_when_recorded(
    admin_user: Any, small_set: IndicatorSet
) -> None:
    from scoring.models import Unit

    unit = Unit.objects.get(code="so-y-te")
    entry = audit_record(actor=admin_user, action="unit.update", object_type="Unit", object_id=unit.pk,
                         changes={"name": {"old": "x", "new": unit.name}})
    assert (entry.object_label, entry.object_code) == (f"{unit.name} (so-y-te)", "so-y-te")
    entry = audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet",
                         object_id=small_set.pk, changes={"name": {"old": "x", "new": small_set.name}})
    assert (entry.object_label, entry.object_code) == (f"{small_set.name} (test-set)", "test-set")
    # an object deleted before its entry is written is named by the code the entry records
    entry = audit_record(actor=admin_user, action="indicator.delete", object_type="Indicator", object_id=987654,
                         changes={"code": {"old": "9.9", "new": None}})
    assert (entry.object_label, entry.object_code) == ("9.9", "9.9")
