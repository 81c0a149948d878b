"""A set's key is lowercase: one typed in capitals is lowered, and a key differing only in case is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def test_a_key_differing_only_in_case_is_refused(small_set: IndicatorSet, admin_user: Any) -> None:
    services.indicator_set_clone(source=small_set, key="tg-2020-so", year=2021, actor=admin_user)
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_set_clone(source=small_set, key="TG-2020-SO", year=2021, actor=admin_user)
    assert refused.value.code == "duplicate_key"
    assert IndicatorSet.objects.filter(key__iexact="tg-2020-so").count() == 1


def test_a_key_typed_in_capitals_is_stored_lowercase(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    clone = services.indicator_set_clone(source=small_set, key="TG-2021-So", year=2021, actor=admin_user)
    assert clone.key == "tg-2021-so"
    client.force_login(admin_user)
    client.post(reverse("administration:set_clone", args=[small_set.pk]), {"key": "TG-2021-SO", "year": "2021"})
    assert IndicatorSet.objects.filter(key__iexact="tg-2021-so").count() == 1
