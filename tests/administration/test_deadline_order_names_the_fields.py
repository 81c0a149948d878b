"""A cycle's deadlines out of the phases' order are refused naming the two deadlines (their labels and dates), and
the refusal is shown beside the deadline that is out of order (on the new cycle form and the cycle's page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration.services.cycles import cycle_deadlines_version
from scoring.models import Cycle, IndicatorSet, UnitKind

pytestmark = pytest.mark.django_db

EXPECTED = ("«Hạn giải trình» (10/06/2020) không được trước «Hạn thẩm định» (30/06/2020): các hạn phải theo đúng "
            "thứ tự các giai đoạn.")


def test_the_new_cycle_form_names_both_deadlines_and_marks_the_one_out_of_order(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given an explanation deadline before the appraisal's
    department = UnitKind.objects.get(code="department")
    client.force_login(admin_user)
    # when the cycle is created
    response = client.post(reverse("administration:cycle_list"), {
        "year": "2020", "name": "Kỳ 2020", f"set_{department.pk}": small_set.pk,
        "self_assessment_deadline": "2020-05-31", "appraisal_deadline": "2020-06-30",
        "explanation_deadline": "2020-06-10",
    })
    # then it is refused, the message naming both, tied to the explanation deadline
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"explanation_deadline": [EXPECTED]}
    assert EXPECTED in response.content.decode()
    assert not Cycle.objects.exists()


def test_the_cycle_page_marks_the_deadline_out_of_order(client: Client, cycle: Cycle, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]), {
        "self_assessment_deadline": "2020-07-31", "appraisal_deadline": "2020-07-01",
        "version": cycle_deadlines_version(cycle),
    })
    assert response.status_code == 400
    assert response.context["deadlines_form"].errors["appraisal_deadline"] == [
        "«Hạn thẩm định» (01/07/2020) không được trước «Hạn tự đánh giá» (31/07/2020): các hạn phải theo đúng thứ "
        "tự các giai đoạn."
    ]
    cycle.refresh_from_db()
    assert cycle.appraisal_deadline is None
