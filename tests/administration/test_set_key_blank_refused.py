"""A draft set's information form with its key emptied is refused on the key field (the other values typed kept on
the page, nothing saved), not saved with the old key silently kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import SetMetaForm
from scoring.administration.services.sets import indicator_set_version
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _posted(indicator_set: IndicatorSet, **changes: Any) -> dict[str, Any]:
    data = {k: v for k, v in SetMetaForm.initial_for(indicator_set).items() if v is not None}
    return {**data, "version": indicator_set_version(indicator_set), **changes}


@pytest.mark.parametrize("typed", ["", "   "])
def test_a_blank_key_is_refused_on_its_field_keeping_what_else_was_typed(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]),
                           _posted(draft, key=typed, name="Bộ chỉ số sở 2021 (sửa)", decision_ref="12/QĐ-UBND"))
    assert response.status_code == 400
    form = response.context["meta_form"]
    assert form.errors["key"] == [
        "Hãy nhập mã bộ chỉ số (chữ thường không dấu, chữ số, gạch nối), ví dụ «tg-2026-so»; để trống thì không lưu "
        "được."
    ]
    page = response.content.decode()
    assert "Bộ chỉ số sở 2021 (sửa)" in page and "12/QĐ-UBND" in page  # what was typed is still on the page
    stored = IndicatorSet.objects.get(pk=draft.pk)
    assert (stored.key, stored.name, stored.decision_ref) == (draft.key, draft.name, draft.decision_ref)


def test_a_form_without_the_key_field_keeps_the_key(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    # guards a form drawn before it had the field (passes before and after): the key is not posted at all
    client.force_login(admin_user)
    data = _posted(draft, name="Tên mới")
    del data["key"]
    response = client.post(reverse("administration:set_update", args=[draft.pk]), data)
    assert response.status_code == 302
    stored = IndicatorSet.objects.get(pk=draft.pk)
    assert (stored.key, stored.name) == ("draft-2021", "Tên mới")


def test_a_changed_key_is_still_saved(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    # guards the key change itself (passes before and after)
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]), _posted(draft, key="tg-2021-so"))
    assert response.status_code == 302
    assert IndicatorSet.objects.get(pk=draft.pk).key == "tg-2021-so"
