"""The «Thêm đơn vị tham gia» picker of a cycle page lists the units in Vietnamese alphabetical order (kind by
kind), as the units' list and the merge choices do: «Sở Kế hoạch…» before «Sở Khoa học…»."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cchc.collation import sort_key


@pytest.mark.django_db
def test_the_cycle_page_offers_the_units_to_add_in_vietnamese_alphabetical_order(
    client: Client, cycle: Any, admin_user: Any
) -> None:
    # given a cycle of departments and vertical agencies nobody takes part in yet
    client.force_login(admin_user)
    # when the administrator opens its page
    response = client.get(reverse("administration:cycle_detail", args=[cycle.pk]))
    # then the units offered are in the kinds' order, each kind in Vietnamese alphabetical order
    assert response.status_code == 200
    offered = list(response.context["candidates"])
    departments = [u.name for u in offered if u.kind.code == "department"]
    assert departments == sorted(departments, key=sort_key)
    assert departments.index("Sở Kế hoạch và Đầu tư") < departments.index("Sở Khoa học và Công nghệ")
    assert departments.index("Sở Nội vụ") < departments.index("Sở Nông nghiệp và Phát triển nông thôn")
    kinds = [u.kind.order for u in offered]
    assert kinds == sorted(kinds)
