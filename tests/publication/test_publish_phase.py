"""Publishing follows the cycle's phases: a year's results are published from «Hoàn thiện kết quả», never while
the units self-score or the team appraises; a correction is a later revision, published while the cycle is
«Đã công bố» (or taken back to «Hoàn thiện kết quả»)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.errors import StateConflict
from scoring.models import AuditEntry, Cycle, Publication
from scoring.publication.services import cycle_publish, publication_blockers
from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

NUMBER = "Công văn số 4567/UBND-NC"


def _in_phase(cycle: Cycle, phase: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase)
    cycle.phase = phase
    return cycle


@pytest.mark.parametrize("phase", [Cycle.Phase.SETUP, Cycle.Phase.SELF_ASSESSMENT, Cycle.Phase.APPRAISAL,
                                   Cycle.Phase.EXPLANATION])
def test_publishing_before_the_finalisation_phase_is_refused_and_changes_nothing(
    signed_cycle: Cycle, admin_user: Any, phase: str
) -> None:
    # given every unit signed off, but the cycle still before «Hoàn thiện kết quả»
    cycle = _in_phase(signed_cycle, phase)
    entries = AuditEntry.objects.count()
    # when
    with pytest.raises(StateConflict) as refused:
        cycle_publish(cycle=cycle, document_number=NUMBER, document_date=DOC_DATE, actor=admin_user)
    # then
    assert refused.value.code == "phase_not_publishable"
    assert f"«{Cycle.Phase(phase).label}»" in str(refused.value.message)
    assert "«Hoàn thiện kết quả»" in str(refused.value.message)
    assert not Publication.objects.exists()
    assert Cycle.objects.get(pk=cycle.pk).phase == phase
    assert AuditEntry.objects.count() == entries


def test_the_phase_is_the_first_blocker_and_the_signed_off_units_are_not_blamed(signed_cycle: Cycle) -> None:
    cycle = _in_phase(signed_cycle, Cycle.Phase.APPRAISAL)
    [blocker] = publication_blockers(cycle=cycle)
    assert blocker.startswith("Kỳ đánh giá đang ở giai đoạn «Thẩm định»")
    assert publication_blockers(cycle=_in_phase(cycle, Cycle.Phase.FINALISATION)) == []


def test_the_publish_page_lists_the_phase_with_a_link_to_the_cycle_page(signed_cycle: Cycle, admin_user: Any) -> None:
    cycle = _in_phase(signed_cycle, Cycle.Phase.SELF_ASSESSMENT)
    client = Client()
    client.force_login(admin_user)
    html = client.get(reverse("publication:manage", args=[2020])).content.decode()
    blocker = html.split('data-blocker="phase">')[1].split("</p>")[0]
    assert "Kỳ đánh giá đang ở giai đoạn «Tự đánh giá»" in blocker
    assert f'href="{reverse("administration:cycle_detail", args=[cycle.pk])}"' in blocker
    assert "<button type=\"submit\" disabled>" in html
    # a form sent anyway is refused, with the message on the page, and nothing is published
    response = client.post(reverse("publication:publish", args=[2020]),
                           {"confirmed": "on", "document_number": NUMBER, "document_date": "08/12/2020"})
    assert response.status_code == 409
    assert "Kỳ đánh giá đang ở giai đoạn «Tự đánh giá»" in response.content.decode()
    assert not Publication.objects.exists()
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.SELF_ASSESSMENT


def test_the_first_publication_from_finalisation_opens_the_published_phase(signed_cycle: Cycle,
                                                                            admin_user: Any) -> None:
    publication = cycle_publish(cycle=signed_cycle, document_number=NUMBER, document_date=DOC_DATE, actor=admin_user)
    assert publication.revision == 1
    assert Cycle.objects.get(pk=signed_cycle.pk).phase == Cycle.Phase.PUBLISHED


@pytest.mark.parametrize("phase", [Cycle.Phase.PUBLISHED, Cycle.Phase.FINALISATION])
def test_a_correction_is_published_while_the_cycle_is_published_or_back_in_finalisation(
    publication: Publication, admin_user: Any, phase: str
) -> None:
    cycle = _in_phase(publication.cycle, phase)
    corrected = cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND-NC", document_date=DOC_DATE,
                              reason="Sai số văn bản", actor=admin_user, document_only=True)
    assert corrected.revision == 2
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.PUBLISHED


def test_the_publish_page_title_is_its_name_and_year_only(signed_cycle: Cycle, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    html = client.get(reverse("publication:manage", args=[2020])).content.decode()
    assert html.split("<title>")[1].split("</title>")[0] == "Công bố kết quả 2020 · CCHC"
