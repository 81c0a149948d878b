"""`POST cycles/<year>/extensions/` under optimistic locking, as the cycle page's extension form: the version of the
unit's own deadline is the answer's `ETag`; a change sent with an `If-Match` that deadline no longer has is refused
with 412 `stale` (nothing saved, the stored assessment given); a current one is saved."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration.services.cycles import own_deadline_version
from scoring.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/cycles/2020/extensions/"


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_login(admin_user)
    return api


def _extend(api: APIClient, day: str, **headers: str) -> Any:
    return api.post(URL, {"unit": "so-y-te", "deadline": day, "reason": "Sáp nhập phòng ban"}, format="json",
                    headers=headers)


def test_an_extension_based_on_an_own_deadline_changed_since_is_refused(
    admin_api: APIClient, cycle: Any, assessment: Any
) -> None:
    # given the tag of the unit's own deadline as the cycle's page carries it (none yet)
    read = f'"{own_deadline_version(assessment)}"'
    # when a colleague extends it first, with that tag
    first = _extend(admin_api, "2030-02-27", **{"If-Match": read})
    assert first.status_code == 200, first.json()
    assessment.refresh_from_db()
    assert first.headers["ETag"] == f'"{own_deadline_version(assessment)}"' != read
    entries = AuditEntry.objects.filter(action="assessment.extend_deadline").count()
    # then a change based on the deadline read before is refused, nothing saved, the stored one given
    stale = _extend(admin_api, "2030-02-28", **{"If-Match": read})
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale" and stale.json()["current"]["deadline_override"] is not None
    assert stale.headers["ETag"] == first.headers["ETag"]
    assessment.refresh_from_db()
    assert timezone.localtime(assessment.deadline_override).date() == date(2030, 2, 27)
    assert AuditEntry.objects.filter(action="assessment.extend_deadline").count() == entries
    # and one based on the deadline stored now is saved
    fresh = _extend(admin_api, "2030-02-28", **{"If-Match": stale.headers["ETag"]})
    assert fresh.status_code == 200, fresh.json()
    assessment.refresh_from_db()
    assert timezone.localtime(assessment.deadline_override).date() == date(2030, 2, 28)


def test_without_if_match_the_last_change_wins(admin_api: APIClient, cycle: Any, assessment: Any) -> None:
    assert _extend(admin_api, "2030-02-27").status_code == 200
    assert _extend(admin_api, "2030-02-28").status_code == 200
    assessment.refresh_from_db()
    assert timezone.localtime(assessment.deadline_override).date() == date(2030, 2, 28)


def test_the_own_deadlines_etag_is_read_before_the_first_change(
    admin_api: APIClient, cycle: Any, assessment: Any
) -> None:
    # given a unit with no own deadline yet, read through the API
    read = admin_api.get(URL, {"unit": "so-y-te"})
    assert read.status_code == 200, read.json()
    assert read.json()["id"] == assessment.pk and read.json()["deadline_override"] is None
    assert read.headers["ETag"] == f'"{own_deadline_version(assessment)}"'
    # when a colleague extends it, then a change is sent with the tag read
    assert _extend(admin_api, "2030-02-27").status_code == 200
    stale = _extend(admin_api, "2030-02-28", **{"If-Match": read.headers["ETag"]})
    # then it is refused, and a new read gives the tag that is accepted
    assert stale.status_code == 412
    again = admin_api.get(URL, {"unit": "so-y-te"})
    assert again.headers["ETag"] == stale.headers["ETag"] != read.headers["ETag"]
    assert _extend(admin_api, "2030-02-28", **{"If-Match": again.headers["ETag"]}).status_code == 200


def test_reading_an_own_deadline_names_a_missing_or_absent_unit_and_is_for_administrators(
    admin_api: APIClient, cycle: Any, assessment: Any, lead: Any
) -> None:
    missing = admin_api.get(URL)
    assert missing.status_code == 400 and missing.json()["fields"].keys() == {"unit"}
    assert admin_api.get(URL, {"unit": "khong-co"}).status_code == 400
    absent = admin_api.get(URL, {"unit": "so-tai-chinh"})
    assert absent.status_code == 400 and "không tham gia kỳ đánh giá năm 2020" in str(absent.json()["fields"]["unit"])
    assert admin_api.get("/api/v1/cycles/1999/extensions/", {"unit": "so-y-te"}).status_code == 404
    other = APIClient()
    other.force_login(lead)
    assert other.get(URL, {"unit": "so-y-te"}).status_code == 403
