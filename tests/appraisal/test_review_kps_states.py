"""How the review page shows a unit's «không phát sinh» in each state of the team's decision: waiting (the prompt
to decide, the accept button, the overrule section), accepted (said so; no prompt; the accept button gone, the
overrule still offered while in appraisal), overruled (the accept button withdraws the overrule), and signed off
(the decision as taken: no prompt, no overrule section, no button)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import (
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    line_accept_self,
    line_appraise,
    line_explain,
)
from scoring.models import ScoreLine
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
KPS = "1.2.2"  # the small set's one leaf a unit may declare «không phát sinh»
PROMPT = "chấp nhận, yêu cầu đơn vị giải trình, hoặc không chấp nhận và chấm điểm"
ACCEPTED = "Đã chấp nhận «không phát sinh»"
OVERRULE = "Không chấp nhận «không phát sinh»: chấm điểm"
ACCEPT_BUTTON = "Chấp nhận «không phát sinh»"
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "base", "wbr", "track", "embed"}


class _Leaf(HTMLParser):
    """The text a reader sees of a leaf (nothing inside a `hidden` element) and its forms' actions."""

    def __init__(self) -> None:
        super().__init__()
        self.visible: list[str] = []
        self.forms: list[dict[str, str | None]] = []  # every form, with whether it is hidden (itself or within)
        self.stack: list[bool] = []  # per open element: hidden (itself or by an ancestor)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = (self.stack[-1] if self.stack else False) or any(name == "hidden" for name, _ in attrs)
        if tag == "form":
            self.forms.append({**dict(attrs), "_hidden": "1" if hidden else ""})
        if tag not in VOID:
            self.stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.visible.append(data)


def _leaf(client: Client, assessment: Any, line: ScoreLine) -> tuple[str, str, list[dict[str, str | None]]]:
    """The leaf's HTML, the text shown of it and its forms."""
    body = client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode()
    html = body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]
    parser = _Leaf()
    parser.feed("<article " + html + "</article>")
    return html, " ".join(" ".join(parser.visible).split()), parser.forms


def _accept_form(forms: list[dict[str, str | None]]) -> dict[str, str | None] | None:
    return next((f for f in forms if "data-accept" in f), None)


def test_a_waiting_kps_asks_for_the_decision(client: Client, kps_submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    _html, shown, forms = _leaf(client, kps_submitted, line_of(kps_submitted, KPS))
    assert PROMPT in shown and ACCEPTED not in shown
    assert OVERRULE in shown
    form = _accept_form(forms)
    assert form is not None and not form["_hidden"] and ACCEPT_BUTTON in shown


def test_an_accepted_kps_says_so_and_offers_only_the_overrule(client: Client, kps_submitted: Any, lead: Any) -> None:
    line = line_of(kps_submitted, KPS)
    line_accept_self(line=line, actor=lead, base_version=line.version)
    client.force_login(lead)
    html, shown, forms = _leaf(client, kps_submitted, line)
    assert ACCEPTED in shown
    assert PROMPT not in shown
    # the decision can still be changed while in appraisal: the overrule is offered, closed
    assert OVERRULE in shown and '<details class="na-overrule">' in html
    # the acceptance is not offered again (the page's script shows it again after an overrule)
    form = _accept_form(forms)
    assert form is not None and form["_hidden"] and ACCEPT_BUTTON not in shown


def test_an_overruled_kps_offers_the_acceptance_to_withdraw_the_overrule(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    line = line_of(kps_submitted, KPS)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"a": 2, "b": 2, "c": 0}},
                  note="Có 2 cuộc kiểm tra.")
    client.force_login(lead)
    _html, shown, forms = _leaf(client, kps_submitted, line)
    assert "Tiêu chí được tính theo điểm thẩm định." in shown
    assert PROMPT not in shown and ACCEPTED not in shown
    form = _accept_form(forms)
    assert form is not None and not form["_hidden"] and ACCEPT_BUTTON in shown


def test_a_signed_off_accepted_kps_shows_the_decision_and_no_prompt(
    client: Client, kps_submitted: Any, lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    appraise_all(kps_submitted, lead)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=refresh(kps_submitted), actor=lead)
    line = line_of(kps_submitted, KPS)
    for who in (lead, admin_user):
        client.force_login(who)
        html, shown, forms = _leaf(client, kps_submitted, line)
        assert ACCEPTED in shown, who
        assert PROMPT not in html, who
        assert OVERRULE not in html and 'class="na-overrule"' not in html, who
        assert _accept_form(forms) is None, who


def test_an_accepted_kps_the_unit_explained_can_be_accepted_again(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    """Accepting it again records that the team read the explanation (the queue's «giải trình mới» clears)."""
    appraise_all(kps_submitted, lead)
    explanation_request(assessment=refresh(kps_submitted), actor=lead, deadline=later(),
                        line_ids=[line_of(kps_submitted, KPS).pk])
    line = line_of(kps_submitted, KPS)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Không có cuộc kiểm tra nào.")
    explanation_resubmit(assessment=refresh(kps_submitted), actor=unit_head)
    client.force_login(lead)
    _html, shown, forms = _leaf(client, kps_submitted, line)
    assert ACCEPTED in shown and PROMPT not in shown
    form = _accept_form(forms)
    assert form is not None and not form["_hidden"] and ACCEPT_BUTTON in shown
