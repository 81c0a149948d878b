"""The API's appraisal queue says the cycle's year beside its id (`cycle_year`, the year each row's assessment
names its cycle by) and takes `year` as a filter; a year given as `cycle` is refused with a pointer to `year`."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/appraisal/queue/"


def test_the_queue_answer_carries_the_cycles_year_and_takes_year(submitted: Any, lead: Any) -> None:
    api = APIClient()
    api.force_authenticate(lead)
    answer = api.get(URL).json()
    assert answer["cycle"] == submitted.cycle_id
    assert answer["cycle_year"] == 2020 == answer["rows"][0]["assessment"]["cycle"]
    by_year = api.get(URL, {"year": 2020})
    assert by_year.status_code == 200 and by_year.json()["cycle_year"] == 2020
    assert [r["unit_code"] for r in by_year.json()["rows"]] == ["so-y-te"]


def test_a_year_given_as_the_cycles_id_points_to_year(submitted: Any, lead: Any) -> None:
    api = APIClient()
    api.force_authenticate(lead)
    refused = api.get(URL, {"cycle": 2020})
    assert refused.status_code == 400
    assert "year=2020" in str(refused.json()["fields"]["cycle"])
