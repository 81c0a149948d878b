"""The open-data JSON writes the publication's moment in the province's time zone, with its offset."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.fields import DateTimeField

from scoring.models import Publication
from scoring.publication.exports import open_data

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2020, 12, 8, 9, 0, tzinfo=datetime.UTC)  # 16:00 in Hà Nội


def test_results_json_writes_published_at_in_vietnam_time_with_its_offset(publication: Publication) -> None:
    # given a publication made at 09:00 UTC
    Publication.objects.filter(pk=publication.pk).update(published_at=MOMENT)
    # when
    body = json.loads(Client().get("/ket-qua/2020/ket-qua.json").content)
    # then the same moment, written as the API writes every date-time
    stamp = body["publication"]["published_at"]
    assert stamp == "2020-12-08T16:00:00+07:00"
    assert datetime.datetime.fromisoformat(stamp) == MOMENT
    assert stamp == DateTimeField().to_representation(MOMENT)


def test_results_json_keeps_the_sites_time_zone_whatever_zone_is_active(publication: Publication) -> None:
    publication.published_at = MOMENT
    with timezone.override("UTC"):
        assert open_data(publication)["publication"]["published_at"] == "2020-12-08T16:00:00+07:00"
