"""A clone in the source's year (another version under the same decision) is proposed with the source's decision
reference; one for another year with a blank one (a new decision will be issued). The clone page's script keeps the
decision following the year typed, until the person edits it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.administration.services.sets import indicator_set_clone_proposal
from scoring.models import IndicatorSet
from tests.conftest import need_service

pytestmark = pytest.mark.django_db


def test_a_clone_in_the_same_year_keeps_the_decision(small_set: IndicatorSet) -> None:
    assert small_set.decision_ref == "689/QĐ-UBND ngày 11/3/2020"
    proposal = indicator_set_clone_proposal(source=small_set, year=small_set.year)
    assert proposal["decision_ref"] == "689/QĐ-UBND ngày 11/3/2020"


def test_a_clone_for_a_new_year_proposes_a_blank_decision(small_set: IndicatorSet) -> None:
    # guards what must not change: passes before and after the fix
    assert indicator_set_clone_proposal(source=small_set)["decision_ref"] == ""
    assert indicator_set_clone_proposal(source=small_set, year=2021)["decision_ref"] == ""


def test_the_clone_page_gives_the_script_the_sources_decision_and_year(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_clone", args=[small_set.pk])).content.decode()
    field = page.split('name="decision_ref"', 1)[0].rsplit("<input", 1)[1] + page.split('name="decision_ref"', 1)[1]
    field = field.split(">", 1)[0]
    assert 'data-follows-year="decision_ref"' in field
    assert 'data-source-year="2020"' in field and 'data-source-value="689/QĐ-UBND ngày 11/3/2020"' in field


def test_the_script_sets_the_decision_from_the_year_not_by_replacing_its_year() -> None:
    script = (Path(settings.BASE_DIR) / "static" / "js" / "set-clone.js").read_text(encoding="utf-8")
    assert '"decision_ref"' in script and "dataset.sourceYear" in script and "dataset.sourceValue" in script


NODE_HARNESS = r"""
const inputs = {};
function input(name, value, data) {
  return inputs[name] = {value, dataset: {...data}, listeners: {},
    addEventListener(type, fn) { this.listeners[type] = fn; }};
}
const year = input("year", "2021", {cloneYear: ""});
const followers = [
  input("key", "test-set-2021", {followsYear: "key"}),
  input("decision_ref", "", {followsYear: "decision_ref", sourceYear: "2020", sourceValue: "689/QĐ-UBND"}),
];
globalThis.document = {getElementById: () => ({
  querySelector: () => year, querySelectorAll: () => followers})};
await import(process.argv[1]);
const typed = (value) => { year.value = value; year.listeners.input(); return inputs.decision_ref.value; };
const seen = [typed("2020"), typed("2022"), typed("2020")];
inputs.decision_ref.value = "99/QĐ";  // edited by hand: no longer follows
seen.push(typed("2023"));
console.log(JSON.stringify(seen));
"""


def test_the_script_follows_the_year_with_the_decision_until_edited() -> None:
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    need_service(node is not None, "node (runs the page's script)")
    assert node is not None
    script = Path(settings.BASE_DIR) / "static" / "js" / "set-clone.js"
    done = subprocess.run([node, "--input-type=module", "-e", NODE_HARNESS, script.as_uri()],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["689/QĐ-UBND", "", "689/QĐ-UBND", "99/QĐ"]
