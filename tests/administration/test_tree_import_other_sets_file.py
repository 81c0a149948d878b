"""A tree file exported from another set (the districts' file uploaded on the departments' set) is named as such in
the preview («Tệp này xuất từ bộ tg-2021-huyen …») and is written only once the administrator confirms it: the export
names its set on a hidden companion sheet (a file exported before, by its worksheet's name, the set's key). The set's
own file, and a file that names no set (made by hand), are imported as before."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services.tree import indicator_set_tree_fingerprint
from scoring.administration.services.tree_excel import TREE_MARKER
from scoring.models import AuditEntry, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db


def _fixture_set(name: str) -> IndicatorSet:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / f"{name}.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


@pytest.fixture
def so_2021(catalogue: Any, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=_fixture_set("tg-2020-so"), key="tg-2021-so", year=2021,
                                        actor=admin_user)


@pytest.fixture
def huyen_2021(catalogue: Any, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=_fixture_set("tg-2020-huyen"), key="tg-2021-huyen", year=2021,
                                        actor=admin_user)


@pytest.fixture
def client(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def _resaved(content: bytes, *, drop_companion: bool = False, title: str | None = None) -> bytes:
    """The file as Excel would save it after a person's edits: without the companion sheet (a file exported before
    it was written), or with its worksheet renamed."""
    workbook = load_workbook(io.BytesIO(content))
    if drop_companion:
        for ws in list(workbook.worksheets):
            if ws.cell(row=1, column=1).value == TREE_MARKER:
                workbook.remove(ws)
    if title is not None:
        workbook.worksheets[0].title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _preview(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    response = client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def _apply(client: Client, indicator_set: IndicatorSet, token: str, **extra: str) -> Any:
    return client.post(reverse("administration:set_import_apply", args=[indicator_set.pk]), {"token": token, **extra})


def test_the_export_names_its_set_on_a_very_hidden_companion_sheet(client: Client, huyen_2021: IndicatorSet) -> None:
    workbook = load_workbook(io.BytesIO(_exported(client, huyen_2021)))
    companion = next(ws for ws in workbook.worksheets if ws.cell(row=1, column=1).value == TREE_MARKER)
    assert companion.sheet_state == "veryHidden"
    assert [c.value for c in companion[1]][:3] == [TREE_MARKER, "tg-2021-huyen", str(huyen_2021.pk)]
    assert workbook.worksheets[0].title == "tg-2021-huyen"


def test_another_sets_file_is_named_in_the_preview_and_not_written_without_a_confirmation(
    client: Client, so_2021: IndicatorSet, huyen_2021: IndicatorSet
) -> None:
    # given the districts' export uploaded on the departments' set
    before = indicator_set_tree_fingerprint(so_2021)
    response = _preview(client, so_2021, _exported(client, huyen_2021))
    html = response.content.decode()
    # then the preview names the set the file comes from, and asks for a confirmation beside the button
    assert "Tệp này xuất từ bộ tg-2021-huyen, không phải từ bộ tg-2021-so đang nhập." in html
    assert 'data-other-set="tg-2021-huyen"' in html
    assert 'name="confirm_file_set" value="1" required' in html
    # when it is applied without the confirmation
    entries = AuditEntry.objects.count()
    refused = _apply(client, so_2021, response.context["token"])
    # then nothing is written; the preview is shown again with the refusal and the box to tick
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Tệp này xuất từ bộ «tg-2021-huyen», không phải từ bộ «tg-2021-so». Chưa ghi gì" in page
    assert 'data-other-set="tg-2021-huyen"' in page and 'aria-invalid="true" autofocus' in page
    assert refused.context["token"] == response.context["token"]
    assert indicator_set_tree_fingerprint(so_2021) == before
    assert AuditEntry.objects.count() == entries
    # when it is confirmed
    applied = _apply(client, so_2021, response.context["token"], confirm_file_set="1")
    # then the tree is the districts' tree, and the audit entry says where the file came from
    assert applied.status_code == 302
    assert sorted(so_2021.indicators.values_list("code", flat=True)) == sorted(
        huyen_2021.indicators.values_list("code", flat=True))
    entry = AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(so_2021.pk)).get()
    assert entry.changes["file_set"] == "tg-2021-huyen"


def test_a_file_exported_before_the_companion_sheet_is_known_by_its_worksheets_name(
    client: Client, so_2021: IndicatorSet, huyen_2021: IndicatorSet
) -> None:
    content = _resaved(_exported(client, huyen_2021), drop_companion=True)
    response = _preview(client, so_2021, content)
    assert 'data-other-set="tg-2021-huyen"' in response.content.decode()
    assert _apply(client, so_2021, response.context["token"]).status_code == 400


def test_the_sets_own_file_is_written_without_a_confirmation_even_with_its_key_changed_since(
    client: Client, so_2021: IndicatorSet
) -> None:
    content = _exported(client, so_2021)
    IndicatorSet.objects.filter(pk=so_2021.pk).update(key="tg-2021-so-moi")
    response = _preview(client, so_2021, content)
    html = response.content.decode()
    assert "data-other-set" not in html and "confirm_file_set" not in html
    assert _apply(client, so_2021, response.context["token"]).status_code == 302


@pytest.mark.parametrize("drop_companion", [True, False], ids=["no companion", "companion kept"])
def test_a_file_renamed_by_hand_without_a_set_named_is_imported_as_before(
    client: Client, so_2021: IndicatorSet, drop_companion: bool
) -> None:
    # a file with no companion and a worksheet named by a person names no set; with the companion, the set's own
    content = _resaved(_exported(client, so_2021), drop_companion=drop_companion, title="Phu luc 2021")
    response = _preview(client, so_2021, content)
    assert "data-other-set" not in response.content.decode()
    assert _apply(client, so_2021, response.context["token"]).status_code == 302


def test_a_set_without_criteria_takes_another_sets_file_named_without_a_confirmation(
    client: Client, huyen_2021: IndicatorSet, admin_user: Any
) -> None:
    # given a new set with no criterion yet: the file replaces nothing
    empty = services.indicator_set_create(
        key="tg-2022-huyen", year=2022, unit_kind=huyen_2021.unit_kind, actor=admin_user,
        data={"name": "Bộ huyện 2022", "standard_max": "100", "bonus_cap": "2", "penalty_cap": "2"},
    )
    response = _preview(client, empty, _exported(client, huyen_2021))
    html = response.content.decode()
    # then the file's set is named, as a note, and no confirmation is asked
    assert 'data-other-set="tg-2021-huyen"' in html and "chưa có tiêu chí nào" in html
    assert "confirm_file_set" not in html
    assert _apply(client, empty, response.context["token"]).status_code == 302
    assert empty.indicators.count() == huyen_2021.indicators.count()
