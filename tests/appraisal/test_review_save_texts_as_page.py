"""A per-leaf save answers its display texts (the leaf's score, the area's, the bonus, the penalty, the index) as the
review page writes them on load: a negative score with the true minus sign («−1,00», «−1.00» in English), never
the hyphen-minus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
MINUS = "\u2212"


def _on_load(client: Client, assessment: Any, line: Any) -> dict[str, Any]:
    body = client.get(reverse("appraisal:review", args=[assessment.pk]) + "?linh-vuc=tat-ca").content.decode()
    leaf = re.search(rf'id="line-{line.pk}".*?<output data-appraised[^>]*>([^<]*)</output>', body, re.S)
    area = re.search(rf'data-area-appraised="{line.indicator.parent.parent_id}">([^<]*)<', body)
    found = {name: re.search(rf"data-appraised-{name}>([^<]*)<", body) for name in ("bonus", "penalty", "index")}
    assert leaf and area and all(found.values())
    return {"display": leaf.group(1), "area": area.group(1),
            **{name: match.group(1) for name, match in found.items() if match}}


@pytest.mark.parametrize(("language", "minus_one"), [("vi", f"{MINUS}1,00"), ("en", f"{MINUS}1.00")])
def test_a_negative_leaf_score_is_answered_as_the_page_writes_it(
    submitted: Any, lead: Any, language: str, minus_one: str
) -> None:
    # given the lead, in either language, on a leaf whose level «Không ban hành» is worth −1
    client = Client()
    client.force_login(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    line = line_of(submitted, "1.1.1")
    # when the leaf is appraised at that level in place
    answer = client.post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-option": "none", "note": "Không ban hành kế hoạch."}, **JSON,
    ).json()
    assert answer["ok"], answer
    # then the leaf's score reads with the minus sign, and every text of the answer as the page now writes it
    assert answer["line"]["display"] == minus_one
    shown = _on_load(client, submitted, line)
    area = next(a for a in answer["review"]["areas"] if a["id"] == line.indicator.parent.parent_id)
    assert {"display": answer["line"]["display"], "area": area["appraised"], "bonus": answer["review"]["bonus"],
            "penalty": answer["review"]["penalty"], "index": answer["review"]["index"]} == shown
    assert area["appraised"] == minus_one  # the area's only decided leaf: its total is that deduction
    assert "-" not in answer["line"]["display"] + area["appraised"] + answer["review"]["index"]
