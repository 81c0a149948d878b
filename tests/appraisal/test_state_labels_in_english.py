"""The assessment states read naturally in English («Status: Explanation requested», not «Status: Explaining»),
«Self-assessment in progress» rather than «Self-assessing»."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.models import Assessment

pytestmark = pytest.mark.django_db

ENGLISH = {
    Assessment.State.DRAFT: "Self-assessment in progress",
    Assessment.State.SUBMITTED: "Submitted",
    Assessment.State.IN_APPRAISAL: "Under appraisal",
    Assessment.State.EXPLANATION: "Explanation requested",
    Assessment.State.SIGNED_OFF: "Approved",
}


def test_each_state_has_its_english_label() -> None:
    with translation.override("en"):
        assert {state: str(state.label) for state in Assessment.State} == ENGLISH


def test_the_english_queue_offers_the_states_by_their_english_labels(
    client: Client, submitted: Any, lead: Any,
) -> None:
    client.force_login(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("appraisal:queue")).content.decode()
    assert '<option value="explanation">Explanation requested</option>' in body
    assert "Explaining" not in body
