"""The appraisal in progress stays hidden from the unit's own people in the API even when they are on the team for
other units: the review page refuses anyone their own unit's appraisal, and the API's lines must not show it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.appraisal.conftest import line_of


def _rows(api: Any, assessment: Any, line: Any) -> list[dict[str, Any]]:
    return [api.get(f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/").json(),
            *api.get(f"/api/v1/assessments/{assessment.pk}/lines/").json()]


def test_an_appraiser_who_also_edits_the_unit_reads_its_lines_without_the_appraisal(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    from scoring.models import RoleAssignment, ScoreLine

    # given: the appraiser (of another unit's team) is also an editor of the submitted unit, and a leaf is appraised
    RoleAssignment.objects.create(user=appraiser, role="unit_editor", unit=submitted.unit)
    line = line_of(submitted, "2.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("0.25"), appraised_note="Chưa công bố")
    api.force_login(appraiser)
    # when / then: neither the line nor the list shows the appraisal before sign-off
    rows = _rows(api, submitted, line)
    assert rows and all(
        (row["appraised_value"], row["appraised_score"], row["appraised_note"]) == (None, None, None) for row in rows
    )
    assert rows[0]["self_score"] is not None


def test_an_appraiser_of_another_unit_still_reads_the_appraisal(api: Any, submitted: Any, appraiser: Any) -> None:
    from scoring.models import ScoreLine

    line = line_of(submitted, "2.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("0.25"), appraised_note="Thiếu kế hoạch")
    api.force_login(appraiser)
    response = api.get(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["appraised_note"] == "Thiếu kế hoạch"
