"""The «Quyết định công bố» is dated on or after the results it announces were settled (signed off and computed,
as a day in the province) and not after today; a correction's on or after the latest change it publishes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.errors import ValidationFailed
from scoring.models import Assessment, Cycle, IndexResult, Publication, ScoreLine
from scoring.publication.services import cycle_publish

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NUMBER = "Quyết định số 123/QĐ-UBND"


def _at(day: int, hour: int = 9, minute: int = 0, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2020, month, day, hour, minute, tzinfo=HCM)


def _settled(cycle: Cycle, unit_code: str | None, *, signed_off: datetime.datetime,
             computed: datetime.datetime | None = None) -> None:
    """Date the sign-off and the result's computation of one unit (every unit when `unit_code` is None)."""
    assessments = Assessment.objects.filter(cycle=cycle)
    if unit_code is not None:
        assessments = assessments.filter(unit__code=unit_code)
    assessments.update(signed_off_at=signed_off)
    IndexResult.objects.filter(assessment__in=assessments).update(computed_at=computed or signed_off)


@pytest.fixture
def settled(signed_cycle: Cycle) -> Cycle:
    """The four departments signed off on 1/12/2020, Sở Y tế last, on 10/12/2020 at 9:00 in the province."""
    _settled(signed_cycle, None, signed_off=_at(1))
    _settled(signed_cycle, "so-y-te", signed_off=_at(10))
    return signed_cycle


def _publish(cycle: Cycle, actor: Any, date: datetime.date, **extra: Any) -> Publication:
    return cycle_publish(cycle=cycle, document_number=NUMBER, document_date=date, actor=actor, **extra)


def _change_a_score(cycle: Cycle, *, on: datetime.datetime, unit_code: str = "so-y-te") -> None:
    """A re-appraisal of 1.1.1 (+1) signed off again and recomputed at `on`."""
    from scoring.services import index_result_recompute

    line = ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code, indicator__code="1.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("1"))
    IndexResult.objects.filter(assessment_id=line.assessment_id).update(stale=True)
    index_result_recompute(assessment_id=line.assessment_id)
    _settled(cycle, unit_code, signed_off=on)


# --- the service ----------------------------------------------------------------------------------------------


def test_a_decision_dated_before_the_last_sign_off_is_refused_naming_that_day(settled: Cycle, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, datetime.date(2020, 12, 9))
    assert err.value.code == "document_date_before_results"
    said = err.value.details["document_date"]
    assert "09/12/2020" in said and "10/12/2020" in said and "Sở Y tế" in said
    assert str(err.value.message) == said
    assert not Publication.objects.exists()
    assert Cycle.objects.get(pk=settled.pk).phase == Cycle.Phase.FINALISATION


def test_a_decision_dated_the_day_of_the_last_sign_off_is_accepted(settled: Cycle, admin_user: Any) -> None:
    _settled(settled, "so-y-te", signed_off=_at(10, 23, 59))
    publication = _publish(settled, admin_user, datetime.date(2020, 12, 10))
    assert publication.revision == 1 and publication.document_date == datetime.date(2020, 12, 10)


def test_the_sign_off_day_is_the_day_in_the_province(signed_cycle: Cycle, admin_user: Any) -> None:
    # 9/12 at 18:00 UTC is already 10/12 at 1:00 in Việt Nam
    _settled(signed_cycle, None, signed_off=datetime.datetime(2020, 12, 9, 18, 0, tzinfo=datetime.UTC))
    with pytest.raises(ValidationFailed) as err:
        _publish(signed_cycle, admin_user, datetime.date(2020, 12, 9))
    assert "10/12/2020" in err.value.details["document_date"]
    assert _publish(signed_cycle, admin_user, datetime.date(2020, 12, 10)).revision == 1


def test_a_result_computed_after_its_sign_off_bounds_the_date_by_its_computation(
    settled: Cycle, admin_user: Any
) -> None:
    # signed off late on 10/12, its figures computed (by the worker) after midnight: they exist from 11/12 only
    _settled(settled, "so-y-te", signed_off=_at(10, 23, 59), computed=_at(11, 0, 1))
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, datetime.date(2020, 12, 10))
    assert "11/12/2020" in err.value.details["document_date"]
    assert _publish(settled, admin_user, datetime.date(2020, 12, 11)).revision == 1


def test_a_decision_dated_after_today_in_the_province_is_refused(settled: Cycle, admin_user: Any) -> None:
    # guards behaviour that must not change (refused before this work too)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, tomorrow)
    assert f"{tomorrow:%d/%m/%Y}" in err.value.details["document_date"]
    assert not Publication.objects.exists()


def test_a_correction_is_bounded_by_the_latest_change_it_publishes(settled: Cycle, admin_user: Any) -> None:
    _publish(settled, admin_user, datetime.date(2020, 12, 10))
    _change_a_score(settled, on=_at(15))
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, datetime.date(2020, 12, 14), reason="Sai điểm 1.1.1 của Sở Y tế")
    said = err.value.details["document_date"]
    assert err.value.code == "document_date_before_results"
    assert "14/12/2020" in said and "15/12/2020" in said and "Sở Y tế" in said
    assert Publication.objects.count() == 1
    corrected = _publish(settled, admin_user, datetime.date(2020, 12, 15), reason="Sai điểm 1.1.1 của Sở Y tế")
    assert corrected.revision == 2


def test_a_correction_is_not_bounded_by_a_sign_off_that_changes_nothing_it_publishes(
    settled: Cycle, admin_user: Any
) -> None:
    _publish(settled, admin_user, datetime.date(2020, 12, 10))
    _change_a_score(settled, on=_at(15))
    # Sở Tư pháp reopened and signed off again on 20/12 with the same figures: the correction does not publish it
    _settled(settled, "so-tu-phap", signed_off=_at(20))
    corrected = _publish(settled, admin_user, datetime.date(2020, 12, 15), reason="Sai điểm 1.1.1 của Sở Y tế")
    assert corrected.revision == 2


def test_a_document_only_correction_is_bounded_by_the_revision_it_corrects(settled: Cycle, admin_user: Any) -> None:
    # guards behaviour that must not change: a correction publishing no change is bounded by its revision only
    _publish(settled, admin_user, datetime.date(2020, 12, 12))
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, datetime.date(2020, 12, 11), reason="Sai số", document_only=True)
    assert "12/12/2020" in err.value.details["document_date"]
    corrected = cycle_publish(cycle=settled, document_number="Quyết định số 124/QĐ-UBND", reason="Sai số",
                              document_date=datetime.date(2020, 12, 12), actor=admin_user, document_only=True)
    assert corrected.revision == 2


# --- the page and the API -------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_publish_page_refuses_a_decision_dated_before_the_last_sign_off(settled: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/",
                                        {"confirmed": "on", "document_number": NUMBER, "document_date": "09/12/2020"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["document_date"]
    assert "10/12/2020" in errors["document_date"][0]
    assert "10/12/2020" in response.content.decode()
    assert not Publication.objects.exists()
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/",
                                        {"confirmed": "on", "document_number": NUMBER, "document_date": "10/12/2020"})
    assert response.status_code == 302
    assert Publication.objects.get().document_date == datetime.date(2020, 12, 10)


def test_the_publish_page_refuses_a_decision_dated_after_today(settled: Cycle, admin_user: Any) -> None:
    # guards behaviour that must not change
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/",
                                        {"confirmed": "on",
                                            "document_number": NUMBER, "document_date": f"{tomorrow:%d/%m/%Y}"})
    assert response.status_code == 400
    assert "chưa tới" in response.context["form"].errors["document_date"][0]
    assert not Publication.objects.exists()


def test_the_api_refuses_a_decision_dated_before_the_last_sign_off_with_a_code(
    settled: Cycle, admin_user: Any
) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/",
                        {"document_number": NUMBER, "document_date": "09/12/2020"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "document_date_before_results"
    assert "10/12/2020" in body["message"] and body["fields"]["document_date"] == [body["message"]]
    assert not Publication.objects.exists()
    response = api.post("/api/v1/publications/2020/publish/",
                        {"document_number": NUMBER, "document_date": "2020-12-10"}, format="json")
    assert response.status_code == 201, response.json()


def test_the_api_refuses_a_decision_dated_after_today(settled: Cycle, admin_user: Any) -> None:
    # guards behaviour that must not change
    api = APIClient()
    api.force_login(admin_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api.post("/api/v1/publications/2020/publish/",
                        {"document_number": NUMBER, "document_date": tomorrow.isoformat()}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_publication"
    assert "document_date" in response.json()["fields"]
    assert not Publication.objects.exists()
