"""A new year's appraisal team starts from the previous year's: «Sao chép phân công từ kỳ <năm>» previews the copy
(members, lead flags, areas mapped to the new sets through the clone's links, by code for an older clone, what
cannot be carried over and why), then copies it, audited. A cycle that already has assignments is refused unless the
merge is confirmed (theirs kept); a preview that no longer matches is refused; only administrators see or do any of
it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save, appraisal_assignments_copy_plan
from appraisal.models import AppraisalAssignment
from scoring.administration import services as admin_services
from scoring.models import AuditEntry, Cycle, Indicator, IndicatorSet, Unit, UnitKind
from scoring.services import assessments_open, cycle_create
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _nodes(cycle: Cycle, *codes: str) -> list[int]:
    return list(Indicator.objects.filter(indicator_set__cycle_sets__cycle=cycle, code__in=codes)
                .values_list("pk", flat=True).distinct())


def _units(*codes: str) -> list[int]:
    return list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))


@pytest.fixture
def years(cycle: Cycle, admin_user: Any, appraiser: Any, lead: Any) -> tuple[Cycle, Cycle]:
    """2020: tam appraises area 1 and criterion 2.3 at Sở Y tế; hoa is the lead; vy appraises area 2 at Sở Công
    Thương only; an account since locked appraised area 1. 2021: the 2020 set cloned before a clone kept the links
    to the criteria it copied (matched by code), criterion 2.3 renumbered 2.4; Sở Y tế and Sở Tài chính take part."""
    opened = assessments_open(cycle=cycle, units=Unit.objects.filter(code__in=["so-y-te", "so-cong-thuong"]),
                              actor=None)
    assert len(opened) == 2
    vy = _user("vy", "appraiser", "so-tu-phap")
    locked = _user("cu", "appraiser", "so-tu-phap")
    appraisal_assignment_save(cycle=cycle, user=appraiser, is_lead=False, node_ids=_nodes(cycle, "1", "2.3"),
                              unit_ids=_units("so-y-te"), actor=admin_user)
    appraisal_assignment_save(cycle=cycle, user=lead, is_lead=True, node_ids=[], unit_ids=[], actor=admin_user)
    appraisal_assignment_save(cycle=cycle, user=vy, is_lead=False, node_ids=_nodes(cycle, "2"),
                              unit_ids=_units("so-cong-thuong"), actor=admin_user)
    appraisal_assignment_save(cycle=cycle, user=locked, is_lead=False, node_ids=_nodes(cycle, "1"), unit_ids=[],
                              actor=admin_user)
    type(locked).objects.filter(pk=locked.pk).update(is_active=False)
    clone = admin_services.indicator_set_clone(source=cycle.cycle_sets.first().indicator_set, key="test-set-2021",
                                               year=2021, actor=admin_user)
    Indicator.objects.filter(indicator_set=clone).update(cloned_from=None)
    Indicator.objects.filter(indicator_set=clone, code="2.3").update(code="2.4")
    new = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None,
                       sets={UnitKind.objects.get(code="department"): IndicatorSet.objects.get(pk=clone.pk)})
    assessments_open(cycle=new, units=Unit.objects.filter(code__in=["so-y-te", "so-tai-chinh"]), actor=None)
    return cycle, new


def _page(client: Client, cycle: Cycle, query: str = "") -> str:
    return " ".join(client.get(reverse("appraisal:assignments", args=[cycle.pk]) + query).content.decode().split())


def _copy(client: Client, cycle: Cycle, source: Cycle, **extra: str) -> Any:
    token = appraisal_assignments_copy_plan(cycle=cycle, source=source).token
    return client.post(reverse("appraisal:assignments", args=[cycle.pk]),
                       {"action": "copy", "source": source.pk, "token": token, **extra}, follow=True)


def _said(response: Any, level: str) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == level]


def test_the_new_cycles_page_offers_the_copy_and_previews_it(
    client: Client, years: tuple[Cycle, Cycle], admin_user: Any
) -> None:
    old, new = years
    client.force_login(admin_user)

    page = _page(client, new)
    assert f'href="?sao_chep={old.pk}#sao-chep"' in page and "Sao chép phân công từ kỳ 2020" in page

    preview = _page(client, new, f"?sao_chep={old.pk}")

    assert "data-copy-preview" in preview and "Sao chép phân công từ kỳ 2020 (xem trước)" in preview
    tam = re.search(r'data-copy-row="tam">(.*?)</tr>', preview)
    assert tam is not None and "<td>1</td>" in tam.group(1) and "Sở Y tế" in tam.group(1)
    assert "Mã không có trong bộ mới: 2.3 (không có trong test-set-2021)." in tam.group(1)
    vy = re.search(r'data-copy-row="vy">(.*?)</tr>', preview)
    assert vy is not None and "các đơn vị được giao đều không tham gia kỳ này" in vy.group(1)
    cu = re.search(r'data-copy-row="cu">(.*?)</tr>', preview)
    assert cu is not None and "tài khoản đã bị khoá" in cu.group(1)
    assert "Sao chép 2 phân công" in preview and 'name="merge"' not in preview
    assert not AppraisalAssignment.objects.filter(cycle=new).exists()  # a preview writes nothing


def test_the_copy_creates_the_assignments_mapped_by_code_and_audits_them(
    client: Client, years: tuple[Cycle, Cycle], admin_user: Any
) -> None:
    old, new = years
    client.force_login(admin_user)

    response = _copy(client, new, old)

    assert _said(response, "success") == ["Đã sao chép 2 phân công từ kỳ 2020."]
    warnings = _said(response, "warning")
    assert any("2.3 (không có trong test-set-2021)" in w for w in warnings)
    assert any("vy (các đơn vị được giao đều không tham gia kỳ này)" in w for w in warnings)
    copied = {a.user.username: a for a in AppraisalAssignment.objects.filter(cycle=new).select_related("user")}
    assert set(copied) == {"tam", "hoa"}
    tam = copied["tam"]
    assert [(n.indicator_set.key, n.code) for n in tam.areas.all()] == [("test-set-2021", "1")]
    assert [u.code for u in tam.units.all()] == ["so-y-te"] and not tam.is_lead
    assert copied["hoa"].is_lead and not copied["hoa"].areas.exists()
    saved = {e.object_id: e for e in AuditEntry.objects.filter(action="appraisal_assignment.save", object_id__in=[
        str(a.pk) for a in copied.values()])}
    assert saved[str(copied["hoa"].pk)].reason == "Sao chép phân công từ kỳ 2020."
    assert saved[str(tam.pk)].reason == ("Sao chép phân công từ kỳ 2020. Không sao chép được: 2.3 (không có trong "
                                         "test-set-2021).")
    assert saved[str(tam.pk)].changes["source"] == {"old": None, "new": "Chỉ số CCHC năm 2020"}
    assert saved[str(tam.pk)].changes["areas"] == {"old": [], "new": ["1"]}
    # the 2020 team is untouched
    assert AppraisalAssignment.objects.filter(cycle=old).count() == 4


def test_a_cycle_with_assignments_is_refused_unless_the_merge_is_confirmed(
    client: Client, years: tuple[Cycle, Cycle], admin_user: Any, appraiser: Any
) -> None:
    old, new = years
    appraisal_assignment_save(cycle=new, user=appraiser, is_lead=False, node_ids=_nodes(new, "2"), unit_ids=[],
                              actor=admin_user)
    client.force_login(admin_user)
    assert 'name="merge" value="1" required' in _page(client, new, f"?sao_chep={old.pk}")
    audits = AuditEntry.objects.count()

    refused = _copy(client, new, old)

    # the preview drawn again (400, not a redirect with a banner): its error summary, focused, links to the
    # checkbox, which is marked invalid and described by the message
    said = ("Kỳ 2021 đã có 1 phân công. Sao chép sẽ giữ nguyên các phân công đó và chỉ thêm thành viên chưa có phân "
            "công: hãy đánh dấu ô xác nhận gộp rồi sao chép lại.")
    assert refused.status_code == 400 and not refused.redirect_chain
    body = " ".join(refused.content.decode().split())
    assert 'id="copy-errors" role="alert" tabindex="-1" autofocus' in body
    assert f'<a href="#id_merge">{said}</a>' in body
    assert ('name="merge" value="1" required aria-invalid="true" aria-describedby="id_merge_error"' in body)
    assert f'<span class="error" id="id_merge_error">{said}</span>' in body
    assert _said(refused, "error") == []  # said by the form, not again in the banner
    assert AppraisalAssignment.objects.filter(cycle=new).count() == 1 and AuditEntry.objects.count() == audits

    merged = _copy(client, new, old, merge="1")

    assert _said(merged, "success") == ["Đã sao chép 1 phân công từ kỳ 2020."]
    kept = AppraisalAssignment.objects.get(cycle=new, user=appraiser)
    assert [n.code for n in kept.areas.all()] == ["2"]  # theirs kept, not replaced
    assert AppraisalAssignment.objects.get(cycle=new, user__username="hoa").is_lead


def test_a_copy_whose_preview_no_longer_matches_is_refused(
    client: Client, years: tuple[Cycle, Cycle], admin_user: Any, lead: Any
) -> None:
    old, new = years
    client.force_login(admin_user)
    token = appraisal_assignments_copy_plan(cycle=new, source=old).token
    # the lead's 2020 assignment is removed after the preview
    AppraisalAssignment.objects.filter(cycle=old, user=lead).delete()

    refused = client.post(reverse("appraisal:assignments", args=[new.pk]),
                          {"action": "copy", "source": old.pk, "token": token}, follow=True)

    assert "đã thay đổi từ lúc xem trước" in _said(refused, "error")[0]
    assert not AppraisalAssignment.objects.filter(cycle=new).exists()


def test_only_an_administrator_previews_or_copies(
    client: Client, years: tuple[Cycle, Cycle], lead: Any
) -> None:
    old, new = years
    client.force_login(lead)
    # the lead reads the page, without the preview nor the copy's form
    preview = client.get(reverse("appraisal:assignments", args=[new.pk]) + f"?sao_chep={old.pk}")
    assert preview.status_code == 200
    assert "data-copy-preview" not in preview.content.decode() and "data-copy-from" not in preview.content.decode()
    token = appraisal_assignments_copy_plan(cycle=new, source=old).token
    response = client.post(reverse("appraisal:assignments", args=[new.pk]),
                           {"action": "copy", "source": old.pk, "token": token})
    assert response.status_code == 403 and not AppraisalAssignment.objects.filter(cycle=new).exists()


def test_the_gaps_name_a_long_list_of_units_once_however_many_areas_miss_them(
    client: Client, small_set: IndicatorSet, admin_user: Any, appraiser: Any
) -> None:
    # given: every department takes part; one member appraises both areas at Sở Y tế only; no lead
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", actor=None,
                         sets={UnitKind.objects.get(code="department"): small_set})
    departments = list(Unit.objects.filter(kind__code="department"))
    assessments_open(cycle=cycle, units=departments, actor=None)
    appraisal_assignment_save(cycle=cycle, user=appraiser, is_lead=False, node_ids=_nodes(cycle, "1", "2"),
                              unit_ids=_units("so-y-te"), actor=admin_user)
    client.force_login(admin_user)

    page = _page(client, cycle)

    others = len(departments) - 1
    box = page[page.index("data-gaps"):page.index("</div>", page.index("data-gaps"))]
    assert f"Chưa ai phụ trách: 1, 2 (ở {others} đơn vị) (test-set)" in box
    assert box.count("<details") == 1 and f"{others} đơn vị của 1, 2" in box
    for unit in departments:
        assert box.count(unit.name) == (0 if unit.code == "so-y-te" else 1), unit.name


def _linked_years(cycle: Cycle, admin_user: Any, appraiser: Any, *, generations: int = 1) -> tuple[Cycle, Cycle]:
    """2020: tam appraises area 1 and criteria 2.1 and 2.3 at Sở Y tế. 2021: a set cloned from the 2020 one
    (`generations` times: a clone of the clone …), keeping the link of each criterion to the one it copies."""
    assessments_open(cycle=cycle, units=Unit.objects.filter(code="so-y-te"), actor=None)
    appraisal_assignment_save(cycle=cycle, user=appraiser, is_lead=False, node_ids=_nodes(cycle, "1", "2.1", "2.3"),
                              unit_ids=_units("so-y-te"), actor=admin_user)
    clone = cycle.cycle_sets.first().indicator_set
    for generation in range(generations):
        clone = admin_services.indicator_set_clone(source=clone, key=f"test-set-2021-{generation}", year=2021,
                                                   actor=admin_user)
    new = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None,
                       sets={UnitKind.objects.get(code="department"): IndicatorSet.objects.get(pk=clone.pk)})
    assessments_open(cycle=new, units=Unit.objects.filter(code="so-y-te"), actor=None)
    return cycle, new


def _copied_codes(new: Cycle, appraiser: Any) -> list[str]:
    return sorted(n.code for n in AppraisalAssignment.objects.get(cycle=new, user=appraiser).areas.all())


@pytest.mark.parametrize("generations", [1, 2], ids=["clone", "clone-of-a-clone"])
def test_a_renumbered_criterion_of_the_clone_is_copied_through_its_link(
    client: Client, cycle: Cycle, admin_user: Any, appraiser: Any, generations: int
) -> None:
    # given: in the new year's set, 2.3 became 2.4 and 2.1 became 2.3 (swapped around by the renumbering)
    old, new = _linked_years(cycle, admin_user, appraiser, generations=generations)
    target = new.cycle_sets.get().indicator_set
    Indicator.objects.filter(indicator_set=target, code="2.3").update(code="2.4")
    Indicator.objects.filter(indicator_set=target, code="2.1").update(code="2.3")
    client.force_login(admin_user)
    assert "sang tiêu chí nhân bản từ chúng, dù mã đã đổi" in _page(client, new, f"?sao_chep={old.pk}")
    # when the team is copied
    response = _copy(client, new, old)
    # then each criterion follows to its copy, whatever its code now, and nothing is said missing
    assert _said(response, "success") == ["Đã sao chép 1 phân công từ kỳ 2020."]
    assert not any("không có trong" in w for w in _said(response, "warning"))
    assert _copied_codes(new, appraiser) == ["1", "2.3", "2.4"]
    kind_of = {n.code: n.name for n in AppraisalAssignment.objects.get(cycle=new, user=appraiser).areas.all()}
    assert kind_of["2.3"] == "Ứng dụng CNTT" and kind_of["2.4"] == "Kỷ luật"


def test_a_new_criterion_taking_a_deleted_ones_code_is_not_its_copy(
    client: Client, cycle: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: in place of the clone's 2.3, an unrelated criterion under the same code (no link: added, not copied)
    old, new = _linked_years(cycle, admin_user, appraiser)
    target = new.cycle_sets.get().indicator_set
    Indicator.objects.filter(indicator_set=target, code="2.3").update(name="Chuyển đổi số", cloned_from=None)
    client.force_login(admin_user)
    # when the team is copied
    response = _copy(client, new, old)
    # then 2.3 is said not found in the new set, and the new criterion is not given to the member
    assert any("2.3 (không có trong test-set-2021-0)" in w for w in _said(response, "warning"))
    assert _copied_codes(new, appraiser) == ["1", "2.1"]
