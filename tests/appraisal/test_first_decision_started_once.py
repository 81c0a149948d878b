"""Two first decisions on an appraisal not yet started, sent at the same moment: the first starts it (the unit can no
longer withdraw), and only that one says so. The second waits for the assessment's row, then finds it started and
says nothing of a start (it said «the appraisal has started» too when the page judged by the state it read before
the save). The page's notice: test_first_decision_starts_said."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from appraisal.services import line_accept_self
from scoring.models import Assessment
from tests.appraisal.conftest import line_of, refresh
from tests.conftest import need_service

STARTED = "quyết định này bắt đầu thẩm định"


@pytest.mark.django_db
def test_the_decision_that_starts_the_appraisal_says_so_and_the_next_does_not(submitted: Any, lead: Any) -> None:
    first = line_accept_self(line=line_of(submitted, "1.1.1"), actor=lead,
                             base_version=line_of(submitted, "1.1.1").version)
    second = line_accept_self(line=line_of(submitted, "1.2.1"), actor=lead,
                              base_version=line_of(submitted, "1.2.1").version)
    assert first.started_appraisal is True and second.started_appraisal is False
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_of_two_first_decisions_at_once_only_the_first_says_it_started_the_appraisal(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # given: the lead's acceptance of a leaf of area 1, the first decision, under way in a transaction still open
    decided, release = threading.Event(), threading.Event()
    said: dict[str, Any] = {}

    def lead_decides() -> None:
        try:
            with transaction.atomic():
                line = line_of(submitted, "1.1.1")
                saved = line_accept_self(line=line, actor=lead, base_version=line.version)
                said["lead"] = getattr(saved, "started_appraisal", None)
                decided.set()
                release.wait(timeout=30)
        finally:
            decided.set()
            connection.close()

    client.force_login(appraiser)
    holder = threading.Thread(target=lead_decides)
    holder.start()
    try:
        assert decided.wait(timeout=30)
        # when: the appraiser accepts a leaf of area 2 meanwhile, from the page (the lead's commits a moment later)
        # (long enough for the page's request to have read the assessment «Đã gửi» on a loaded machine)
        threading.Timer(5.0, release.set).start()
        line = line_of(submitted, "2.1.1")
        answer = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                             {"base_version": line.version}, HTTP_ACCEPT="application/json")
    finally:
        release.set()
        holder.join(timeout=30)
    # then: both decisions saved; the lead's started the appraisal, the appraiser's says nothing of a start
    assert answer.status_code == 200, answer.content
    assert answer.json()["started"] == ""
    assert said["lead"] is True
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL
    assert line_of(submitted, "2.1.1").appraised_score is not None
