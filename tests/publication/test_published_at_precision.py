"""A publication's moment is kept at whole milliseconds, the precision a backup keeps (`manage.py backup` writes
the database with Django's JSON serializer, which writes date-times to the millisecond): a restored copy then
serves the same open-data JSON, byte for byte, as the original."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import serializers
from django.utils import timezone

from scoring.models import Publication
from scoring.publication.services import cycle_publish
from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock_with_microseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock as a server reads it, to the microsecond (…03.341810), whatever the test machine's clock gives."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now().replace(microsecond=341810))


def test_a_new_publications_moment_is_at_whole_milliseconds(signed_cycle: Any, admin_user: Any,
                                                            clock_with_microseconds: None) -> None:
    # when
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 4567/UBND-NC",
                                document_date=DOC_DATE, actor=admin_user)
    # then, as returned and as stored
    assert publication.published_at.microsecond == 341000
    stored = Publication.objects.get(pk=publication.pk).published_at
    assert stored.microsecond % 1000 == 0 and stored == publication.published_at


def test_a_publications_moment_survives_the_backups_serializer_exactly(signed_cycle: Any, admin_user: Any,
                                                                        clock_with_microseconds: None) -> None:
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 4567/UBND-NC",
                                document_date=DOC_DATE, actor=admin_user)
    stored = Publication.objects.get(pk=publication.pk)
    # the database file of a backup, read back as a restore reads it
    text = serializers.serialize("json", [stored])
    [restored] = list(serializers.deserialize("json", text))
    assert restored.object.published_at == stored.published_at
    assert restored.object.published_at.tzinfo is not None
    assert stored.published_at - restored.object.published_at == datetime.timedelta(0)
