"""The review page's «Chỉ tiêu chí chưa thẩm định» (`chua-tham-dinh=1`): only the leaves the team has not decided are
shown, the filter is kept by the page's forms and links, and the page says how many are shown."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import line_accept_self
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db


def test_only_the_undecided_leaves_are_shown_with_the_filter(client: Client, submitted: Any, lead: Any) -> None:
    decided = line_of(submitted, "1.1.2")
    line_accept_self(line=decided, actor=lead, base_version=decided.version)
    undecided = line_of(submitted, "1.1.1")
    client.force_login(lead)
    url = reverse("appraisal:review", args=[submitted.pk])
    everything = client.get(url, {"linh-vuc": "tat-ca"}).content.decode()
    assert f'id="line-{decided.pk}"' in everything
    assert 'name="chua-tham-dinh" value="1" data-undecided-filter>' in everything  # offered, not ticked
    body = unescape(client.get(url, {"linh-vuc": "tat-ca", "chua-tham-dinh": "1"}).content.decode())
    assert f'id="line-{decided.pk}"' not in body
    assert f'id="line-{undecided.pk}"' in body and "data-undecided" in body
    total = submitted.lines.count()
    assert f"Đang hiện {total - 1} tiêu chí chưa thẩm định." in body
    # the page's forms come back to the page as filtered
    assert "chua-tham-dinh=1" in body.split('name="next" value="', 1)[1].split('"', 1)[0]
