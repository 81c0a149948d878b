"""The appraisal queue names a filter that names nothing instead of passing it over in silence: a state not in the
queue and an area none of the cycle's sets has are said so and left out (every row shown); a group no row can have
is said so (no rows, as before)."""

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


def test_an_unknown_group_is_named(client: Client, submitted: Any, lead: Any) -> None:
    body = _body(client, lead, {"nhom": "999999"})
    assert "Không có khối xếp hạng «999999»." in body and "Sở Y tế" not in body


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
