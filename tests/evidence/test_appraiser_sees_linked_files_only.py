"""Outside the unit (and the administrators), a library holds only the evidence of the assessment: the files linked
to its leaves. The unit's working drafts (files linked to no leaf) are neither listed nor downloadable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from evidence import services
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def library(assessment: Any, unit_editor: Any, stored_pdf: Any, submit: Any) -> dict[str, Any]:
    """«Kế hoạch CCHC năm 2020.pdf» linked to 1.1.1 and submitted; «Bản nháp.pdf» in the library, linked nowhere."""
    services.evidence_link(evidence_file=stored_pdf, line=assessment.lines.get(indicator__code="1.1.1"),
                           actor=unit_editor)
    draft = services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                     uploaded_file=upload("Bản nháp.pdf", samples.pdf("nhap")), actor=unit_editor)
    submit()
    return {"linked": stored_pdf, "draft": draft}


def test_an_appraiser_downloads_and_previews_a_linked_file(team: Any, appraiser: Any, library: Any) -> None:
    client = _client(appraiser)
    assert client.get(reverse("evidence:download", args=[library["linked"].pk])).status_code == 200
    assert client.get(reverse("evidence:preview", args=[library["linked"].pk])).status_code == 200


def test_an_appraiser_cannot_download_or_preview_a_file_linked_to_no_leaf(appraiser: Any, library: Any) -> None:
    client = _client(appraiser)
    assert client.get(reverse("evidence:download", args=[library["draft"].pk])).status_code == 404
    assert client.get(reverse("evidence:preview", args=[library["draft"].pk])).status_code == 404


def test_the_library_page_lists_only_the_linked_files_to_an_appraiser(
    team: Any, assessment: Any, appraiser: Any, library: Any
) -> None:
    html = _client(appraiser).get(reverse("evidence:library", args=[assessment.pk])).content.decode()
    assert "Kế hoạch CCHC năm 2020.pdf" in html
    assert "Bản nháp.pdf" not in html
    assert reverse("evidence:download", args=[library["draft"].pk]) not in html


def test_the_units_people_and_the_administrators_see_the_whole_library(
    assessment: Any, unit_head: Any, admin_user: Any, library: Any
) -> None:
    for user in (unit_head, admin_user):
        client = _client(user)
        html = client.get(reverse("evidence:library", args=[assessment.pk])).content.decode()
        assert "Bản nháp.pdf" in html and "Kế hoạch CCHC năm 2020.pdf" in html
        assert client.get(reverse("evidence:download", args=[library["draft"].pk])).status_code == 200


def test_the_api_lists_only_the_linked_files_to_an_appraiser(
    team: Any, assessment: Any, appraiser: Any, unit_editor: Any, library: Any
) -> None:
    url = f"/api/v1/assessments/{assessment.pk}/evidence/"
    api = APIClient()
    api.force_authenticate(appraiser)
    assert [f["original_name"] for f in api.get(url).json()] == ["Kế hoạch CCHC năm 2020.pdf"]
    assert api.get(f"/api/v1/evidence/{library['draft'].pk}/download/").status_code == 404
    api.force_authenticate(unit_editor)
    assert {f["original_name"] for f in api.get(url).json()} == {"Kế hoạch CCHC năm 2020.pdf", "Bản nháp.pdf"}
