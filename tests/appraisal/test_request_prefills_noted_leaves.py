"""An appraiser's note on a leaf kept at its self-score («Đề nghị đơn vị cung cấp văn bản…») is a question for the
unit: the lead's request page ticks that leaf by default with the note as its question, so it reaches the unit."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import line_appraise
from tests.appraisal.conftest import appraise_all, line_of

pytestmark = pytest.mark.django_db
NOTE = "Đề nghị đơn vị cung cấp văn bản chỉ đạo kèm theo."


def test_a_leaf_with_a_note_and_an_unchanged_score_is_ticked_with_the_note_as_its_question(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    appraise_all(submitted, lead)
    line = line_of(submitted, "2.1.2")
    line_appraise(line=line, actor=appraiser, base_version=line.version, value=line.self_value, note=NOTE)
    line = line_of(submitted, "2.1.2")
    assert line.appraised_score == line.self_score  # unchanged: not a «differs» leaf
    client.force_login(lead)
    body = unescape(client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode())
    assert f'value="{line.pk}" id="flag-{line.pk}" checked' in body
    assert f'data-question>{NOTE}</textarea>' in body
    # a leaf without a note stays unticked
    other = line_of(submitted, "2.1.1")
    assert f'value="{other.pk}" id="flag-{other.pk}">' in body
