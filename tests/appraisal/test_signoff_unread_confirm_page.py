"""The review page's «Thông qua» with new explanations nobody has looked at: refused without the form's «Tôi đã đọc /
vẫn thông qua» (the page drawn again, 400: its focused error summary names them and links to the checkbox, marked
invalid and described by the message), signed off with it."""

from __future__ import annotations

import re
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
    # drawn again, not sent elsewhere: the error is tied to the checkbox it asks for
    assert refused.status_code == 400
    body = refused.content.decode()
    summary = body.split('id="signoff-errors"')[1].split("</div>")[0]
    assert 'role="alert" tabindex="-1" autofocus' in summary
    [said] = re.findall(r'<a href="#signoff-unread-confirm">([^<]*)</a>', summary)
    assert "giải trình mới chưa xem" in said and "1.2.3, 2.1.1" in said
    box = re.search(r'<input type="checkbox" id="signoff-unread-confirm"[^>]*>', body)
    assert box and 'aria-invalid="true"' in box.group(0)
    assert 'aria-describedby="signoff-unread-note signoff-unread-error"' in box.group(0)
    assert f'<p class="error" id="signoff-unread-error">{said}</p>' in body
    # the unread leaves are named by the form, with links to them
    assert f'href="#line-{line_of(round_two, "1.2.3").pk}"' in body
    assert list(client.get(page).context["messages"]) == []  # not said again in the banner
    assert refresh(round_two).state == Assessment.State.IN_APPRAISAL
    done = client.post(url, {"next": page, "da-doc-giai-trinh": "1"})
    assert done.status_code == 302
    assert refresh(round_two).state == Assessment.State.SIGNED_OFF
