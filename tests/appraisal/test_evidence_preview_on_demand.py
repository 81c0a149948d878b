"""An evidence file's inline preview (a frame for a PDF, an image) is made only when its «Xem» is opened: the page
carries it in a <template>, so a review page of a hundred leaves does not load a hundred frames with itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.appraisal.conftest import line_of
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def with_files(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> tuple[Any, Any]:
    """Sở Y tế self-scored, a PDF and a PNG linked to 2.1.1, submitted."""
    from evidence.services import evidence_link, evidence_upload
    from tests.appraisal.conftest import self_score, submit

    self_score(assessment, unit_editor)
    line = line_of(assessment, "2.1.1")
    files = [evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                             uploaded_file=upload(name, content, kind))
             for name, content, kind in (("ke-hoach.pdf", samples.pdf(), "application/pdf"),
                                         ("anh-chup.png", samples.png(), "image/png"))]
    for evidence_file in files:
        evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    return submit(assessment, unit_head), files


def _previews_on_demand(html: str, files: list[Any]) -> None:
    outside = re.sub(r"<template\b.*?</template>", "", html, flags=re.S)
    # no frame and no image of a preview loads with the page
    assert "<iframe" not in outside
    pdf, png = files
    for evidence_file in files:
        assert f'src="{reverse("evidence:preview", args=[evidence_file.pk])}"' not in outside
    # each is in its «Xem»'s template, made when it is opened; the link to a new tab and the download stay as they were
    blocks = re.findall(r'<details class="inline-preview">(.*?)</details>', html, flags=re.S)
    assert len(blocks) == 2
    frame, image = blocks
    preview = reverse("evidence:preview", args=[pdf.pk])
    assert re.search(rf'<template data-preview>\s*<iframe src="{preview}" title="ke-hoach.pdf" loading="lazy">'
                     r"</iframe>\s*</template>", frame)
    assert f'<a href="{preview}" target="_blank" rel="noopener">' in frame
    assert re.search(rf'<template data-preview>\s*<img src="{reverse("evidence:preview", args=[png.pk])}" '
                     r'alt="anh-chup.png" loading="lazy">\s*</template>', image)
    assert f'href="{reverse("evidence:download", args=[pdf.pk])}" download' in html


def test_the_review_page_makes_a_files_preview_when_it_is_opened(client: Client, with_files: Any, lead: Any) -> None:
    assessment, files = with_files
    client.force_login(lead)
    _previews_on_demand(client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode(), files)


def test_the_explanation_page_lists_files_alike(with_files: Any) -> None:
    # the unit's explanation page lists a leaf's files (one it does not explain now) with the same partial
    from django.template.loader import render_to_string

    _assessment, files = with_files
    _previews_on_demand(render_to_string("appraisal/_evidence_list.html", {"files": files}), files)
