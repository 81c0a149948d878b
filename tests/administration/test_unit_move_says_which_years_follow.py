"""Moving a unit to another ranking group from its page says which years' ranking followed it (cycles whose
results are not published) and which kept the group the unit was ranked in that year (published ones)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, RankingGroup, Unit, UnitKind
from tests.administration.page_helpers import form_version as _version
from tests.publication.conftest import DOC_DATE, media_root, signed_cycle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _move(client: Client, unit: Unit, group: RankingGroup) -> str:
    url = reverse("administration:unit_edit", args=[unit.pk])
    data = {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind_id,
            "ranking_group": group.pk, "parent": unit.parent_id or "",
            "version": _version(client.get(url).content.decode())}
    response = client.post(url, data)
    assert response.status_code == 302
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_message_names_the_years_that_followed_and_those_that_kept_the_group(
    client: Client, signed_cycle: Any, small_set: Any, admin_user: Any,  # noqa: F811
) -> None:
    from scoring.publication.services import cycle_publish
    from scoring.services import assessments_open, cycle_create

    cycle_publish(cycle=signed_cycle, document_number="Công văn số 4567/UBND-NC", document_date=DOC_DATE,
                  actor=admin_user)
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={UnitKind.objects.get(code="department"): small_set}, actor=None)
    unit = Unit.objects.get(code="so-tu-phap")
    assessments_open(cycle=later, units=[unit], actor=admin_user)
    old, new = unit.ranking_group, RankingGroup.objects.get(code="nganh-doc")
    client.force_login(admin_user)

    said = _move(client, unit, new)

    assert said.startswith("Đã lưu đơn vị.")
    assert (f"Kỳ đánh giá chưa công bố kết quả (năm 2021) xếp hạng đơn vị trong khối «{new.name}»; thứ hạng trong "
            "khối cũ và khối mới được tính lại.") in said
    assert f"Kỳ đánh giá đã công bố kết quả giữ khối xếp hạng của năm đó: năm 2020: «{old.name}»." in said
    assert dict(Assessment.objects.filter(unit=unit).values_list("cycle__year", "ranking_group")) == {
        2020: old.pk, 2021: new.pk}


def test_a_unit_without_assessments_is_told_the_group_applies_from_the_next_cycle(
    client: Client, catalogue: Any, admin_user: Any,
) -> None:
    client.force_login(admin_user)
    said = _move(client, Unit.objects.get(code="so-y-te"), RankingGroup.objects.get(code="nganh-doc"))
    assert said == "Đã lưu đơn vị. Khối xếp hạng mới áp dụng từ kỳ đánh giá tiếp theo."
