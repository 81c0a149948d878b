"""A published cycle's phases: it may step back to «Hoàn thiện kết quả» (to correct a result) but no further, its
results being public; from there it returns to «Đã công bố» with its latest publication still the public one.
Page and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration.services import cycle_move_phase
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, Cycle, Publication

pytestmark = pytest.mark.django_db


def _in_phase(cycle: Cycle, phase: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase)
    cycle.phase = phase
    return cycle


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_published_cycle_steps_back_to_finalisation_but_no_further(publication: Publication,
                                                                     admin_user: Any) -> None:
    # given a published cycle
    cycle = Cycle.objects.get(pk=publication.cycle_id)
    assert cycle.phase == Cycle.Phase.PUBLISHED
    # when it steps back one phase: allowed, as before (a result is corrected there)
    cycle_move_phase(cycle=cycle, phase=Cycle.Phase.FINALISATION, actor=admin_user)
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
    entries = AuditEntry.objects.count()
    # then a further step back is refused, saying why, and changes nothing
    with pytest.raises(StateConflict) as refused:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.EXPLANATION, actor=admin_user)
    assert refused.value.code == "cycle_results_published"
    message = str(refused.value.message)
    assert "đã được công bố (lần 1, văn bản Công văn số 4567/UBND-NC)" in message
    assert "«Hoàn thiện kết quả»" in message
    assert "mở lại bản đánh giá" in message and "đính chính" in message
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
    assert AuditEntry.objects.count() == entries


def test_a_published_cycle_left_in_an_earlier_phase_may_move_forward_but_not_back(
    publication: Publication, admin_user: Any
) -> None:
    # given a published cycle stepped back to «Thẩm định» before the rule existed
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.APPRAISAL)
    with pytest.raises(StateConflict):
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.SELF_ASSESSMENT, actor=admin_user)
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.APPRAISAL
    # its way out: forward, up to «Đã công bố»
    for phase in (Cycle.Phase.EXPLANATION, Cycle.Phase.FINALISATION, Cycle.Phase.PUBLISHED):
        cycle_move_phase(cycle=cycle, phase=phase, actor=admin_user)
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.PUBLISHED


def test_a_cycle_with_a_publication_returns_to_published_keeping_its_latest_publication(
    publication: Publication, admin_user: Any
) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    cycle_move_phase(cycle=cycle, phase=Cycle.Phase.PUBLISHED, actor=admin_user)
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.PUBLISHED
    assert list(Publication.objects.filter(cycle=cycle).values_list("pk", flat=True)) == [publication.pk]
    entry = AuditEntry.objects.filter(action="cycle.phase", object_id=str(cycle.pk)).latest("pk")
    assert entry.changes == {"phase": {"old": "finalisation", "new": "published"}}


def test_a_cycle_never_published_still_opens_published_only_by_publishing(signed_cycle: Cycle,
                                                                           admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        cycle_move_phase(cycle=signed_cycle, phase=Cycle.Phase.PUBLISHED, actor=admin_user)
    assert refused.value.code == "publish_to_publish"
    assert Cycle.objects.get(pk=signed_cycle.pk).phase == Cycle.Phase.FINALISATION
    # and without a publication, it steps back past «Hoàn thiện kết quả» as before
    cycle_move_phase(cycle=signed_cycle, phase=Cycle.Phase.EXPLANATION, actor=admin_user)
    assert Cycle.objects.get(pk=signed_cycle.pk).phase == Cycle.Phase.EXPLANATION


# --- the cycle page ------------------------------------------------------------------------------------------


def test_the_cycle_page_of_a_published_cycle_in_finalisation_offers_published_not_a_step_back(
    publication: Publication, admin_user: Any
) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    page = _admin_client(admin_user).get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'name="phase" value="published"' in page
    assert 'name="phase" value="explanation"' not in page
    assert "data-no-step-back" in page and "mở lại bản đánh giá" in page
    # a correction is still published from the publication page
    assert f'href="{reverse("publication:manage", args=[cycle.year])}"' in page


def test_the_cycle_page_refuses_a_step_back_past_finalisation_and_returns_to_published(
    publication: Publication, admin_user: Any
) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    client = _admin_client(admin_user)
    url = reverse("administration:cycle_phase", args=[cycle.pk])
    entries = AuditEntry.objects.count()
    # a step back sent anyway
    refused = client.post(url, {"phase": "explanation"})
    assert refused.status_code == 302
    [(level, text)] = _messages(refused)
    assert level == "error" and "đã được công bố" in text and "đính chính" in text
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
    assert AuditEntry.objects.count() == entries
    # forward to «Đã công bố»: the latest publication stays the public one
    moved = client.post(url, {"phase": "published"})
    assert moved.status_code == 302
    level, text = _messages(moved)[-1]  # after the refusal's, not yet shown
    assert level == "success" and "«Đã công bố»" in text
    assert f"lần {publication.revision}" in text and publication.document_number in text
    assert "đính chính" in text
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.PUBLISHED
    assert Publication.objects.filter(cycle=cycle).count() == 1


def test_only_an_administrator_moves_a_published_cycle(publication: Publication, lead: Any) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    response = _admin_client(lead).post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "published"})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_refuses_a_step_back_past_finalisation_and_returns_to_published(
    publication: Publication, admin_user: Any
) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    api = APIClient()
    api.force_login(admin_user)
    url = f"/api/v1/cycles/{cycle.year}/phase/"
    refused = api.post(url, {"phase": "explanation"}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "cycle_results_published" and "đính chính" in body["message"]
    assert body["fields"]["phase"] == [body["message"]]
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
    moved = api.post(url, {"phase": "published"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["phase"] == "published"
    assert Publication.objects.filter(cycle=cycle).count() == 1


def test_the_api_refuses_a_phase_move_to_a_non_administrator(publication: Publication, lead: Any) -> None:
    cycle = _in_phase(Cycle.objects.get(pk=publication.cycle_id), Cycle.Phase.FINALISATION)
    api = APIClient()
    api.force_login(lead)
    assert api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": "published"}, format="json").status_code == 403
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
