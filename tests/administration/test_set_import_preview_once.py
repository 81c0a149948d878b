"""The set tree import's preview applies once, and only to the tree it was made against: applied again, or after
the tree was edited in another tab, it is refused (409) and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.resources import IndicatorResource
from scoring.administration.xlsx import write_sheet
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

STALE = "Bộ chỉ số đã thay đổi từ lúc xem trước; hãy tải tệp lên lại."


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _tree(indicator_set: IndicatorSet) -> list[tuple[Any, ...]]:
    return list(indicator_set.indicators.order_by("pk").values_list("pk", "code", "name", "max_points", "order"))


def _preview(client: Client, indicator_set: IndicatorSet, source: IndicatorSet) -> str:
    dataset = IndicatorResource(indicator_set=source).export()
    content = write_sheet(title="x", headers=list(dataset.headers), rows=dataset)
    response = client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})
    assert response.status_code == 200
    return str(response.context["token"])


def _apply(client: Client, indicator_set: IndicatorSet, token: str) -> Any:
    return client.post(reverse("administration:set_import_apply", args=[indicator_set.pk]), {"token": token})


def test_a_preview_applied_after_the_tree_was_edited_elsewhere_is_refused_and_keeps_the_edit(
    client: Client, draft: IndicatorSet, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: a preview, then an edit of the tree in another tab
    client.force_login(admin_user)
    token = _preview(client, draft, small_set)
    node = draft.indicators.get(code="1.2.3")
    services.indicator_update(
        indicator=node,
        data={"code": "1.2.3", "name": "Sửa ở thẻ khác", "kind": "normal", "max_points": "0.5",
              "method": "manual", "params": {"step": "0.25"}},
        actor=admin_user,
    )
    before, audits = _tree(draft), AuditEntry.objects.count()
    # when
    response = _apply(client, draft, token)
    # then
    assert response.status_code == 409
    assert STALE in response.content.decode()
    assert _tree(draft) == before
    assert draft.indicators.get(code="1.2.3").name == "Sửa ở thẻ khác"
    assert AuditEntry.objects.count() == audits


def test_a_preview_applies_once(
    client: Client, draft: IndicatorSet, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: a preview applied
    client.force_login(admin_user)
    token = _preview(client, draft, small_set)
    assert _apply(client, draft, token).status_code == 302
    after, audits = _tree(draft), AuditEntry.objects.count()
    # when: the same preview is applied again
    response = _apply(client, draft, token)
    # then
    assert response.status_code == 409
    assert STALE in response.content.decode()
    assert _tree(draft) == after
    assert AuditEntry.objects.count() == audits


def test_a_preview_of_an_unchanged_tree_applies(
    client: Client, draft: IndicatorSet, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    before = _tree(draft)
    token = _preview(client, draft, small_set)
    response = _apply(client, draft, token)
    assert response.status_code == 302
    assert len(_tree(draft)) == len(before) and _tree(draft) != before  # every node replaced by a new one
    assert AuditEntry.objects.filter(action="indicator_set.import_xlsx").count() == 1


def test_a_preview_signed_without_the_trees_fingerprint_is_refused(
    client: Client, draft: IndicatorSet, small_set: IndicatorSet, admin_user: Any
) -> None:
    from django.core import signing

    from scoring.administration.views.sets import IMPORT_SALT

    # given: a preview's rows signed as before, with no fingerprint of the tree
    client.force_login(admin_user)
    signed = signing.loads(_preview(client, draft, small_set), salt=IMPORT_SALT)
    token = signing.dumps({"set": signed["set"], "rows": signed["rows"]}, salt=IMPORT_SALT, compress=True)
    before = _tree(draft)
    # when / then
    assert _apply(client, draft, token).status_code == 400
    assert _tree(draft) == before
