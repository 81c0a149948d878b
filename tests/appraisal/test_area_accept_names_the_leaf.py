"""Accepting a whole area stops at a leaf whose stored self-value the engine refuses (one stored before such values
were refused at saving): the refusal names that leaf, so the team knows which to appraise on its own; nothing of
the area is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from appraisal.services import area_accept_self
from scoring.errors import ValidationFailed
from scoring.models import ScoreLine
from tests.appraisal.conftest import evidence_not_required, line_of

pytestmark = pytest.mark.django_db


def test_the_refusal_names_the_leaf_and_accepts_nothing(submitted: Any, lead: Any) -> None:
    evidence_not_required(submitted)
    line = line_of(submitted, "1.1.2")
    ScoreLine.objects.filter(pk=line.pk).update(self_value={"numerator": "8.123456789012", "denominator": 10})
    area = line.indicator.parent.parent

    with pytest.raises(ValidationFailed) as refused:
        area_accept_self(assessment=submitted, area=area, actor=lead)

    assert refused.value.code == "too_many_decimals"
    assert "1.1.2" in str(refused.value.message)
    assert refused.value.details["indicator"] == "1.1.2"
    assert not ScoreLine.objects.filter(assessment=submitted, appraised_score__isnull=False).exists()
