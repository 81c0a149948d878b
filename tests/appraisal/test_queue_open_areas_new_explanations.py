"""«Lĩnh vực của tôi chưa xong» (`chua-xong=1`) keeps a unit whose leaves in the user's areas are all decided but one
came back with a new explanation nobody of the team has read: that leaf is work left."""

from __future__ import annotations

from typing import Any

import pytest

from appraisal.selectors.queue import queue_for_user
from appraisal.services import explanation_resubmit, explanations_mark_seen, line_explain
from tests.appraisal.conftest import appraise_all, flagged_line, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def explained_again(team: Any, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    """Every leaf decided; 2.1.2 (the appraiser's area 2) returned, explained and resubmitted."""
    appraise_all(submitted, lead)
    line = flagged_line(submitted, lead, "2.1.2")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung văn bản số 12.")
    return explanation_resubmit(assessment=refresh(submitted), actor=unit_head)


def test_a_unit_back_with_a_new_explanation_in_my_area_is_listed_as_not_done(
    explained_again: Any, cycle: Any, appraiser: Any, client: Any
) -> None:
    row = next(r for r in queue_for_user(user=appraiser, cycle=cycle).rows if r.assessment.pk == explained_again.pk)
    assert row.done == row.total and row.new_explanations == 1
    pks = [r.assessment.pk for r in queue_for_user(user=appraiser, cycle=cycle, open_areas=True).rows]
    assert explained_again.pk in pks
    client.force_login(appraiser)
    page = client.get("/tham-dinh/", {"chua-xong": "1", "ky": cycle.pk}).content.decode()
    assert explained_again.unit.name in page


def test_once_the_explanation_is_read_the_unit_leaves_the_not_done_filter(
    explained_again: Any, cycle: Any, appraiser: Any
) -> None:
    explanations_mark_seen(assessment=explained_again, actor=appraiser)
    pks = [r.assessment.pk for r in queue_for_user(user=appraiser, cycle=cycle, open_areas=True).rows]
    assert explained_again.pk not in pks
