"""What the administration pages show: numbers as typed (never 1E+2), the audit log in Vietnamese words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import SetMetaForm, _display_number
from scoring.models import Assessment, AuditEntry, IndicatorSet

pytestmark = pytest.mark.django_db


def test_numbers_are_shown_without_an_exponent() -> None:
    assert _display_number(Decimal("100").normalize()) == "100"
    assert _display_number(Decimal("1E+3")) == "1000"
    assert _display_number(Decimal("0.50")) == "0,5"
    assert _display_number(Decimal("-0.25")) == "-0,25"
    assert _display_number("90") == "90"
    assert _display_number(None) == ""


def test_the_sets_form_shows_its_standard_as_typed(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    IndicatorSet.objects.filter(pk=small_set.pk).update(standard_max=Decimal("100.00"))
    small_set.refresh_from_db()
    assert SetMetaForm.initial_for(small_set)["standard_max"] == "100"
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_detail", args=[small_set.pk])).content.decode()
    assert 'name="standard_max" value="100"' in page and "1E+2" not in page


def test_the_audit_pages_name_actions_and_objects_in_vietnamese_and_keep_the_code_in_a_title(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    services.assessment_extend_deadline(
        assessment=assessment, deadline=timezone.now() + timedelta(days=9), reason="Gia hạn", actor=admin_user
    )
    AuditEntry.objects.create(actor=admin_user, action="something.new", object_type="Gadget", object_id="7")
    client.force_login(admin_user)
    for url in (reverse("administration:index"), reverse("administration:audit_list")):
        page = client.get(url).content.decode()
        assert "Gia hạn tự đánh giá" in page and 'title="assessment.extend_deadline"' in page, url
        assert "Bản đánh giá SYT · 2020" in page, url  # the object by its unit and year, not its id
        assert "something.new" in page and "Gadget #7" in page, url  # unknown codes shown as recorded
    listing = client.get(reverse("administration:audit_list"))
    options = dict(listing.context["object_types"])
    assert options["Assessment"] == "Bản đánh giá" and options["Cycle"] == "Kỳ đánh giá"
    assert options["Gadget"] == "Gadget"
    assert '<option value="Cycle">Kỳ đánh giá</option>' in listing.content.decode()
    filtered = client.get(reverse("administration:audit_list"), {"object_type": "Assessment"})
    assert {e.object_type for e in filtered.context["page"].object_list} == {"Assessment"}
