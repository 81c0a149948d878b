from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from scoring.models import AuditEntry, Indicator, Unit

pytestmark = pytest.mark.django_db


def _areas(cycle: Any, *codes: str) -> list[int]:
    return list(
        Indicator.objects.filter(indicator_set__cycle_sets__cycle=cycle, code__in=codes).values_list("pk", flat=True)
    )


def test_an_administrator_assigns_areas_and_units_to_an_appraiser(client: Client, admin_user: Any, appraiser: Any,
                                                                  cycle: Any, assessment: Any) -> None:
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    response = client.post(reverse("appraisal:assignments", args=[cycle.pk]),
                           {"user": appraiser.pk, "nodes": _areas(cycle, "2", "1.2"), "units": [unit.pk]})
    assert response.status_code == 302
    assignment = AppraisalAssignment.objects.get(cycle=cycle, user=appraiser)
    assert sorted(a.code for a in assignment.areas.all()) == ["1.2", "2"]
    assert list(assignment.units.all()) == [unit]
    assert AuditEntry.objects.filter(action="appraisal_assignment.save").exists()
    page = client.get(reverse("appraisal:assignments", args=[cycle.pk])).content.decode()
    assert "1.2, 2" in page or "2, 1.2" in page


def test_saving_again_replaces_the_assignment(client: Client, admin_user: Any, appraiser: Any, cycle: Any) -> None:
    client.force_login(admin_user)
    url = reverse("appraisal:assignments", args=[cycle.pk])
    first = client.post(url, {"user": appraiser.pk, "nodes": _areas(cycle, "2")}, follow=True)
    assert "Đã lưu phân công thẩm định." in first.content.decode()
    again = client.post(url, {"user": appraiser.pk, "nodes": _areas(cycle, "1")}, follow=True)
    assignment = AppraisalAssignment.objects.get(cycle=cycle, user=appraiser)
    assert [a.code for a in assignment.areas.all()] == ["1"]
    # the page says what was replaced, so the earlier areas are not lost unnoticed
    page = again.content.decode()
    assert "Đã thay phân công của" in page and "lĩnh vực/tiêu chí 2; mọi đơn vị" in page


def test_a_user_without_a_team_role_cannot_be_assigned(client: Client, admin_user: Any, unit_editor: Any,
                                                       cycle: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("appraisal:assignments", args=[cycle.pk]),
                           {"user": unit_editor.pk, "nodes": _areas(cycle, "2")})
    assert response.status_code == 400
    assert "Tổ thẩm định" in response.content.decode()
    assert not AppraisalAssignment.objects.exists()


def test_an_area_of_another_set_is_refused_and_nothing_is_written(client: Client, admin_user: Any, appraiser: Any,
                                                                  cycle: Any) -> None:
    from scoring.services import indicator_set_import
    from tests.conftest import small_set_data

    other = indicator_set_import(data=small_set_data(key="other", unit_kind="district"), actor=None)
    foreign = other.indicators.get(code="2").pk
    client.force_login(admin_user)
    response = client.post(reverse("appraisal:assignments", args=[cycle.pk]),
                           {"user": appraiser.pk, "nodes": [foreign]})
    assert response.status_code == 400
    assert not AppraisalAssignment.objects.exists()


def test_a_member_with_no_area_is_refused_unless_lead(client: Client, admin_user: Any, lead: Any,
                                                      appraiser: Any, cycle: Any) -> None:
    client.force_login(admin_user)
    url = reverse("appraisal:assignments", args=[cycle.pk])
    assert client.post(url, {"user": appraiser.pk}).status_code == 400
    assert client.post(url, {"user": lead.pk, "is_lead": "on"}).status_code == 302
    assert AppraisalAssignment.objects.get(user=lead).is_lead


def test_an_administrator_removes_an_assignment(client: Client, admin_user: Any, appraiser: Any, cycle: Any) -> None:
    client.force_login(admin_user)
    client.post(reverse("appraisal:assignments", args=[cycle.pk]), {"user": appraiser.pk, "nodes": _areas(cycle, "2")})
    assignment = AppraisalAssignment.objects.get()
    response = client.post(reverse("appraisal:assignment_delete", args=[cycle.pk, assignment.pk]))
    assert response.status_code == 302 and not AppraisalAssignment.objects.exists()


@pytest.mark.parametrize("who", ["unit_editor", "appraiser", "lead"])
def test_only_administrators_manage_the_team(client: Client, request: Any, appraiser: Any, cycle: Any,
                                            who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    url = reverse("appraisal:assignments", args=[cycle.pk])
    assert client.get(url).status_code == (200 if who == "lead" else 403)  # the lead reads it (below)
    assert client.post(url, {"user": appraiser.pk, "nodes": _areas(cycle, "2")}).status_code == 403
    assert not AppraisalAssignment.objects.exists()


@pytest.mark.parametrize("who", ["lead", "member_lead"])
def test_the_cycles_lead_reads_the_team_without_any_form(
    client: Client, request: Any, admin_user: Any, appraiser: Any, lead: Any, cycle: Any, who: str
) -> None:
    # given the team: tam appraises area 2, and the cycle's lead (by role, or a member made lead of the cycle)
    member = AppraisalAssignment.objects.create(cycle=cycle, user=appraiser)
    member.areas.set(_areas(cycle, "2"))
    reader = lead
    if who == "member_lead":
        from tests.conftest import _user

        reader = _user("khoa", "appraiser", "van-phong-ubnd-tinh")
        AppraisalAssignment.objects.create(cycle=cycle, user=reader, is_lead=True)
    client.force_login(reader)
    url = reverse("appraisal:assignments", args=[cycle.pk])
    # when the lead opens the page
    response = client.get(url)
    # then the team is shown, with who may change it, and nothing to change it with
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chỉ quản trị viên thay đổi phân công thẩm định" in body
    assert (appraiser.get_full_name() or appraiser.username) in body
    assert 'name="nodes"' not in body and "assignment_delete" not in body and "/xoa/" not in body
    assert 'method="post"' not in body.split("<main", 1)[-1]
    # the cycle's oversight dashboard links it for them
    assert f'href="{url}"' in client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()
    # and a change is still refused, nothing written
    assert client.post(url, {"user": appraiser.pk, "nodes": _areas(cycle, "1")}).status_code == 403
    delete = reverse("appraisal:assignment_delete", args=[cycle.pk, member.pk])
    assert client.post(delete).status_code == 403
    assert list(AppraisalAssignment.objects.get(pk=member.pk).areas.values_list("code", flat=True)) == ["2"]


def test_a_member_who_leads_another_cycle_does_not_read_this_ones_team(
    client: Client, appraiser: Any, cycle: Any
) -> None:
    from scoring.models import Cycle

    other = Cycle.objects.create(year=cycle.year + 1, name="Kỳ sau")
    AppraisalAssignment.objects.create(cycle=other, user=appraiser, is_lead=True)
    client.force_login(appraiser)
    assert client.get(reverse("appraisal:assignments", args=[cycle.pk])).status_code == 403
    assert client.get(reverse("appraisal:assignments", args=[other.pk])).status_code == 200


def test_anonymous_users_are_sent_to_login(client: Client, cycle: Any) -> None:
    response = client.get(reverse("appraisal:assignments", args=[cycle.pk]))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_a_unit_not_taking_part_in_the_cycle_is_refused(client: Client, admin_user: Any, appraiser: Any,
                                                        cycle: Any, assessment: Any) -> None:
    client.force_login(admin_user)
    outside = Unit.objects.exclude(pk=assessment.unit_id).filter(active=True).first()
    response = client.post(reverse("appraisal:assignments", args=[cycle.pk]), {
        "user": appraiser.pk, "nodes": _areas(cycle, "2"), "units": [assessment.unit_id, outside.pk],
    })
    assert "không tham gia kỳ đánh giá này" in response.content.decode()
    assert outside.name in response.content.decode()
    assert not AppraisalAssignment.objects.filter(cycle=cycle, user=appraiser).exists()
