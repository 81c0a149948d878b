"""The demo's accounts share a password printed in the README (one of them an administrator): production mode
refuses to load them unless asked in so many words."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from scoring.models import Cycle, Unit

pytestmark = pytest.mark.django_db


def test_the_demo_is_refused_in_production_mode_and_nothing_is_created(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError) as info:
        call_command("load_demo", stdout=StringIO())
    assert "production" in str(info.value) and "createsuperuser" in str(info.value)
    assert "--allow-production" in str(info.value)
    assert not get_user_model().objects.filter(username="quantri").exists()
    assert Unit.objects.count() == 0 and Cycle.objects.count() == 0


def test_the_demo_loads_in_debug_mode_without_the_flag(settings: Any) -> None:
    settings.DEBUG = True
    call_command("load_demo", "--no-scores", "--quiet-credentials", stdout=StringIO())
    assert get_user_model().objects.get(username="quantri").is_superuser
