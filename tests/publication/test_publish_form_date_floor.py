"""The publish page states the earliest date the document may bear before the form is sent: the day the latest result
it publishes was signed off and computed, naming that unit (or, for a correction, the date of the revision corrected
when that is later), and sets the date field's `min` to it. The page asks the rule the publish service applies
(`services.publish_form_context` / `results_date_floor`), so the date it states is the one the service accepts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from scoring.errors import ValidationFailed
from scoring.models import Assessment, Cycle, IndexResult, Publication, ScoreLine
from scoring.publication import services
from scoring.publication.services import cycle_publish

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE = "/ket-qua/quan-ly/2020/"
NUMBER = "Quyết định số 123/QĐ-UBND"


def _at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2020, 12, day, hour, 0, tzinfo=HCM)


def _settle(cycle: Cycle, unit_code: str | None, on: datetime.datetime) -> None:
    assessments = Assessment.objects.filter(cycle=cycle)
    if unit_code is not None:
        assessments = assessments.filter(unit__code=unit_code)
    assessments.update(signed_off_at=on)
    IndexResult.objects.filter(assessment__in=assessments).update(computed_at=on)


@pytest.fixture
def settled(signed_cycle: Cycle) -> Cycle:
    """The four departments signed off on 1/12/2020, Sở Tư pháp last, on 10/12/2020."""
    _settle(signed_cycle, None, _at(1))
    _settle(signed_cycle, "so-tu-phap", _at(10))
    return signed_cycle


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _date_field(page: str) -> tuple[str, str]:
    """(the date field's label, its input) on the publish form."""
    label = re.search(r'<label for="id_document_date">.*?</label>', page, re.S)
    field = re.search(r'<input[^>]*id="id_document_date"[^>]*>', page)
    assert label and field, "no date field on the publish form"
    return label.group(0), field.group(0)


def _publish(cycle: Cycle, actor: Any, date: datetime.date, **extra: Any) -> Publication:
    return cycle_publish(cycle=cycle, document_number=NUMBER, document_date=date, actor=actor, **extra)


def test_the_publish_form_states_the_earliest_date_and_the_unit_settled_last(settled: Cycle, admin_user: Any) -> None:
    page = _client(admin_user).get(PAGE).content.decode()
    label, field = _date_field(page)
    assert ("Ngày văn bản không được trước ngày 10/12/2020 (ngày ký duyệt/tính kết quả muộn nhất: Sở Tư pháp)."
            in label)
    assert 'min="2020-12-10"' in field


def test_the_date_the_form_states_is_the_first_the_service_accepts(settled: Cycle, admin_user: Any) -> None:
    floor = services.publish_form_context(cycle=settled).floor
    assert floor is not None and (floor.day, floor.unit_name) == (datetime.date(2020, 12, 10), "Sở Tư pháp")
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, floor.day - datetime.timedelta(days=1))
    assert err.value.code == "document_date_before_results"
    assert "10/12/2020" in err.value.details["document_date"] and "Sở Tư pháp" in err.value.details["document_date"]
    assert _publish(settled, admin_user, floor.day).revision == 1


def test_a_refused_form_still_states_the_earliest_date(settled: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post(PAGE + "cong-bo/", {"confirmed": "on",
        "document_number": NUMBER, "document_date": "09/12/2020"})
    assert response.status_code == 400 and not Publication.objects.exists()
    label, field = _date_field(response.content.decode())
    assert "không được trước ngày 10/12/2020" in label and 'min="2020-12-10"' in field
    assert 'value="09/12/2020"' in field  # what was typed is kept


def test_a_correction_form_states_the_latest_change_it_publishes(settled: Cycle, admin_user: Any) -> None:
    _publish(settled, admin_user, datetime.date(2020, 12, 10))
    # Sở Y tế re-appraised (1.1.1 +1), signed off again and recomputed on 15/12
    line = ScoreLine.objects.get(assessment__cycle=settled, assessment__unit__code="so-y-te", indicator__code="1.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("1"))
    IndexResult.objects.filter(assessment_id=line.assessment_id).update(stale=True)
    from scoring.services import index_result_recompute

    index_result_recompute(assessment_id=line.assessment_id)
    _settle(settled, "so-y-te", _at(15))
    label, field = _date_field(_client(admin_user).get(PAGE).content.decode())
    assert ("Ngày văn bản không được trước ngày 15/12/2020 (ngày ký duyệt/tính kết quả muộn nhất: Sở Y tế)."
            in label)
    assert 'min="2020-12-15"' in field
    floor = services.publish_form_context(cycle=settled).floor
    assert floor is not None
    with pytest.raises(ValidationFailed) as err:
        _publish(settled, admin_user, floor.day - datetime.timedelta(days=1), reason="Sai điểm 1.1.1 của Sở Y tế")
    assert err.value.code == "document_date_before_results"
    assert _publish(settled, admin_user, floor.day, reason="Sai điểm 1.1.1 của Sở Y tế").revision == 2


def test_a_correction_of_the_document_only_is_bounded_by_the_revision_it_corrects(
    settled: Cycle, admin_user: Any
) -> None:
    _publish(settled, admin_user, datetime.date(2020, 12, 12))
    # a unit signed off again later without any change of its figures: it publishes nothing anew
    _settle(settled, "so-y-te", _at(20))
    floor = services.publish_form_context(cycle=settled).floor
    assert floor is not None and (floor.day, floor.revision, floor.unit_name) == (datetime.date(2020, 12, 12), 1, "")
    label, field = _date_field(_client(admin_user).get(PAGE).content.decode())
    assert "Ngày văn bản không được trước ngày 12/12/2020 (ngày văn bản của lần công bố 1)." in label
    assert 'min="2020-12-12"' in field
    # the service takes that day, for a correction of the document's information
    fixed = cycle_publish(cycle=settled, document_number="Quyết định số 124/QĐ-UBND", document_date=floor.day,
                          actor=admin_user, reason="Sai số văn bản", document_only=True)
    assert fixed.revision == 2 and fixed.snapshot["document_only"] is True


def test_a_cycle_without_results_states_no_earliest_date(cycle: Cycle, admin_user: Any) -> None:
    # guards behaviour that must not change: nothing to publish, no bound, no `min`
    page = _client(admin_user).get(PAGE).content.decode()
    label, field = _date_field(page)
    assert "không được trước ngày" not in label and "min=" not in field


def test_the_form_tells_the_units_a_correction_changes_as_publishing_does(settled: Cycle, admin_user: Any) -> None:
    """The form reads the per-criterion scores of the units settled since the publication only; the units it finds
    are those publishing finds reading them all: a criterion changed with the same totals, and not a unit signed
    off again with nothing changed."""
    from scoring.publication.services import _units_changed_since, _units_published_anew, snapshot_build

    _publish(settled, admin_user, datetime.date(2020, 12, 10))
    current = Publication.objects.get(cycle=settled)
    # Sở Y tế: a criterion's appraised score changed, its row (totals) left as it was; Sở Tư pháp: signed off again
    # after the publication, nothing changed; both settled on the 15th (after the publication)
    line = ScoreLine.objects.get(assessment__cycle=settled, assessment__unit__code="so-y-te", indicator__code="1.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=(line.appraised_score or Decimal("0")) + 1)
    _settle(settled, "so-y-te", timezone_now())
    _settle(settled, "so-tu-phap", timezone_now())

    snapshot, scores = snapshot_build(cycle=settled)
    expected = _units_published_anew(current, snapshot, scores)
    assert expected == {"so-y-te"}
    assert _units_changed_since(current, snapshot_build(cycle=settled, with_scores=False)[0], cycle=settled) == expected


def timezone_now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


@pytest.mark.parametrize("last", ["so-y-te", "so-tu-phap", "so-cong-thuong", "so-xay-dung"])
def test_the_unit_named_is_the_one_settled_last_by_time_on_the_latest_day(
    signed_cycle: Cycle, admin_user: Any, last: str
) -> None:
    # given: every unit settled on 10/12/2020, `last` 25 minutes after the others
    _settle(signed_cycle, None, _at(10, 9))
    _settle(signed_cycle, last, _at(10, 9).replace(minute=25))
    name = Assessment.objects.get(cycle=signed_cycle, unit__code=last).unit.name
    # when / then: the service's floor and the page name that unit
    floor = services.publish_form_context(cycle=signed_cycle).floor
    assert floor is not None and (floor.day, floor.unit_name) == (datetime.date(2020, 12, 10), name)
    label, _field = _date_field(_client(admin_user).get(PAGE).content.decode())
    assert f"(ngày ký duyệt/tính kết quả muộn nhất: {name})." in label
