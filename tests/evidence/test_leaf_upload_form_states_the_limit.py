"""Every leaf's upload form states the size limit (`data-max-upload-mb`), on the sheet as in the library: the
browser refuses a larger file before sending it, and it can only do so where the page says the limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@override_settings(EVIDENCE_MAX_UPLOAD_BYTES=int(2.5 * 1024 * 1024))
def test_the_sheets_leaf_upload_forms_state_the_limit(assessment: Any, unit_editor: Any) -> None:
    client = Client()
    client.force_login(unit_editor)
    html = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    forms = html.count('class="evidence-upload-form"')
    assert forms > 0
    assert html.count('data-max-upload-mb="2,5"') >= forms
