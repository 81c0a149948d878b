"""Cloning a set: the form proposes the next year with the key and the name naming it (the key's year replaced, a
key without one gets it appended once), a script keeps them following the year typed until edited, and a draft
nothing uses may have its key changed on its information form (validated, unique, audited). A clone named as
another set of its year and kind gets a distinguishing default name, or a warning when the name was typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import SetMetaForm
from scoring.administration.services.sets import indicator_set_clone_proposal, indicator_set_version, with_year
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, IndicatorSet

pytestmark = pytest.mark.django_db


def _initial(page: str, name: str) -> str:
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return found.group(1)


@pytest.mark.parametrize(("key", "year", "expected"), [
    ("tg-2021-so", 2022, "tg-2022-so"),
    ("tg-2021-so", 2028, "tg-2028-so"),  # a key naming another year than its set's: still replaced
    ("tg-so", 2022, "tg-so-2022"),
    ("tg-so-2022", 2023, "tg-so-2023"),  # appended once, never repeated
    ("bo-v12345", 2022, "bo-v12345-2022"),  # five digits are no year
])
def test_the_key_names_the_year_once(key: str, year: int, expected: str) -> None:
    assert with_year(key, year, append="-{year}") == expected


def test_a_2027_set_keyed_for_2021_is_proposed_for_2028_with_the_year_replaced(
    small_set: IndicatorSet, admin_user: Any
) -> None:
    stray = services.indicator_set_clone(source=small_set, key="tg-2021-so", year=2027, actor=admin_user,
                                         name="Bộ chỉ số sở năm 2027")
    proposal = indicator_set_clone_proposal(source=stray)
    assert proposal["year"] == 2028 and proposal["key"] == "tg-2028-so"
    assert proposal["name"] == "Bộ chỉ số sở năm 2028"


def test_the_clone_page_prefills_the_next_year_and_a_key_naming_it(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    source = services.indicator_set_clone(source=small_set, key="tg-2020-so", year=2020, actor=admin_user,
                                          name="Bộ chỉ số năm 2020")
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_clone", args=[source.pk])).content.decode()
    assert _initial(page, "year") == "2021" and _initial(page, "key") == "tg-2021-so"
    assert _initial(page, "name") == "Bộ chỉ số năm 2021"
    assert "data-follows-year" in page and "data-clone-year" in page and "js/set-clone.js" in page


def test_a_proposed_key_already_taken_gets_the_version(small_set: IndicatorSet, admin_user: Any) -> None:
    source = services.indicator_set_clone(source=small_set, key="tg-2020-so", year=2020, actor=admin_user)
    services.indicator_set_clone(source=source, key="tg-2021-so", year=2021, actor=admin_user)
    assert indicator_set_clone_proposal(source=source)["key"] == "tg-2021-so-v2"


def test_the_script_follows_the_year_until_the_field_is_edited() -> None:
    script = (Path(settings.BASE_DIR) / "static" / "js" / "set-clone.js").read_text(encoding="utf-8")
    assert "data-follows-year" in script and "dataset.proposed" in script


def test_a_clone_without_a_name_in_the_same_year_and_kind_is_told_apart_by_its_version(
    small_set: IndicatorSet, admin_user: Any
) -> None:
    clone = services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)
    assert clone.name == f"{small_set.name} (phiên bản 2)"
    assert indicator_set_clone_proposal(source=small_set, year=2020)["name"] == f"{small_set.name} (phiên bản 3)"


def test_a_typed_name_duplicating_another_sets_is_warned(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_clone", args=[small_set.pk]),
                           {"key": "test-set-b", "year": "2020", "name": small_set.name})
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings and "«test-set»" in warnings[0] and "trùng tên" in warnings[0]


# --- the key on the set's information form ----------------------------------------------------------------------


def _meta_post(indicator_set: IndicatorSet, **changes: str) -> dict[str, Any]:
    posted = {k: v for k, v in SetMetaForm.initial_for(indicator_set).items() if v is not None}
    posted["version"] = indicator_set_version(indicator_set)
    posted.update(changes)
    return posted


def test_a_drafts_key_is_changed_on_its_information_form_audited(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    draft = services.indicator_set_clone(source=small_set, key="tg-2021-so", year=2027, actor=admin_user)
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode()
    assert _initial(page, "key") == "tg-2021-so"
    response = client.post(reverse("administration:set_update", args=[draft.pk]), _meta_post(draft, key="TG-2027-SO"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.key == "tg-2027-so"
    entry = AuditEntry.objects.filter(action="indicator_set.update").latest("id")
    assert entry.changes["key"] == {"old": "tg-2021-so", "new": "tg-2027-so"}


@pytest.mark.parametrize(("typed", "code"), [("test-set", "duplicate_key"), ("TEST-SET", "duplicate_key"),
                                             ("có dấu", "invalid_key")])
def test_a_key_taken_or_not_a_code_is_refused(typed: str, code: str, small_set: IndicatorSet, admin_user: Any) -> None:
    draft = services.indicator_set_clone(source=small_set, key="tg-2021-so", year=2027, actor=admin_user)
    data = {**SetMetaForm.initial_for(draft), "key": typed}
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_set_update(indicator_set=draft, data=data, actor=admin_user)
    assert refused.value.code == code
    assert IndicatorSet.objects.get(pk=draft.pk).key == "tg-2021-so"


def test_the_page_refuses_a_key_of_another_set(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    draft = services.indicator_set_clone(source=small_set, key="tg-2021-so", year=2027, actor=admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]), _meta_post(draft, key="test-set"))
    assert response.status_code == 400
    assert "Bộ chỉ số mã «test-set» đã tồn tại." in response.content.decode()
    assert IndicatorSet.objects.get(pk=draft.pk).key == "tg-2021-so"


def test_a_set_a_cycle_uses_keeps_its_key(small_set: IndicatorSet, cycle: Any, admin_user: Any) -> None:
    data = {**SetMetaForm.initial_for(small_set), "key": "tg-khac"}
    with pytest.raises(StateConflict) as refused:
        services.indicator_set_update(indicator_set=small_set, data=data, actor=admin_user)
    assert refused.value.code == "set_frozen"
    assert IndicatorSet.objects.get(pk=small_set.pk).key == "test-set"


def test_the_api_update_keeps_the_key(small_set: IndicatorSet, admin_user: Any) -> None:
    """The API names a set by its key: its update does not take one (refused as an unknown field)."""
    from rest_framework.test import APIClient

    draft = services.indicator_set_clone(source=small_set, key="tg-2021-so", year=2027, actor=admin_user)
    api = APIClient()
    api.force_login(admin_user)
    refused = api.patch(f"/api/v1/indicator-sets/{draft.key}/", {"name": "Tên mới", "key": "khac"}, format="json")
    assert refused.status_code == 400 and "key" in refused.json()["fields"]
    response = api.patch(f"/api/v1/indicator-sets/{draft.key}/", {"name": "Tên mới"}, format="json")
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert (draft.key, draft.name) == ("tg-2021-so", "Tên mới")
