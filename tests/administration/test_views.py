"""Administration pages: every page is for administrators only (403 for other roles, login for anonymous), and
the main flows through plain form posts (they work without JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.resources import IndicatorResource
from scoring.administration.services.cycles import own_deadline_version
from scoring.administration.services.tree import indicator_version
from scoring.administration.services.units import coded_version
from scoring.administration.xlsx import write_sheet
from scoring.models import Assessment, AuditEntry, Cycle, Indicator, IndicatorSet, RoleAssignment, Unit
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

World = dict[str, Any]


@pytest.fixture
def world(assessment: Assessment, small_set: IndicatorSet, admin_user: Any) -> World:
    clone = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    role = RoleAssignment.objects.get(user=admin_user)
    return {
        "set": small_set.pk,
        "draft": clone.pk,
        "node": clone.indicators.get(code="1.2.3").pk,
        "unit": assessment.unit_id,
        "cycle": assessment.cycle_id,
        "assessment": assessment.pk,
        "user": admin_user.pk,
        "role": role.pk,
    }


# (url name, method, args from the world, POST data)
PAGES: list[tuple[str, str, Callable[[World], list[Any]], dict[str, Any]]] = [
    ("administration:index", "get", lambda w: [], {}),
    ("administration:set_list", "get", lambda w: [], {}),
    ("administration:set_create", "post", lambda w: [], {"key": "x", "year": "2022"}),
    ("administration:set_detail", "get", lambda w: [w["draft"]], {}),
    ("administration:set_update", "post", lambda w: [w["draft"]], {"name": "Đổi", "standard_max": "10"}),
    ("administration:set_clone", "get", lambda w: [w["set"]], {}),
    ("administration:set_report", "get", lambda w: [w["draft"]], {}),
    ("administration:set_activate", "post", lambda w: [w["draft"]], {"cycle": "0"}),
    ("administration:set_delete", "post", lambda w: [w["draft"]], {}),
    ("administration:set_diff", "get", lambda w: [w["set"]], {}),
    ("administration:mapping_save", "post", lambda w: [w["set"], w["draft"]], {"from_code": "1", "to_code": "1"}),
    ("administration:set_export", "get", lambda w: [w["set"]], {}),
    ("administration:set_import", "get", lambda w: [w["draft"]], {}),
    ("administration:set_import_apply", "post", lambda w: [w["draft"]], {"token": "x"}),
    ("administration:node_add", "get", lambda w: [w["draft"]], {}),
    ("administration:node_edit", "get", lambda w: [w["node"]], {}),
    ("administration:node_move", "post", lambda w: [w["draft"], w["node"]], {"direction": "up"}),
    ("administration:node_delete", "post", lambda w: [w["draft"], w["node"]], {}),
    ("administration:node_preview", "post", lambda w: [], {"method": "yes_no", "max_points": "1"}),
    ("administration:unit_list", "get", lambda w: [], {}),
    ("administration:unit_create", "post", lambda w: [], {"code": "x"}),
    ("administration:unit_import", "post", lambda w: [], {}),
    ("administration:unit_edit", "get", lambda w: [w["unit"]], {}),
    ("administration:unit_toggle", "post", lambda w: [w["unit"]], {"active": "0"}),
    ("administration:unit_merge", "post", lambda w: [w["unit"]], {}),
    ("administration:kind_create", "post", lambda w: [], {"kind-code": "commune", "kind-name": "Xã"}),
    ("administration:group_create", "post", lambda w: [], {"group-code": "xa", "group-name": "Xã"}),
    ("administration:cycle_list", "get", lambda w: [], {}),
    ("administration:cycle_detail", "get", lambda w: [w["cycle"]], {}),
    ("administration:cycle_phase", "post", lambda w: [w["cycle"]], {"phase": "self_assessment"}),
    ("administration:cycle_deadlines", "post", lambda w: [w["cycle"]], {"self_assessment_deadline": "2021-03-01"}),
    ("administration:cycle_participants", "post", lambda w: [w["cycle"]], {"units": "1"}),
    (
        "administration:assessment_extend",
        "post",
        lambda w: [w["cycle"], w["assessment"]],
        {"deadline": "2021-04-01", "reason": "x"},
    ),
    ("administration:user_list", "get", lambda w: [], {}),
    ("administration:user_create", "post", lambda w: [], {"username": "x"}),
    ("administration:user_import", "post", lambda w: [], {}),
    ("administration:user_detail", "get", lambda w: [w["user"]], {}),
    ("administration:user_edit", "post", lambda w: [w["user"]], {"full_name": "Võ Quốc Bảo", "version": "x"}),
    ("administration:user_toggle", "post", lambda w: [w["user"]], {"active": "0"}),
    ("administration:role_add", "post", lambda w: [w["user"]], {"role": "appraiser"}),
    ("administration:role_delete", "post", lambda w: [w["user"], w["role"]], {}),
    ("administration:audit_list", "get", lambda w: [], {}),
]
IDS = [name.split(":")[1] for name, *_rest in PAGES]


def _call(
    client: Client, world: World, name: str, method: str, args: Callable[[World], list[Any]], data: dict[str, Any]
) -> Any:
    url = reverse(name, args=args(world))
    return client.get(url) if method == "get" else client.post(url, data)


@pytest.mark.parametrize(("name", "method", "args", "data"), PAGES, ids=IDS)
def test_an_administrator_may_use_every_page(
    client: Client, world: World, admin_user: Any, name: str, method: str, args: Any, data: dict[str, Any]
) -> None:
    client.force_login(admin_user)
    response = _call(client, world, name, method, args, data)
    assert response.status_code in (200, 302, 400, 409), response.status_code  # refused input is not a 403
    assert response.status_code != 403


@pytest.mark.parametrize(("name", "method", "args", "data"), PAGES, ids=IDS)
def test_other_roles_get_403_and_change_nothing(
    client: Client, world: World, unit_editor: Any, lead: Any, name: str, method: str, args: Any, data: dict[str, Any]
) -> None:
    audit_before = AuditEntry.objects.count()
    for user in (unit_editor, lead):
        client.force_login(user)
        response = _call(client, world, name, method, args, data)
        assert response.status_code == 403
        assert "Chỉ quản trị viên" in response.content.decode()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(("name", "method", "args", "data"), PAGES, ids=IDS)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client: Client, world: World, name: str, method: str, args: Any, data: dict[str, Any]
) -> None:
    response = _call(client, world, name, method, args, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_nav_shows_administration_to_administrators_only(client: Client, admin_user: Any, unit_editor: Any) -> None:
    client.force_login(admin_user)
    assert 'href="/quan-ly/"' in client.get(reverse("administration:index")).content.decode()
    client.force_login(unit_editor)
    assert 'href="/quan-ly/"' not in client.get("/?cong-khai").content.decode()


def test_creating_a_set_then_adding_an_area_through_forms(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    kind = catalogue["unit_kinds"][0]["code"]
    from scoring.models import UnitKind

    response = client.post(
        reverse("administration:set_create"),
        {
            "key": "tg-2022-so",
            "year": "2022",
            "unit_kind": UnitKind.objects.get(code=kind).pk,
            "name": "Bộ 2022",
            "standard_max": "100",
            "index_mode": "points",
            "bands": "90 | Tốt\n0 | Yếu",
        },
    )
    indicator_set = IndicatorSet.objects.get(key="tg-2022-so")
    assert response.status_code == 302
    assert indicator_set.classification_bands == [{"min": "90", "label": "Tốt"}, {"min": "0", "label": "Yếu"}]
    response = client.post(
        reverse("administration:node_add", args=[indicator_set.pk]),
        {
            "code": "1",
            "name": "Công tác chỉ đạo",
            "kind": "normal",
            "max_points": "100",
            "floor": "0",
            "method": "ratio_bands",
            "source": "self",
            "p_bands": "90 | > | 100\n0 | >= | 50",
        },
    )
    assert response.status_code == 302
    area = indicator_set.indicators.get()
    assert area.params == {
        "bands": [{"min": "90", "inclusive": False, "points": "100"}, {"min": "0", "inclusive": True, "points": "50"}]
    }


def test_editing_a_leaf_with_overlapping_bands_shows_the_message_and_keeps_the_leaf(
    client: Client, world: World, admin_user: Any
) -> None:
    client.force_login(admin_user)
    node = Indicator.objects.get(pk=world["node"])
    response = client.post(
        reverse("administration:node_edit", args=[node.pk]),
        {
            "code": node.code,
            "name": node.name,
            "kind": "normal",
            "max_points": "0,5",
            "floor": "0",
            "method": "ratio_bands",
            "source": "self",
            "p_bands": "50 | >= | 0,5\n60 | >= | 0,25\n0 | >= | 0",
            "version": indicator_version(node),
        },
    )
    assert response.status_code == 400
    assert "chồng lấn" in response.content.decode()
    node.refresh_from_db()
    assert node.method == "manual"


def test_the_preview_renders_the_units_input_or_the_refusal(client: Client, world: World, admin_user: Any) -> None:
    client.force_login(admin_user)
    url = reverse("administration:node_preview")
    ok = client.post(url, {"method": "levels", "max_points": "1", "p_options": "a | Đạt | 1\nb | Không đạt | 0"})
    assert ok.status_code == 200 and 'type="radio"' in ok.content.decode() and "Không đạt" in ok.content.decode()
    bad = client.post(url, {"method": "formula", "max_points": "1", "p_variables": "a | A", "p_expression": "a / z"})
    assert bad.status_code == 400 and "z" in bad.content.decode()


def test_a_frozen_set_refuses_edits_with_a_clear_message(client: Client, world: World, admin_user: Any) -> None:
    client.force_login(admin_user)
    frozen = Indicator.objects.get(indicator_set_id=world["set"], code="1.2.3")
    response = client.post(reverse("administration:node_delete", args=[world["set"], frozen.pk]), follow=True)
    assert "nhân bản thành phiên bản mới" in response.content.decode()
    assert Indicator.objects.filter(pk=frozen.pk).exists()


def test_a_criterion_of_a_set_in_use_opens_read_only_with_the_reason_up_front(
    client: Client, world: World, admin_user: Any
) -> None:
    # given a criterion of the set the cycle uses, and a group of it
    client.force_login(admin_user)
    key = IndicatorSet.objects.get(pk=world["set"]).key
    for code in ("1.2.3", "1"):
        node = Indicator.objects.get(indicator_set_id=world["set"], code=code)
        # when the administrator opens its address
        response = client.get(reverse("administration:node_edit", args=[node.pk]))
        # then it is shown without a form, the refusal said before anything is typed
        body = response.content.decode()
        assert response.status_code == 200
        assert f"Bộ chỉ số «{key}» đang được kỳ đánh giá sử dụng nên không sửa trực tiếp được" in body
        assert 'id="indicator-form"' not in body and 'name="version"' not in body
        assert reverse("administration:node_move", args=[world["set"], node.pk]) not in body
        assert node.name in body and "data-criterion" in body


def test_the_add_page_of_a_set_in_use_says_why_first_and_offers_no_form(
    client: Client, world: World, admin_user: Any
) -> None:
    # given the set the cycle uses, one of its groups, and a draft set
    client.force_login(admin_user)
    key = IndicatorSet.objects.get(pk=world["set"]).key
    group = Indicator.objects.get(indicator_set_id=world["set"], code="1")
    for query in ("", f"?cha={group.pk}"):
        # when the administrator opens the address that adds an area, or a criterion under the group
        response = client.get(reverse("administration:node_add", args=[world["set"]]) + query)
        # then the reason comes first, and there is nothing to fill in
        body = response.content.decode()
        assert response.status_code == 200
        reason = f"Bộ chỉ số «{key}» đang được kỳ đánh giá sử dụng nên đã khoá: không thêm được tiêu chí mới."
        assert re.search(r'</h1>\s*<p class="note" role="status" data-read-only>' + re.escape(reason), body)
        assert 'id="indicator-form"' not in body and 'name="code"' not in body and 'name="save"' not in body
        assert reverse("administration:set_clone", args=[world["set"]]) in body
    # and the draft's add page keeps its form
    draft = client.get(reverse("administration:node_add", args=[world["draft"]])).content.decode()
    assert 'id="indicator-form"' in draft and "data-read-only" not in draft


def test_a_get_of_a_criterions_move_or_delete_lands_on_the_sets_tree_even_once_it_is_deleted(
    client: Client, world: World, admin_user: Any
) -> None:
    # given a criterion of a draft set, deleted through the tree's button
    client.force_login(admin_user)
    tree = reverse("administration:set_detail", args=[world["draft"]])
    move = reverse("administration:node_move", args=[world["draft"], world["node"]])
    delete = reverse("administration:node_delete", args=[world["draft"], world["node"]])
    assert client.get(move)["Location"] == f"{tree}#node-{world['node']}"
    assert client.post(delete)["Location"] == tree
    assert not Indicator.objects.filter(pk=world["node"]).exists()
    # when its actions' addresses are opened again (the back button, the language switch)
    answers = [client.get(move), client.get(delete)]
    # then both lead to the set's tree, which opens
    assert [(answer.status_code, answer["Location"].split("#")[0]) for answer in answers] == [(302, tree)] * 2
    assert client.get(tree).status_code == 200


def test_a_criterion_is_not_moved_or_deleted_through_another_sets_address(
    client: Client, world: World, admin_user: Any
) -> None:
    client.force_login(admin_user)
    before = AuditEntry.objects.count()
    for name, data in (("administration:node_move", {"direction": "up"}), ("administration:node_delete", {})):
        response = client.post(reverse(name, args=[world["set"], world["node"]]), data)
        assert response.status_code == 404, name
    assert Indicator.objects.filter(pk=world["node"]).exists() and AuditEntry.objects.count() == before


def test_import_upload_previews_then_applies(client: Client, world: World, admin_user: Any) -> None:
    client.force_login(admin_user)
    source = IndicatorSet.objects.get(pk=world["set"])
    target = services.indicator_set_create(
        key="annex",
        year=2022,
        unit_kind=source.unit_kind,
        actor=admin_user,
        data={"name": "Phụ lục", "standard_max": "10", "bonus_cap": "2", "penalty_cap": "2"},
    )
    dataset = IndicatorResource(indicator_set=source).export()
    content = write_sheet(title="x", headers=list(dataset.headers), rows=dataset)
    response = client.post(reverse("administration:set_import", args=[target.pk]), {"file": upload(content)})
    assert response.status_code == 200
    assert target.indicators.count() == 0
    token = response.context["token"]
    # the preview's token applies to the set it was checked against, not to another draft
    other = IndicatorSet.objects.get(pk=world["draft"])
    before = other.indicators.count()
    misused = client.post(reverse("administration:set_import_apply", args=[other.pk]), {"token": token})
    assert misused.status_code == 400 and "bộ khác" in misused.content.decode()
    assert other.indicators.count() == before
    response = client.post(reverse("administration:set_import_apply", args=[target.pk]), {"token": token})
    assert response.status_code == 302
    assert target.indicators.count() == source.indicators.count()


def test_import_of_a_broken_file_shows_why(client: Client, world: World, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(
        reverse("administration:set_import", args=[world["draft"]]), {"file": upload(b"PK\x03\x04 broken")}
    )
    assert response.status_code == 400
    assert "hỏng" in response.content.decode()
    assert IndicatorSet.objects.get(pk=world["draft"]).indicators.count() == 16


def test_a_cycle_is_created_and_its_phase_opened_and_closed(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    form_field = f"set_{small_set.unit_kind_id}"
    response = client.post(
        reverse("administration:cycle_list"),
        {
            "year": "2020",
            "name": "Kỳ 2020",
            form_field: small_set.pk,
            "self_assessment_deadline": "2021-01-15",
        },
    )
    cycle = Cycle.objects.get(year=2020)
    assert response.status_code == 302
    client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "self_assessment"})
    cycle.refresh_from_db()
    assert cycle.phase == "self_assessment"
    client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "published"})  # skipping refused
    cycle.refresh_from_db()
    assert cycle.phase == "self_assessment"
    units = Unit.objects.filter(kind=small_set.unit_kind)[:2]
    client.post(reverse("administration:cycle_participants", args=[cycle.pk]), {"units": [u.pk for u in units]})
    assert cycle.assessments.count() == 2


def test_every_unit_of_a_kind_takes_part_through_one_field(client: Client, small_set: IndicatorSet,
                                                           admin_user: Any) -> None:
    """A national cycle opens thousands of units: more checkboxes than a form may send (1,000 fields)."""
    from scoring.models import UnitKind
    from scoring.services import cycle_create

    kind = small_set.unit_kind
    other = UnitKind.objects.exclude(pk=kind.pk).first()
    cycle = cycle_create(year=2020, name="Kỳ 2020", sets={kind: small_set}, actor=None)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk]))
    assert [k.pk for k, _units in page.context["candidate_kinds"]] == [kind.pk]
    assert f'name="kinds" value="{kind.pk}" checked' in page.content.decode()
    response = client.post(reverse("administration:cycle_participants", args=[cycle.pk]),
                           {"kinds": [str(kind.pk), str(other.pk)]})  # a kind the cycle has no set for: ignored
    assert response.status_code == 302
    expected = set(Unit.objects.filter(kind=kind, active=True).values_list("pk", flat=True))
    assert set(cycle.assessments.values_list("unit_id", flat=True)) == expected and expected
    assert client.get(reverse("administration:cycle_detail", args=[cycle.pk])).context["candidate_kinds"] == []


def test_a_user_is_created_through_the_form(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(
        reverse("administration:user_create"),
        {
            "username": "thu",
            "full_name": "Nguyễn Thu",
            "password": "x-Secret-2021!",
            "role": "unit_head",
            "unit": "so-y-te",
        },
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user__username="thu").role == "unit_head"


def test_units_are_typed_by_code_from_the_pages_list_in_the_user_and_audit_forms(
    client: Client, catalogue: Any, admin_user: Any, unit_editor: Any, appraiser: Any
) -> None:
    """A national site has 4,000 units: no drop-down of them, a code picked from the page's list."""
    client.force_login(admin_user)
    url = reverse("administration:user_list")
    page = client.get(url).content.decode()
    assert 'name="don_vi"' in page and '<select id="id_don_vi"' not in page and '<select name="unit"' not in page
    assert '<datalist id="unit-codes">' in page and '<option value="so-y-te">Sở Y tế</option>' in page
    assert page.count('list="unit-codes"') == 2  # the filter and the new user's unit
    names = lambda response: {u.username for u in response.context["page"].object_list}  # noqa: E731
    assert names(client.get(url, {"don_vi": "SO-Y-TE "})) == {unit_editor.username}
    assert names(client.get(url, {"don_vi": "khong-co"})) == set()  # an unknown code matches nobody
    refused = client.post(reverse("administration:user_create"), {
        "username": "thu", "full_name": "Nguyễn Thu", "password": "x-Secret-2021!", "role": "unit_head",
        "unit": "khong-co",
    })
    assert refused.status_code == 400 and "Không có đơn vị nào tên hoặc mã «khong-co»" in refused.content.decode()
    assert not RoleAssignment.objects.filter(user__username="thu").exists()
    detail = reverse("administration:user_detail", args=[appraiser.pk])
    assert 'list="unit-codes"' in client.get(detail).content.decode()
    client.post(reverse("administration:role_add", args=[appraiser.pk]), {"role": "unit_editor", "unit": "so-tu-phap"})
    assert RoleAssignment.objects.filter(user=appraiser, role="unit_editor", unit__code="so-tu-phap").exists()
    audit = client.get(reverse("administration:audit_list"), {"unit": "so-tu-phap"})
    assert audit.status_code == 200 and audit.context["form"].cleaned_data["unit"].code == "so-tu-phap"


def test_the_audit_viewer_filters_and_paginates(client: Client, world: World, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("administration:audit_list"), {"object_type": "IndicatorSet"})
    page = response.context["page"]
    assert {e.object_type for e in page.object_list} == {"IndicatorSet"}
    bad = client.get(reverse("administration:audit_list"), {"date_from": "31/02/2021"})
    assert bad.status_code == 400


def test_the_cycle_page_filters_and_pages_its_participants_and_an_extension_comes_back_to_them(
    client: Client, cycle: Cycle, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.administration.views import cycles as cycle_views
    from scoring.services import assessments_open

    monkeypatch.setattr(cycle_views, "PARTICIPANTS_PER_PAGE", 10)  # a national cycle has thousands
    units = list(Unit.objects.filter(kind__code__in=["department", "vertical"], active=True))
    opened = assessments_open(cycle=cycle, units=units, actor=None)
    Assessment.objects.filter(pk__in=[a.pk for a in opened[:3]]).update(state=Assessment.State.SUBMITTED)
    client.force_login(admin_user)
    url = reverse("administration:cycle_detail", args=[cycle.pk])

    everyone = client.get(url)
    assert everyone.status_code == 200
    page = everyone.context["page"]
    assert page.paginator.count == len(units) and len(page.object_list) == 10
    counts = {value: n for value, _label, n in everyone.context["states"]}
    assert counts["draft"] == len(units) - 3 and counts["submitted"] == 3 and sum(counts.values()) == len(units)
    assert f"Tổng cộng {len(units)} đơn vị" in everyone.content.decode()
    last = client.get(url, {"trang": str(page.paginator.num_pages)}).context["page"]
    assert len(last.object_list) == len(units) - 10 * (page.paginator.num_pages - 1)

    submitted = client.get(url, {"trang_thai": "submitted"}).context["page"]
    assert submitted.paginator.count == 3 and {a.state for a in submitted.object_list} == {"submitted"}
    named = client.get(url, {"q": "Y tế"}).context["page"]
    assert [a.unit.code for a in named.object_list] == ["so-y-te"]
    ignored = client.get(url, {"trang_thai": "no-such-state", "trang": "x"})  # unknown filters: the whole list
    assert ignored.status_code == 200 and ignored.context["page"].paginator.count == len(units)

    drafts = client.get(url, {"trang_thai": "draft", "trang": "2"})
    assert drafts.context["back"] == "trang_thai=draft&trang=2"
    target = drafts.context["page"].object_list[0]
    response = client.post(
        reverse("administration:assessment_extend", args=[cycle.pk, target.pk]),
        {"deadline": "2030-01-31", "reason": "Đơn vị xin gia hạn", "back": "trang_thai=draft&trang=2&next=//evil",
         "version": own_deadline_version(target)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?trang_thai=draft&trang=2#participant-{target.pk}"
    target.refresh_from_db()
    assert target.deadline_override is not None


# --- users from Excel: checked in the request, made by a worker ---------------------------------------------

IMPORT_HEADERS = ("username", "full_name", "password", "role", "unit")


def _users_file(rows: list[tuple[str, ...]]) -> Any:
    from tests.administration.conftest import xlsx_bytes

    return upload(xlsx_bytes(IMPORT_HEADERS, rows), "nguoi-dung.xlsx")


TWO_USERS = [("an", "Lê An", "x-Secret-2021!", "unit_head", "so-y-te"),
             ("binh", "Trần Bình", "x-Secret-2021!", "appraiser", "")]


@pytest.fixture
def import_posted(
    client: Client, catalogue: Any, admin_user: Any, django_capture_on_commit_callbacks: Any, settings: Any,
    tmp_path: Any,
) -> tuple[Any, list[Any]]:
    """An administrator's upload of TWO_USERS, previewed then confirmed: the confirmation's response, and the
    commit's callbacks, held back."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    preview = client.post(reverse("administration:user_import"), {"file": _users_file(TWO_USERS)})
    assert preview.status_code == 200
    with django_capture_on_commit_callbacks() as waiting:
        response = client.post(reverse("administration:user_import"),
                               {"confirm": preview.context["import_preview"]["key"]})
    return response, waiting


def test_an_import_of_users_is_checked_at_once_and_made_by_a_worker(
    client: Client, import_posted: tuple[Any, list[Any]]
) -> None:
    from django.contrib.auth import get_user_model

    from scoring.administration.services.imports import _import_path
    from scoring.models import UserImport

    response, waiting = import_posted
    job = UserImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:user_import_job", args=[job.pk])
    assert job.status == UserImport.Status.PENDING and job.rows == 2
    assert not get_user_model().objects.filter(username__in=["an", "binh"]).exists()  # nothing made yet
    pending = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in pending and "Đang chờ" in pending
    for callback in waiting:  # the commit: the rows are written for the worker, the task runs (eagerly here)
        callback()
    job.refresh_from_db()
    assert job.status == UserImport.Status.DONE and job.created == 2 and job.finished_at is not None
    made = get_user_model().objects.get(username="an")
    assert made.check_password("x-Secret-2021!") and made.roles.get().unit.code == "so-y-te"
    assert not _import_path(job.pk).exists()  # the passwords do not stay on disk
    done = client.get(response["Location"]).content.decode()
    assert "Đã tạo 2 tài khoản" in done and 'http-equiv="refresh"' not in done


def test_an_import_of_users_with_a_bad_row_is_refused_at_once_and_starts_nothing(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    from scoring.models import UserImport

    client.force_login(admin_user)
    rows = [("an", "Lê An", "x-Secret-2021!", "unit_head", "so-y-te"), ("binh", "Bình", "123", "chief", "")]
    response = client.post(reverse("administration:user_import"), {"file": _users_file(rows)})
    assert response.status_code == 400
    assert [e["row"] for e in response.context["import_rows"]] == [3]
    assert not UserImport.objects.exists()


def test_an_import_whose_data_changed_before_the_worker_ran_fails_whole_and_says_why(
    client: Client, import_posted: tuple[Any, list[Any]]
) -> None:
    from django.contrib.auth import get_user_model

    from scoring.administration.services.imports import _import_path
    from scoring.models import UserImport

    _response, waiting = import_posted
    get_user_model().objects.create_user(username="binh", password="x-Other-2021!")  # taken meanwhile
    for callback in waiting:
        callback()
    job = UserImport.objects.get()
    assert job.status == UserImport.Status.FAILED and job.created == 0
    assert [p["row"] for p in job.problems] == [3]
    assert not get_user_model().objects.filter(username="an").exists()  # all or nothing
    assert not _import_path(job.pk).exists()
    page = client.get(reverse("administration:user_import_job", args=[job.pk])).content.decode()
    assert "Không tài khoản nào được tạo" in page and "binh" in page


def test_an_import_whose_worker_died_is_given_up_by_the_sweep_and_its_passwords_removed(
    client: Client, import_posted: tuple[Any, list[Any]], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from scoring import tasks
    from scoring.administration.services.imports import _import_path
    from scoring.models import UserImport

    _response, waiting = import_posted
    monkeypatch.setattr(tasks.user_import_run_task, "delay", lambda job_id: None)  # the worker never finishes
    for callback in waiting:
        callback()
    job = UserImport.objects.get()
    assert _import_path(job.pk).exists()
    UserImport.objects.filter(pk=job.pk).update(status=UserImport.Status.RUNNING)  # claimed, then the worker died
    tasks.worker_jobs_sweep_task()  # not old enough yet: left alone
    job.refresh_from_db()
    assert job.status == UserImport.Status.RUNNING and _import_path(job.pk).exists()

    old = timezone.now() - datetime.timedelta(minutes=settings.WORKER_JOB_TIMEOUT_MINUTES + 1)
    UserImport.objects.filter(pk=job.pk).update(created_at=old)
    tasks.worker_jobs_sweep_task()
    job.refresh_from_db()
    assert job.status == UserImport.Status.FAILED and job.finished_at is not None
    assert not _import_path(job.pk).exists()  # the initial passwords do not stay on disk
    assert not get_user_model().objects.filter(username__in=["an", "binh"]).exists()
    page = client.get(reverse("administration:user_import_job", args=[job.pk])).content.decode()
    assert "không tài khoản nào được tạo" in page and 'http-equiv="refresh"' not in page
    from scoring.administration.services import user_import_run

    user_import_run(job_id=job.pk)  # a late redelivery of the task changes nothing
    job.refresh_from_db()
    assert job.status == UserImport.Status.FAILED
    assert not get_user_model().objects.filter(username="an").exists()


def test_ids_too_large_for_any_row_in_a_query_or_a_form_match_nothing_and_break_nothing(
    client: Any, admin_user: Any, cycle: Any
) -> None:
    """A number past the ids' range (SQLite cannot even compare one) is a kind or unit that does not exist: the
    units page lists as without a filter, the participants' form says to choose a unit, the cycle keeps its own."""
    big = "9" * 25
    client.force_login(admin_user)
    listed = client.get(f"/quan-ly/don-vi/?loai={big}")
    assert listed.status_code == 200 and "so-y-te" in listed.content.decode()
    before = Assessment.objects.filter(cycle=cycle).count()
    answer = client.post(f"/quan-ly/ky-danh-gia/{cycle.pk}/don-vi/", {"units": [big, "-3", "²"], "kinds": [big]},
                         follow=True)
    assert answer.status_code == 200 and "Hãy chọn ít nhất một đơn vị." in answer.content.decode()
    assert Assessment.objects.filter(cycle=cycle).count() == before


@pytest.mark.parametrize("raw", ["²", "٣", "9" * 25])
def test_an_id_in_a_query_that_int_would_refuse_is_no_row_not_a_server_error(
    client: Any, admin_user: Any, small_set: IndicatorSet, raw: str
) -> None:
    """"²" and "٣" are digits to `str.isdigit` but not to `int`: a parent, a set to compare with, a revision of the
    public results (a citizen's page) named so are simply not found."""
    client.raise_request_exception = False
    client.force_login(admin_user)
    assert client.get(f"/quan-ly/bo-chi-so/{small_set.pk}/tieu-chi/them/?cha={raw}").status_code == 404
    assert client.get(f"/quan-ly/bo-chi-so/{small_set.pk}/so-sanh/?voi={raw}").status_code == 200
    assert client.get(f"/ket-qua/2020/?lan={raw}").status_code == 404  # nothing published for 2020 here


@pytest.mark.parametrize("name", ["   \x01", "Sở\x00 ngành", "a\u202eb"])
def test_a_name_with_a_control_or_direction_character_is_refused_and_changes_nothing(
    client: Client, admin_user: Any, catalogue: Any, name: str
) -> None:
    """An invisible kind name («\\x01») or one that turns text around was stored and audited: refused now, as a
    unit's own texts are."""
    from scoring.models import UnitKind

    kind = UnitKind.objects.order_by("pk").first()
    before, audits = kind.name, AuditEntry.objects.count()
    client.force_login(admin_user)
    answer = client.post(f"/quan-ly/loai-don-vi/{kind.pk}/doi-ten/", {"name": name, "version": coded_version(kind)},
                         follow=True)
    assert answer.status_code in {200, 400}
    assert "ký tự điều khiển" in answer.content.decode() or "NUL" in answer.content.decode()
    kind.refresh_from_db()
    assert kind.name == before and AuditEntry.objects.count() == audits
