"""The unit's «Đồng ý với kết quả thẩm định» asks nothing of the team: not a «giải trình mới» to read, in the queue, on
the review page or for sign-off; an explanation written in the same round still is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.selectors.queue import unseen_explanations
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from appraisal.services.rounds import explanation_agree_remaining
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db


def test_agreed_leaves_are_not_new_explanations_and_an_explained_one_is(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=None, message="Rà soát lại.")
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Có báo cáo số 15.")
    explanation_agree_remaining(assessment=appraised, actor=unit_editor)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert unseen_explanations(assessments=[appraised.pk]) == {appraised.pk: [explained.indicator_id]}
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[refresh(appraised).pk])).content.decode()
    assert body.count("tag flag new-explanation") == 1
