"""The appraisal queue names a filter that names nothing instead of passing it over in silence, and leaves it out
(the queue as if it were not given): a state not in the queue, an area none of the cycle's sets has, a group that
is neither a group's id nor its code, a cycle that is not one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _body(client: Client, user: Any, query: dict[str, str]) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisal:queue"), query)
    assert response.status_code == 200
    return response.content.decode().split("<h1>")[1]


def test_an_unknown_state_is_named_and_every_state_is_shown(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"trang-thai": "bogus"})
    assert "Trạng thái «bogus» không có trong danh sách thẩm định; đang hiện tất cả các trạng thái." in body
    assert "Sở Y tế" in body


def test_a_state_that_never_reaches_the_queue_is_named_too(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"trang-thai": "draft"})
    assert "Trạng thái «draft» không có trong danh sách thẩm định" in body and "Sở Y tế" in body


def test_an_unknown_area_is_named_and_every_area_is_shown(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"linh-vuc": "999"})
    assert "Kỳ đánh giá năm 2020 không có lĩnh vực «999»; đang hiện tất cả các lĩnh vực." in body
    assert "Sở Y tế" in body and "Không có bản đánh giá nào" not in body
    assert "linh-vuc=999" not in body  # the rows' links do not carry it to the review page


def test_known_filters_say_nothing(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"trang-thai": "submitted", "linh-vuc": "1"})
    assert 'role="alert"' not in body and "Sở Y tế" in body


def test_an_area_the_user_is_not_assigned_is_not_called_unknown(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    # the appraiser appraises area 2 only: area 1 exists in the cycle, they have no rows for it
    body = _body(client, appraiser, {"linh-vuc": "1"})
    assert "không có lĩnh vực" not in body and "Sở Y tế" not in body


def test_the_queue_with_a_bad_filter_is_still_refused_to_a_unit_editor(
    client: Client, submitted: Any, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("appraisal:queue"), {"trang-thai": "bogus"})
    assert response.status_code == 403 and "không có trong danh sách thẩm định" not in response.content.decode()


# --- every filter alike: an unknown value is named and left out (as if not given); a group by its code too ----


def test_an_unknown_group_id_is_named_and_every_group_is_shown(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"nhom": "999999"})
    assert "Không có khối xếp hạng «999999»; đang hiện tất cả các khối." in body
    assert "Sở Y tế" in body


@pytest.mark.parametrize("group", ["khong-co-khoi", "<b>x</b>", "1x"])
def test_an_unknown_group_code_or_junk_is_named_too(client: Client, submitted: Any, lead: Any, group: str) -> None:
    body = _body(client, lead, {"nhom": group})
    assert "Không có khối xếp hạng «" in body and "Sở Y tế" in body
    assert "<b>x</b>" not in body


def test_a_group_is_taken_by_its_code_as_by_its_id(client: Client, submitted: Any, lead: Any) -> None:
    from scoring.models import RankingGroup

    own = submitted.unit.ranking_group
    other = RankingGroup.objects.exclude(pk=own.pk).first()
    client.force_login(lead)
    for value in (own.code, str(own.pk)):
        response = client.get(reverse("appraisal:queue"), {"nhom": value})
        assert [r.assessment.pk for r in response.context["queue"].rows] == [submitted.pk], value
        assert response.context["selected"]["group"] == own.pk  # the form shows it chosen
        assert 'role="alert"' not in response.content.decode().split("<h1>")[1]
    response = client.get(reverse("appraisal:queue"), {"nhom": other.code})
    assert response.context["queue"].rows == []


@pytest.mark.parametrize("ky", ["abc", "999999", "99999999999999999999999", "²"])
def test_an_unknown_cycle_is_named_and_the_latest_is_shown(
    client: Client, submitted: Any, lead: Any, ky: str
) -> None:
    body = _body(client, lead, {"ky": ky})
    assert "Không có kỳ đánh giá «" in body and "đang hiện kỳ năm 2020" in body
    assert "Sở Y tế" in body
