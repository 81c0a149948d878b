"""Two administrators on one criterion's page (or one set's information form): the save made from a page drawn
before a colleague's save is refused with the reason, shows what was typed and what is stored, and changes
nothing; a save without the page's version is refused too. No lost update."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import AuditEntry, Indicator, IndicatorSet
from tests.administration.page_helpers import error_messages as _errors
from tests.administration.page_helpers import form_version as _version

pytestmark = pytest.mark.django_db


def _stored_block(page: str) -> str:
    assert 'id="stored-values"' in page, "no stored values shown"
    return page.split('id="stored-values"', 1)[1].split("</div>", 1)[0]


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _leaf_data(leaf: Indicator, **changes: Any) -> dict[str, Any]:
    return {
        "code": leaf.code, "kind": leaf.kind, "max_points": "0,5", "floor": "0", "name": leaf.name,
        "coordinating_department": "", "method": "manual", "p_step": "0,25", "source": "self",
        "evidence_required": "on", "guidance": "", "save": "1", **changes,
    }


def test_the_second_save_from_one_drawn_criterion_page_is_refused_and_the_first_is_kept(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given two administrators who opened the same criterion's page
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    version = _version(client.get(url).content.decode())
    # when B saves a new name, then A saves another field from the page drawn before
    first = client.post(url, _leaf_data(leaf, name="Gửi báo cáo đúng hạn (B)", version=version))
    second = client.post(url, _leaf_data(leaf, guidance="Hướng dẫn của A", p_step="0,5", version=version))
    # then A's save is refused, A's typing kept, B's name shown as stored; nothing of A's is written
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị)" in _errors(second)
    page = second.content.decode()
    assert "Hướng dẫn của A" in page and 'value="0,5"' in page
    stored = _stored_block(page)
    assert "Gửi báo cáo đúng hạn (B)" in stored and "Nội dung" in stored
    assert "Bước điểm" in stored and "0,25" in stored  # the parameter A changed, as stored
    leaf.refresh_from_db()
    assert (leaf.name, leaf.guidance, leaf.params) == ("Gửi báo cáo đúng hạn (B)", "", {"step": "0.25"})
    assert AuditEntry.objects.filter(action="indicator.update", object_id=str(leaf.pk)).count() == 1
    # and the refused page carries the version now stored: saving again (having seen B's name) goes through
    again = client.post(url, _leaf_data(leaf, guidance="Hướng dẫn của A", version=_version(page)))
    assert again.status_code == 302
    leaf.refresh_from_db()
    assert (leaf.name, leaf.guidance) == ("Gửi báo cáo đúng hạn (B)", "Hướng dẫn của A")


def test_a_criterion_changed_through_the_api_also_refuses_a_page_drawn_before(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    version = _version(client.get(url).content.decode())
    services.indicator_update(indicator=leaf, data={**_leaf_data(leaf), "max_points": "0.5",
                                                     "params": {"step": "0.5"}}, actor=admin_user)
    response = client.post(url, _leaf_data(leaf, name="Đổi tên", version=version))
    assert response.status_code == 409
    leaf.refresh_from_db()
    assert leaf.name != "Đổi tên"


def test_a_criterion_save_without_a_version_is_refused_and_changes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    for posted in (_leaf_data(leaf, name="Không phiên bản"), _leaf_data(leaf, name="Không phiên bản", version="")):
        response = client.post(url, posted)
        assert response.status_code == 400
        assert "không mang phiên bản" in _errors(response)
    leaf.refresh_from_db()
    assert leaf.name != "Không phiên bản"
    assert not AuditEntry.objects.filter(action="indicator.update", object_id=str(leaf.pk)).exists()


def test_a_refused_criterion_form_and_its_preview_keep_the_version_its_page_was_drawn_with(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    version = _version(client.get(url).content.decode())
    assert client.post(url, _leaf_data(leaf, name="Tên của B", version=version)).status_code == 302

    preview = client.post(url, {**_leaf_data(leaf, name="Tên của A", version=version), "preview": "1"})
    mistyped = client.post(url, _leaf_data(leaf, max_points="", version=_version(preview.content.decode())))
    again = client.post(url, _leaf_data(leaf, name="Tên của A", version=_version(mistyped.content.decode())))

    assert _version(preview.content.decode()) == version and mistyped.status_code == 400
    assert again.status_code == 409
    leaf.refresh_from_db()
    assert leaf.name == "Tên của B"


def test_a_criterion_saved_from_a_fresh_page_is_saved(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    group = draft.indicators.get(code="1.2")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[group.pk])
    version = _version(client.get(url).content.decode())
    response = client.post(url, {"code": "1.2", "kind": "normal", "max_points": "3", "floor": "0",
                                 "name": "Báo cáo CCHC (sửa)", "method": "", "guidance": "", "version": version})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Báo cáo CCHC (sửa)"


def _meta_data(indicator_set: IndicatorSet, **changes: Any) -> dict[str, Any]:
    return {"name": indicator_set.name, "decision_ref": indicator_set.decision_ref, "standard_max": "10",
            "index_mode": "points", "bonus_cap": "2", "penalty_cap": "2",
            "bands": "9 | Tốt\n8 | Khá\n6,5 | Trung bình\n0 | Yếu", "source_note": "", **changes}


def test_the_second_save_of_one_drawn_set_information_form_is_refused_and_the_first_is_kept(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode()
    version = _version(page)
    url = reverse("administration:set_update", args=[draft.pk])
    first = client.post(url, _meta_data(draft, decision_ref="12/QĐ-UBND (B)", version=version))
    second = client.post(url, _meta_data(draft, name="Tên bộ của A", bonus_cap="1,5", version=version))
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị)" in _errors(second)
    page = second.content.decode()
    assert 'value="Tên bộ của A"' in page and 'value="1,5"' in page
    stored = _stored_block(page)
    assert "12/QĐ-UBND (B)" in stored and "Bộ chỉ số thử nghiệm" in stored and "Trần điểm cộng" in stored
    assert "Thang xếp loại" not in stored  # the same bands, typed as stored: not listed
    draft.refresh_from_db()
    assert (draft.name, draft.decision_ref, str(draft.bonus_cap)) == (
        "Bộ chỉ số thử nghiệm", "12/QĐ-UBND (B)", "2.00"
    )
    assert AuditEntry.objects.filter(action="indicator_set.update", object_id=str(draft.pk)).count() == 1


def test_a_set_information_save_without_a_version_is_refused_and_changes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]), _meta_data(draft, name="Khác"))
    assert response.status_code == 400
    assert "không mang phiên bản" in _errors(response)
    draft.refresh_from_db()
    assert draft.name == "Bộ chỉ số thử nghiệm"
    assert not AuditEntry.objects.filter(action="indicator_set.update", object_id=str(draft.pk)).exists()


def test_a_set_information_save_from_a_fresh_page_is_saved(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    version = _version(client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode())
    response = client.post(reverse("administration:set_update", args=[draft.pk]),
                           _meta_data(draft, name="Tên mới", version=version))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "Tên mới"
