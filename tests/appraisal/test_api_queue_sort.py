"""The API's appraisal queue sorts as the page's queue does (`sort`: by name, by the user's undecided leaves, by
submission time), keeps the order across its pages, and refuses an order it does not know."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import line_of, self_score, submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/appraisal/queue/"


@pytest.fixture
def three(submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Sở Tài chính, Sở Xây dựng, Sở Y tế (by name), all submitted; submitted in the order Y tế, Xây dựng, Tài chính."""
    others = [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
              for code in ("so-tai-chinh", "so-xay-dung")]
    for other in others:
        self_score(other, unit_editor)
        submit(other, unit_head)
    now = timezone.now()
    for assessment, hours in ((submitted, 30), (others[1], 20), (others[0], 10)):
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=now - timedelta(hours=hours))
    return [*others, submitted]


def _units(user: Any, **params: Any) -> list[str]:
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get(URL, params)
    assert answer.status_code == 200, answer.json()
    return [row["unit_code"] for row in answer.json()["rows"]]


def test_the_api_queue_sorts_as_the_page_does(three: list[Assessment], lead: Any, appraiser: Any) -> None:
    from appraisal.services import line_accept_self

    _tai_chinh, xay_dung, y_te = three
    for assessment, codes in ((y_te, ("2.1.1", "2.1.2", "2.2.1")), (xay_dung, ("2.1.1",))):
        for code in codes:
            line = line_of(assessment, code)
            line_accept_self(line=line, actor=lead, base_version=line.version)
    by_name = ["so-tai-chinh", "so-xay-dung", "so-y-te"]
    assert _units(appraiser) == _units(appraiser, sort="name") == by_name
    # the appraiser's area 2: 4, 3 and 1 leaves undecided
    assert _units(appraiser, sort="most_open") == ["so-tai-chinh", "so-xay-dung", "so-y-te"]
    assert _units(appraiser, sort="least_open") == ["so-y-te", "so-xay-dung", "so-tai-chinh"]
    assert _units(lead, sort="submitted_first") == ["so-y-te", "so-xay-dung", "so-tai-chinh"]
    assert _units(lead, sort="submitted_last") == ["so-tai-chinh", "so-xay-dung", "so-y-te"]


def test_the_order_goes_on_across_the_pages(three: list[Assessment], lead: Any) -> None:
    api = APIClient()
    api.force_authenticate(lead)
    first = api.get(URL, {"sort": "submitted_last", "page_size": 2}).json()
    assert [row["unit_code"] for row in first["rows"]] == ["so-tai-chinh", "so-xay-dung"]
    assert "sort=submitted_last" in first["next"]
    following = api.get(first["next"]).json()
    assert [row["unit_code"] for row in following["rows"]] == ["so-y-te"]


def test_an_unknown_order_is_a_400_on_sort_naming_the_orders(three: list[Assessment], lead: Any) -> None:
    api = APIClient()
    api.force_authenticate(lead)
    for wrong in ("ten", "newest"):
        refused = api.get(URL, {"sort": wrong})
        assert refused.status_code == 400, wrong
        said = str(refused.json()["fields"]["sort"])
        assert f"«{wrong}»" in said and "most_open" in said
    # left blank, as the other filters: the default order
    assert _units(lead, sort="") == ["so-tai-chinh", "so-xay-dung", "so-y-te"]


def test_the_queue_stays_refused_to_a_unit_user_whatever_the_order(three: list[Assessment], unit_editor: Any) -> None:
    api = APIClient()
    api.force_authenticate(unit_editor)
    assert api.get(URL, {"sort": "most_open"}).status_code == 403


def test_the_schema_lists_the_orders(lead: Any) -> None:
    import yaml

    api = APIClient()
    api.force_authenticate(lead)
    schema = yaml.safe_load(api.get("/api/schema/").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/appraisal/queue/"]["get"]["parameters"]}
    assert set(parameters["sort"]["schema"]["enum"]) == {
        "group", "name", "most_open", "least_open", "submitted_first", "submitted_last", "self_index_high",
        "self_index_low"}
    assert parameters["sort"]["schema"]["default"] == "group"
