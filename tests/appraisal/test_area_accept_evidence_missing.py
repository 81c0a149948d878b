"""An area's «Chấp nhận điểm tự chấm cho N tiêu chí» leaves out the leaves marked «Cần tài liệu kiểm chứng» the unit
sent no evidence for: each needs a decision of its own. The button's count, its confirmation, the result message,
the script's answer, the API and the queue's progress all say which."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import area_accept_self
from scoring.models import Indicator
from tests.appraisal.conftest import line_of, seen, self_score, submit
from tests.evidence.samples import pdf

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
NEEDS_EVIDENCE = ("2.1.2", "2.2.1")  # area 2's leaves marked «Cần tài liệu kiểm chứng» in these tests


def _needs_evidence(assessment: Any) -> None:
    """Only NEEDS_EVIDENCE need evidence."""
    leaves = Indicator.objects.filter(indicator_set=assessment.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=NEEDS_EVIDENCE).update(evidence_required=True)


@pytest.fixture
def evidence_rule(submitted: Any) -> Any:
    """Sở Y tế submitted without sending evidence for NEEDS_EVIDENCE."""
    _needs_evidence(submitted)
    return submitted


def _area(assessment: Any, code: str = "2") -> Any:
    return assessment.indicator_set.indicators.get(code=code, parent__isnull=True)


def _link_evidence(assessment: Any, code: str, editor: Any, settings: Any, tmp_path: Path) -> None:
    from evidence.services import evidence_link, evidence_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    stored = evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                             uploaded_file=SimpleUploadedFile("bao-cao.pdf", pdf(), "application/pdf"),
                             actor=editor)
    evidence_link(evidence_file=stored, line=line_of(assessment, code), actor=editor)


def test_the_area_accept_leaves_out_a_leaf_needing_evidence_the_unit_did_not_send(
    evidence_rule: Any, appraiser: Any
) -> None:
    # when the appraiser accepts area 2 at once
    done = area_accept_self(assessment=evidence_rule, area=_area(evidence_rule), actor=appraiser)
    # then the leaves without their evidence wait for a decision of their own, and are named
    assert done["evidence_missing"] == list(NEEDS_EVIDENCE)
    assert done["accepted"] == 2 and done["skipped"] == 2
    for code in NEEDS_EVIDENCE:
        assert line_of(evidence_rule, code).appraised_score is None
    assert line_of(evidence_rule, "2.1.1").appraised_score is not None


def test_a_leaf_whose_evidence_was_sent_is_accepted_with_the_area(
    assessment: Any, team: Any, appraiser: Any, unit_editor: Any, unit_head: Any, settings: Any, tmp_path: Path
) -> None:
    _needs_evidence(assessment)
    self_score(assessment, unit_editor)
    _link_evidence(assessment, "2.1.2", unit_editor, settings, tmp_path)
    submit(assessment, unit_head)
    done = area_accept_self(assessment=assessment, area=_area(assessment), actor=appraiser)
    assert done["evidence_missing"] == ["2.2.1"]
    assert line_of(assessment, "2.1.2").appraised_score is not None


def test_the_area_button_counts_only_what_it_accepts_and_its_confirmation_names_the_others(
    client: Client, evidence_rule: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    body = unescape(client.get(reverse("appraisal:review", args=[evidence_rule.pk])).content.decode())
    assert "Chấp nhận điểm tự chấm cho 2 tiêu chí chưa thẩm định" in body
    # the leaves left out are marked for the page's script, which names them in the confirmation
    for code in NEEDS_EVIDENCE:
        assert f'id="line-{line_of(evidence_rule, code).pk}"' in body
    marked = re.findall(r'id="line-(\d+)"[^>]*data-evidence-missing[\s>]', body)
    assert sorted(int(pk) for pk in marked) == sorted(line_of(evidence_rule, c).pk for c in NEEDS_EVIDENCE)
    assert "data-evidence-note=" in body
    assert "2.1.2, 2.2.1" in body  # named in the form's confirmation as the page is drawn


def test_the_result_message_names_the_leaves_left_out(client: Client, evidence_rule: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    area = _area(evidence_rule)
    response = client.post(reverse("appraisal:accept_area", args=[evidence_rule.pk, area.pk]), follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "đã chấp nhận 2 tiêu chí" in text
    assert "Cần tài liệu kiểm chứng" in text and "2.1.2, 2.2.1" in text


def test_the_script_gets_the_accepted_leaves_the_summary_and_the_leaves_left_out(
    client: Client, evidence_rule: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    area = _area(evidence_rule)
    response = client.post(reverse("appraisal:accept_area", args=[evidence_rule.pk, area.pk]), **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["evidence_missing"] == list(NEEDS_EVIDENCE)
    assert {line["id"] for line in data["lines"]} == {line_of(evidence_rule, c).pk for c in ("2.1.1", "2.3.1")}
    assert all(line["done"] for line in data["lines"])
    assert data["review"]["done"] == 2
    assert "2.1.2, 2.2.1" in data["message"]


def test_the_api_names_the_leaves_left_out(evidence_rule: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    area = _area(evidence_rule)
    response = api.post(f"/api/v1/assessments/{evidence_rule.pk}/areas/{area.pk}/accept/", format="json")
    assert response.status_code == 200, response.content
    assert response.json()["evidence_missing"] == list(NEEDS_EVIDENCE)
    assert response.json()["accepted"] == 2


def test_the_queue_flags_the_leaves_missing_their_evidence(client: Client, evidence_rule: Any,
                                                            appraiser: Any) -> None:
    client.force_login(appraiser)
    body = seen(client.get(reverse("appraisal:queue")).content.decode())
    assert "2: 0/4" in body
    assert "2 thiếu tài liệu kiểm chứng" in body
    # decided one by one, they are no longer flagged
    from appraisal.services import line_appraise

    for code in NEEDS_EVIDENCE:
        line = line_of(evidence_rule, code)
        line_appraise(line=line, actor=appraiser, base_version=line.version, value=line.self_value)
    assert "thiếu tài liệu kiểm chứng" not in client.get(reverse("appraisal:queue")).content.decode()
