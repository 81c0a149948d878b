"""A users file has a row per role: a new account's second row may repeat the first row's cells (an Excel user
copies the whole row) and is then one account with another role; a cell that differs is refused, naming the column
and the first row. A new role at a unit merged into another names the unit it went to, in the file, the users
page and the service alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.imports import users_import_apply
from scoring.errors import ValidationFailed
from scoring.models import RoleAssignment, Unit
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"


def _row(n: int, **cells: Any) -> dict[str, Any]:
    row = {"row": n, "username": "moi", "full_name": "Lê Văn Mới", "email": "moi@example.org", "password": PASSWORD,
           "role": "unit_editor", "unit": "so-y-te"}
    return {**row, **cells}


def _problems(rows: list[dict[str, Any]], actor: Any) -> dict[int, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=actor)
    return {d["row"]: d["messages"] for d in refused.value.details}


def test_a_new_accounts_second_row_repeating_the_first_makes_one_account_with_two_roles(admin_user: Any) -> None:
    # given a new account's two rows, the second a copy of the first with another role
    rows = [_row(2), _row(3, role="unit_head")]
    # when the file is checked and applied
    plans = services.users_import_plan(rows=rows, actor=admin_user)
    done = users_import_apply(rows=rows, actor=admin_user)
    # then one account holds both roles
    assert [p.create for p in plans] == [True, False] and plans[1].add_role
    assert (done.created, done.roles_added) == (1, 1)
    user = get_user_model().objects.get(username="moi")
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {"unit_editor",
                                                                                           "unit_head"}
    assert user.check_password(PASSWORD)


def test_a_second_row_with_an_email_in_another_case_and_blank_cells_is_the_same_account(admin_user: Any) -> None:
    rows = [_row(2), _row(3, role="unit_head", email="MOI@example.org", full_name=" Lê  Văn Mới"),
            _row(4, role="appraiser", unit="", full_name="", email="", password="")]
    assert [p.add_role for p in services.users_import_plan(rows=rows, actor=admin_user)] == [True, True, True]


@pytest.mark.parametrize(
    ("cells", "says"),
    [
        ({"password": "y-Other-2021!"}, "Cột «Mật khẩu ban đầu (password)» khác với dòng 2 của tài khoản mới «moi»"),
        ({"full_name": "Lê Văn Mớí"}, "Cột «Họ và tên (full_name)» là «Lê Văn Mớí», khác với dòng 2 («Lê Văn Mới»)"),
        ({"email": "khac@example.org"},
         "Cột «Thư điện tử (email)» là «khac@example.org», khác với dòng 2 («moi@example.org»)"),
    ],
)
def test_a_second_row_that_disagrees_with_the_first_is_refused_naming_the_column_and_the_first_row(
    admin_user: Any, cells: dict[str, str], says: str
) -> None:
    problems = _problems([_row(2), _row(3, role="unit_head", **cells)], admin_user)
    assert set(problems) == {3}
    [message] = problems[3]
    assert message.startswith(says), message
    assert "y-Other-2021!" not in message and PASSWORD not in message
    assert not get_user_model().objects.filter(username="moi").exists()


def _merge(admin_user: Any, code: str = "tx-go-cong", into: str = "tp-my-tho") -> Unit:
    services.unit_merge(unit=Unit.objects.get(code=code), into=Unit.objects.get(code=into), reason="NQ 1",
                        actor=admin_user)
    return Unit.objects.get(code=into)


def test_a_new_role_at_a_merged_unit_in_the_file_names_the_unit_it_was_merged_into(admin_user: Any) -> None:
    # given TX Gò Công merged into TP Mỹ Tho
    _merge(admin_user)
    # when a file gives a new account a role there
    problems = _problems([_row(2, unit="tx-go-cong")], admin_user)
    # then the refusal says where the unit went, and which code to write instead
    assert problems == {2: [
        "Đơn vị «tx-go-cong» đã sáp nhập vào «UBND thành phố Mỹ Tho» (mã tp-my-tho): không gán vai trò mới tại đơn "
        "vị cũ được; hãy chọn đơn vị «UBND thành phố Mỹ Tho» (mã tp-my-tho)."
    ]}


def test_a_unit_merged_twice_names_both_steps(admin_user: Any) -> None:
    _merge(admin_user)
    _merge(admin_user, code="tp-my-tho", into="h-chau-thanh")
    [message] = _problems([_row(2, unit="tx-go-cong")], admin_user)[2]
    assert "đã sáp nhập vào «UBND thành phố Mỹ Tho» (mã tp-my-tho), nay là «UBND huyện Châu Thành» (mã " \
           "h-chau-thanh)" in message


def test_a_unit_stopped_without_a_merge_is_still_said_to_have_stopped(admin_user: Any) -> None:
    Unit.objects.filter(code="tx-go-cong").update(active=False)
    assert _problems([_row(2, unit="tx-go-cong")], admin_user) == {2: [
        "Đơn vị «tx-go-cong» đã ngừng hoạt động: không gán vai trò mới tại đơn vị này được."
    ]}


def test_the_users_page_names_the_unit_a_merged_unit_went_to(client: Client, admin_user: Any,
                                                             unit_editor: Any) -> None:
    _merge(admin_user)
    client.force_login(admin_user)
    created = client.post(reverse("administration:user_create"), {
        "username": "moi", "full_name": "Lê Văn Mới", "email": "", "password": PASSWORD, "role": "unit_editor",
        "unit": "tx-go-cong",
    })
    added = client.post(reverse("administration:role_add", args=[unit_editor.pk]),
                        {"role": "unit_head", "unit": "TX-GO-CONG"})
    for response in (created, added):
        assert response.status_code == 400
        assert "đã sáp nhập vào «UBND thành phố Mỹ Tho» (mã tp-my-tho)" in error_messages(response)
    assert not get_user_model().objects.filter(username="moi").exists()
    assert not RoleAssignment.objects.filter(user=unit_editor, role="unit_head").exists()


def test_the_role_service_names_the_unit_a_merged_unit_went_to(admin_user: Any, unit_editor: Any) -> None:
    _merge(admin_user)
    with pytest.raises(ValidationFailed) as refused:
        services.role_assign(user=unit_editor, role="unit_head", unit=Unit.objects.get(code="tx-go-cong"),
                             actor=admin_user)
    assert refused.value.code == "unit_stopped"
    assert str(refused.value.message).startswith(
        "Đơn vị «UBND thị xã Gò Công» đã sáp nhập vào «UBND thành phố Mỹ Tho» (mã tp-my-tho)")
