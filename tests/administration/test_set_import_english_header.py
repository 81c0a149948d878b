"""In English, the tree import's error table heads its row numbers as one row each (the Vietnamese «Dòng» with its
own context), not «Rows», the translation of «Dòng» elsewhere (a count of rows)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_the_error_tables_row_column_is_one_row_in_english(client: Any, admin_user: Any, small_set: Any) -> None:
    from django.conf import settings
    from django.urls import reverse

    from scoring.administration import services

    draft = services.indicator_set_clone(source=small_set, key="numbers-2021", year=2021, actor=admin_user)
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = xlsx_bytes(["code", "parent_code", "name", "kind", "max_points", "method", "params"],
                         [["1", "", "", "normal", 1, "", ""]])
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    assert response.status_code == 400
    header = response.content.decode().split('class="grid compact import-errors"')[1].split("</thead>")[0]
    assert "Rows" not in header, header  # the number of one row, not «Rows»
