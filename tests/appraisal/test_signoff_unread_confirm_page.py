"""The review page's «Thông qua» with new explanations nobody has looked at: refused without the form's «Tôi đã đọc /
vẫn thông qua» (the message names them, the page lands on the first), signed off with it (needs the sign-off view to
pass the checkbox on: patch_fixA_signoff_confirm.diff)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
EXPLAINED = ("1.2.3", "2.1.1")


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, code).pk for code in EXPLAINED])
    for code in EXPLAINED:
        line = line_of(submitted, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=f"Giải trình {code}.")
    return explanation_resubmit(assessment=refresh(submitted), actor=unit_head)


def test_the_page_s_sign_off_asks_for_the_confirmation_and_takes_it(client: Client, round_two: Any,
                                                                    lead: Any) -> None:
    client.force_login(lead)
    url = reverse("appraisal:sign_off", args=[round_two.pk])
    page = reverse("appraisal:review", args=[round_two.pk])
    refused = client.post(url, {"next": page})
    assert refused.status_code == 302
    assert refused["Location"] == f"{page}#line-{line_of(round_two, '1.2.3').pk}"
    text = " ".join(str(m) for m in client.get(page).context["messages"])
    assert "giải trình mới chưa xem" in text and "1.2.3, 2.1.1" in text
    assert refresh(round_two).state == Assessment.State.IN_APPRAISAL
    done = client.post(url, {"next": page, "da-doc-giai-trinh": "1"})
    assert done.status_code == 302
    assert refresh(round_two).state == Assessment.State.SIGNED_OFF
