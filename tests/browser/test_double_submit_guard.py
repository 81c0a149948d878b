"""The global double-submit guard (static/js/forms.js) in a real browser: a double click on a POST form's button
sends one request; a button's own name=value still goes with it; a page back from the back-forward cache gets its
buttons back; forms a page's script sends itself, and forms that opt out, are left alone."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import IndicatorSet
from scoring.services import cycle_create
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_double_click_on_clone_sends_one_post_and_lands_on_the_new_set(
    page: Any, small_set: Any, admin_user: Any
) -> None:
    # given: the clone form of the 2020 set, for the 2021 cycle
    cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={}, actor=None)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "bao")
    page.goto("/quan-ly/bo-chi-so/")
    page.get_by_role("row", name="test-set").get_by_role("link", name="Nhân bản").click()
    expect(page.locator("#id_year")).to_have_value("2021")
    page.fill("#id_key", "test-set-2021")
    clone_url = page.url
    posts: list[str] = []

    def slow_server(route: Any) -> None:
        """The server answers the clone after a while (as it does with a large set): a person's second click lands
        while the first is still being sent."""
        if route.request.method == "POST":
            posts.append(route.request.url)
            time.sleep(0.5)
        with contextlib.suppress(Exception):  # the browser dropped a request replaced by a second submit
            route.continue_()

    page.route(clone_url, slow_server)

    # when: a double click on «Nhân bản» (a person's: 100 ms between the two clicks)
    page.get_by_role("button", name="Nhân bản").click(click_count=2, delay=100)

    # then: one request, one set, and the person is on the new set's page (no «đã tồn tại»)
    expect(page.locator("h1")).to_contain_text("(2021)")
    page.wait_for_load_state("networkidle")
    assert posts == [clone_url]
    assert IndicatorSet.objects.filter(key="test-set-2021").count() == 1
    assert "đã tồn tại" not in page.content()
    assert errors == []


def test_the_clicked_buttons_value_is_still_sent(page: Any, unit_editor: Any) -> None:
    # guards behaviour that must not change (passes with and without the guard): the language switch is a button
    # whose name=value is the request; the guard disables it only after the form is sent
    login(page, "lan")
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _sample_forms(page: Any) -> None:
    """Three POST forms on the page, sent by a synthetic submit event (no navigation): a plain one, one a script
    takes over (cancels the submit), one marked data-no-submit-guard."""
    page.evaluate("""() => {
      const make = (id, extra) => {
        const form = document.createElement("form");
        form.method = "post"; form.action = "/"; form.id = id;
        if (extra) form.setAttribute(extra, "");
        form.innerHTML = '<button type="submit" name="go" value="1">Gửi</button>';
        document.body.append(form);
        return form;
      };
      make("plain");
      make("scripted").addEventListener("submit", (e) => e.preventDefault());
      make("opted-out", "data-no-submit-guard");
      for (const id of ["plain", "scripted", "opted-out"]) {
        const form = document.getElementById(id);
        const ok = form.dispatchEvent(new SubmitEvent("submit", {bubbles: true, cancelable: true,
                                                                  submitter: form.querySelector("button")}));
        form.dataset.sent = String(ok);
      }
    }""")
    page.wait_for_timeout(50)


def test_a_sent_form_is_disabled_others_are_not_and_the_back_forward_cache_gives_the_buttons_back(
    page: Any, unit_editor: Any
) -> None:
    login(page, "lan")
    page.goto("/")
    _sample_forms(page)

    expect(page.locator("#plain button")).to_be_disabled()
    expect(page.locator("#scripted button")).to_be_enabled()
    expect(page.locator("#opted-out button")).to_be_enabled()
    # a second submit of the plain form while it is being sent is cancelled
    second = page.evaluate("""() => document.getElementById("plain").dispatchEvent(
        new SubmitEvent("submit", {bubbles: true, cancelable: true}))""")
    assert second is False

    # back to the page from the back-forward cache
    page.evaluate("""() => window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}))""")
    expect(page.locator("#plain button")).to_be_enabled()
    again = page.evaluate("""() => document.getElementById("plain").dispatchEvent(
        new SubmitEvent("submit", {bubbles: true, cancelable: true}))""")
    assert again is True
