"""The publish page's blockers: counted in the page's language with its plural forms, and each unit's blocker
linked to where it is resolved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from scoring.errors import StateConflict
from scoring.models import Assessment, Cycle, IndexResult, Unit
from scoring.publication.services import cycle_publish, publication_unit_blockers
from scoring.services import assessment_transition, assessments_open
from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

NOT_READY = "Chưa thể công bố: %(n)s đơn vị chưa có kết quả cuối cùng."


@pytest.fixture
def english_plurals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The translator's entries for the counted message (locale/ is translated later)."""
    english = trans_real.translation("en")
    entries = {(NOT_READY, 0): "Cannot publish yet: %(n)s unit does not have a final result.",
               (NOT_READY, 1): "Cannot publish yet: %(n)s units do not have a final result."}
    real = english.ngettext

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = entries.get((singular, english.plural(n)))
        return found if found is not None else real(singular, plural, n)

    monkeypatch.setattr(english, "ngettext", ngettext)


def _open(cycle: Cycle, code: str) -> Assessment:
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]


def _refusal(cycle: Cycle, admin_user: Any) -> StateConflict:
    with pytest.raises(StateConflict) as caught:
        cycle_publish(cycle=cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE, actor=admin_user)
    return caught.value


def test_the_count_of_units_not_ready_takes_the_singular_or_the_plural_in_english(
    signed_cycle: Cycle, admin_user: Any, english_plurals: None
) -> None:
    _open(signed_cycle, "so-tai-chinh")
    with translation.override("en"):
        one = _refusal(signed_cycle, admin_user)
        assert one.message == "Cannot publish yet: 1 unit does not have a final result."
        _open(signed_cycle, "so-noi-vu")
        two = _refusal(signed_cycle, admin_user)
        assert two.message == "Cannot publish yet: 2 units do not have a final result."
    assert len(two.details) == 2 and all(type(d) is str for d in two.details)
    # in Vietnamese, one form
    assert _refusal(signed_cycle, admin_user).message == NOT_READY % {"n": 2}


def test_a_cycle_without_any_assessment_says_so_not_a_count(cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.FINALISATION)
    cycle.refresh_from_db()
    refusal = _refusal(cycle, admin_user)
    assert refusal.message == "Kỳ đánh giá chưa có kết quả nào để công bố."


def test_each_units_blocker_links_to_where_it_is_resolved(signed_cycle: Cycle, admin_user: Any) -> None:
    # given: a draft, a submitted assessment and a signed-off one whose result waits for a recompute
    draft = _open(signed_cycle, "so-tai-chinh")
    submitted = _open(signed_cycle, "so-noi-vu")
    Assessment.objects.filter(pk=submitted.pk).update(state=Assessment.State.SUBMITTED)
    stale = Assessment.objects.get(cycle=signed_cycle, unit__code="so-y-te")
    IndexResult.objects.filter(assessment=stale).update(stale=True)
    client = Client()
    client.force_login(admin_user)
    # when
    html = client.get(f"/ket-qua/quan-ly/{signed_cycle.year}/").content.decode()
    # then
    draft_url = (f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/?trang_thai=draft&amp;q=so-tai-chinh"
                 f"#participant-{draft.pk}")
    assert f'<a href="{draft_url}">Sở Tài chính: chưa được thông qua (Đang tự đánh giá).</a>' in html
    assert f'<a href="/tham-dinh/{submitted.pk}/">Sở Nội vụ: chưa được thông qua (Đã gửi).</a>' in html
    assert f'<a href="/tham-dinh/{stale.pk}/ket-qua/">Sở Y tế: kết quả đang chờ tính lại.</a>' in html
    # the phase blocker's link is kept
    Cycle.objects.filter(pk=signed_cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    html = client.get(f"/ket-qua/quan-ly/{signed_cycle.year}/").content.decode()
    assert 'data-blocker="phase"' in html and f'href="/quan-ly/ky-danh-gia/{signed_cycle.pk}/"' in html
    # and the pages linked to are open to the administrator
    for url in (f"/tham-dinh/{submitted.pk}/", f"/tham-dinh/{stale.pk}/ket-qua/",
                f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/?trang_thai=draft&q=so-tai-chinh"):
        assert client.get(url).status_code == 200, url


def test_the_blockers_stay_plain_messages_for_the_api(signed_cycle: Cycle) -> None:
    draft = _open(signed_cycle, "so-tai-chinh")
    assessment_transition(assessment=draft, to_state=Assessment.State.SUBMITTED, actor=None)
    assert publication_unit_blockers(cycle=signed_cycle) == ["Sở Tài chính: chưa được thông qua (Đã gửi)."]
