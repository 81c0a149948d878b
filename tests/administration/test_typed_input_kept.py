"""A refused administration form comes back with what was typed, the reason said, and nothing changed: the
administrator corrects one field instead of typing a whole form (or a merge decision's reference) again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration import services
from scoring.administration.services.sets import indicator_set_version
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    IndicatorMapping,
    IndicatorSet,
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
    UnitSuccession,
)

pytestmark = pytest.mark.django_db


def _page(response: Any) -> str:
    return response.content.decode()


def test_a_refused_new_unit_kind_keeps_its_code_and_name(client: Client, catalogue: Any, admin_user: Any) -> None:
    district = UnitKind.objects.get(code="district")
    client.force_login(admin_user)

    response = client.post(reverse("administration:kind_create"),
                           {"kind-code": "xa-moi", "kind-name": district.name.upper()})

    assert response.status_code == 400
    page = _page(response)
    assert "đã được dùng cho mã" in page
    assert 'value="xa-moi"' in page and f'value="{district.name.upper()}"' in page
    assert '<details class="card" id="kinds-and-groups" open>' in page  # the section with the refused form is open
    assert not UnitKind.objects.filter(code="xa-moi").exists()


def test_a_new_ranking_group_with_a_bad_code_keeps_its_name(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    before = RankingGroup.objects.count()

    response = client.post(reverse("administration:group_create"),
                           {"group-code": "khối mới", "group-name": "Khối các huyện ven biển"})

    assert response.status_code == 400
    assert 'value="Khối các huyện ven biển"' in _page(response)
    assert RankingGroup.objects.count() == before


def test_a_refused_rename_shows_the_typed_name_in_its_own_row(client: Client, catalogue: Any,
                                                              admin_user: Any) -> None:
    first, second = RankingGroup.objects.order_by("pk")[:2]
    client.force_login(admin_user)

    response = client.post(reverse("administration:group_rename", args=[second.pk]),
                           {"name": first.name.upper(), "version": services.units.coded_version(second)})

    assert response.status_code == 400
    page = _page(response)
    assert "đã được dùng cho mã" in page
    # the refused row holds what was typed; the other row its stored name
    assert f'id="id_group_name_{second.pk}" name="name" value="{first.name.upper()}"' in page
    assert f'id="id_group_name_{first.pk}" name="name" value="{first.name}"' in page
    assert RankingGroup.objects.get(pk=second.pk).name == second.name


def test_a_refused_merge_keeps_the_decision_typed(client: Client, catalogue: Any, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-noi-vu")
    client.force_login(admin_user)
    reason = "Nghị quyết 1234/NQ-UBTVQH15 ngày 12/6/2025\u202e"  # a direction override: refused

    response = client.post(reverse("administration:unit_merge", args=[unit.pk]),
                           {"into": Unit.objects.get(code="so-tai-chinh").pk, "reason": reason})

    assert response.status_code == 400
    page = _page(response)
    assert "Nghị quyết 1234/NQ-UBTVQH15 ngày 12/6/2025" in page
    assert not UnitSuccession.objects.filter(predecessor=unit).exists()
    assert Unit.objects.get(pk=unit.pk).active


def test_a_merge_without_a_decision_keeps_the_unit_chosen(client: Client, catalogue: Any, admin_user: Any) -> None:
    unit, into = Unit.objects.get(code="so-noi-vu"), Unit.objects.get(code="so-tai-chinh")
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_merge", args=[unit.pk]), {"into": into.pk, "reason": ""})

    assert response.status_code == 400
    assert f'<option value="{into.pk}" selected>' in _page(response)
    assert not UnitSuccession.objects.exists()


def test_a_deactivation_reason_with_hidden_characters_is_refused_not_a_server_error(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    unit = Unit.objects.get(code="so-noi-vu")
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Giải thể\x01"})

    assert response.status_code == 400
    assert 'value="Giải thể' in _page(response)
    assert Unit.objects.get(pk=unit.pk).active
    assert not AuditEntry.objects.filter(action="unit.deactivate").exists()


def test_refused_deadlines_keep_every_date_typed(client: Client, cycle: Cycle, admin_user: Any) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]), {
        "self_assessment_deadline": "2019-12-31", "appraisal_deadline": "2021-04-30",
        "explanation_deadline": "2021-05-15", "finalisation_deadline": "2021-05-31",
        "version": services.cycles.cycle_deadlines_version(cycle),
    })

    assert response.status_code == 400
    page = _page(response)
    assert "01/01/2020" in page  # why: before the cycle's year
    for typed in ("2019-12-31", "2021-04-30", "2021-05-15", "2021-05-31"):
        assert f'value="{typed}"' in page
    cycle.refresh_from_db()
    assert cycle.self_assessment_deadline is None and cycle.appraisal_deadline is None


def test_a_refused_extension_keeps_its_date_and_reason_in_its_row(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    cycle = assessment.cycle
    at = dt.datetime(2021, 3, 15, 23, 59, tzinfo=timezone.get_current_timezone())
    services.cycle_update_deadlines(cycle=cycle, actor=admin_user, deadlines={"self_assessment_deadline": at},
                                    confirmed=1)
    client.force_login(admin_user)

    response = client.post(reverse("administration:assessment_extend", args=[cycle.pk, assessment.pk]),
                           {"deadline": "2021-03-01", "reason": "Mất điện cả tuần", "back": "q=y"})

    assert response.status_code == 400
    page = _page(response)
    assert f'id="ext-d-{assessment.pk}" name="deadline" value="2021-03-01"' in page
    assert 'value="Mất điện cả tuần"' in page
    assert 'name="q" value="y"' in page  # on the participants' list as it was filtered
    assessment.refresh_from_db()
    assert assessment.deadline_override is None


def test_a_refused_set_edit_keeps_the_bands_typed(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    client.force_login(admin_user)
    stored = small_set.classification_bands

    response = client.post(reverse("administration:set_update", args=[small_set.pk]), {
        "name": "Bộ chỉ số thử (sửa)", "decision_ref": "689/QĐ-UBND", "standard_max": "100",
        "index_mode": small_set.index_mode, "bonus_cap": "", "penalty_cap": "",
        "bands": "90 | Tốt\n95 | Xuất sắc", "source_note": "", "version": indicator_set_version(small_set),
    })

    assert response.status_code == 400
    page = _page(response)
    assert "Bộ chỉ số thử (sửa)" in page and "95 | Xuất sắc" in page
    small_set.refresh_from_db()
    assert small_set.classification_bands == stored and small_set.name != "Bộ chỉ số thử (sửa)"


def test_a_refused_mapping_keeps_both_codes(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    other = services.indicator_set_clone(source=small_set, actor=admin_user, year=2021, key="test-set-2021",
                                         name="Bộ 2021", decision_ref="")
    client.force_login(admin_user)

    response = client.post(reverse("administration:mapping_save", args=[small_set.pk, other.pk]),
                           {"from_code": "KHONG-CO", "to_code": "I.1"})

    assert response.status_code == 400
    page = _page(response)
    assert 'value="KHONG-CO"' in page and 'value="I.1"' in page
    assert not IndicatorMapping.objects.exists()


def test_a_refused_role_keeps_the_role_chosen(client: Client, catalogue: Any, admin_user: Any,
                                             unit_editor: Any) -> None:
    client.force_login(admin_user)
    before = RoleAssignment.objects.filter(user=unit_editor).count()

    response = client.post(reverse("administration:role_add", args=[unit_editor.pk]),
                           {"role": RoleAssignment.Role.UNIT_HEAD, "unit": "khong-co-don-vi-nay"})

    assert response.status_code == 400
    page = _page(response)
    assert f'<option value="{RoleAssignment.Role.UNIT_HEAD}" selected>' in page
    assert 'value="khong-co-don-vi-nay"' in page
    assert RoleAssignment.objects.filter(user=unit_editor).count() == before
