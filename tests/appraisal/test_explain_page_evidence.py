"""The unit's explanation page: its evidence forms answer in place, and without the script come back to the leaf."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.appraisal.conftest import flagged_line
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_explanation_page_loads_the_evidence_script_and_its_forms_return_to_the_leaf(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    line = flagged_line(submitted, lead)
    client.force_login(unit_editor)
    page = reverse("appraisal:explain", args=[submitted.pk])
    html = client.get(page).content.decode()
    assert "js/evidence.js" in html
    assert f'name="next" value="{page}#line-{line.pk}"' in html
    # a plain upload (no script) lands on the leaf it was sent from
    response = client.post(reverse("evidence:upload", args=[submitted.pk]), {
        "line_id": line.pk, "next": f"{page}#line-{line.pk}", "files": [upload("bao-cao.pdf", samples.pdf())],
    })
    assert response.status_code == 302 and response["Location"] == f"{page}#line-{line.pk}"
