"""Notifications are official mail to Vietnamese units: written in Vietnamese whatever the language of the page whose
action sends them (an account has no language of its own; the interface's language is a cookie of the browser)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from appraisal.models import Notification
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, refresh

pytestmark = pytest.mark.django_db


def test_a_sign_off_made_on_an_english_page_notifies_the_unit_in_vietnamese(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # guards behaviour that must not change: the e-mail keeps the site's language
    # given a lead working in English on a fully appraised assessment
    appraise_all(submitted, lead)
    unit_editor.email = "lan@soyte.example"
    unit_editor.save(update_fields=["email"])
    client.force_login(lead)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    # when they sign it off from the page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appraisal:sign_off", args=[submitted.pk]))
    assert response.status_code == 302
    assert refresh(submitted).state == Assessment.State.SIGNED_OFF
    # then the unit's people are told in Vietnamese, though the English catalogue has these texts
    notification = Notification.objects.get(kind=Notification.Kind.SIGNED_OFF, recipient=unit_editor)
    assert notification.subject.startswith("[CCHC] Kết quả thẩm định Chỉ số CCHC năm 2020 của Sở Y tế")
    assert notification.body.startswith("Kính gửi Sở Y tế,") and "Dear" not in notification.body
    assert [m.subject for m in mail.outbox if m.to == ["lan@soyte.example"]] == [notification.subject]
