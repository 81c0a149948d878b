"""An e-mail address belongs to one active account (notifications and password resets reach one person): a new or
corrected account with an address another active account uses, in any case, is refused with a clear message, naming
the other account to an administrator only. A locked account's address may be reused. Old data may hold repeats (no
database constraint): `manage.py data_check` lists them."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.imports import users_import_plan
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry
from tests.administration.page_helpers import form_version

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2020!"


@pytest.fixture
def lan(catalogue: Any) -> Any:
    return get_user_model().objects.create_user(username="ntlan", password=PASSWORD, first_name="Nguyễn Thị",
                                                last_name="Lan", email="Lan.Nguyen@TienGiang.gov.vn")


def _create(actor: Any, email: str, username: str = "ttmai") -> Any:
    return services.user_create(username=username, full_name="Trần Thị Mai", email=email, password=PASSWORD,
                                role="unit_editor", unit=_unit(), actor=actor)


def _unit() -> Any:
    from scoring.models import Unit

    return Unit.objects.get(code="so-y-te")


def test_a_new_account_with_an_address_another_active_account_uses_is_refused_naming_it(
    lan: Any, admin_user: Any
) -> None:
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _create(admin_user, "  lan.nguyen@tiengiang.GOV.vn ")
    assert refused.value.code == "email_taken"
    assert refused.value.details == {"field": "email"}
    assert str(refused.value.message) == (
        "Thư điện tử «lan.nguyen@tiengiang.GOV.vn» đã dùng cho tài khoản «ntlan» đang hoạt động; mỗi tài khoản cần "
        "một địa chỉ thư điện tử riêng."
    )
    assert not get_user_model().objects.filter(username="ttmai").exists()
    assert AuditEntry.objects.count() == entries


def test_the_other_account_is_named_to_administrators_only(lan: Any, unit_head: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _create(unit_head, "lan.nguyen@tiengiang.gov.vn")
    message = str(refused.value.message)
    assert "ntlan" not in message
    assert message == ("Thư điện tử «lan.nguyen@tiengiang.gov.vn» đã dùng cho một tài khoản khác đang hoạt động; "
                       "mỗi tài khoản cần một địa chỉ thư điện tử riêng.")


def test_a_locked_accounts_address_and_no_address_are_free(lan: Any, admin_user: Any) -> None:
    """Guards behaviour that must not change: an empty address is no address, and a locked account's is free."""
    _create(admin_user, "", username="a1")
    _create(admin_user, "", username="a2")
    lan.is_active = False
    lan.save(update_fields=["is_active"])
    assert _create(admin_user, "lan.nguyen@tiengiang.gov.vn").email == "lan.nguyen@tiengiang.gov.vn"


def test_correcting_an_address_to_one_another_active_account_uses_is_refused(lan: Any, admin_user: Any) -> None:
    person = _create(admin_user, "mai@tiengiang.gov.vn")
    with pytest.raises(ValidationFailed) as refused:
        services.user_update(user=person, full_name="Trần Thị Mai", email="LAN.NGUYEN@tiengiang.gov.vn",
                             actor=admin_user)
    assert refused.value.code == "email_taken" and "«ntlan»" in str(refused.value.message)
    person.refresh_from_db()
    assert person.email == "mai@tiengiang.gov.vn"


def test_an_account_keeps_its_own_address_in_another_case(lan: Any, admin_user: Any) -> None:
    """Guards behaviour that must not change: the account's own address is not another account's."""
    services.user_update(user=lan, full_name="Nguyễn Thị Lan", email="lan.nguyen@tiengiang.gov.vn", actor=admin_user)
    lan.refresh_from_db()
    assert lan.email == "lan.nguyen@tiengiang.gov.vn"


def test_the_create_form_shows_the_refusal_and_makes_nothing(client: Client, lan: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:user_create"), {
        "username": "ttmai", "full_name": "Trần Thị Mai", "email": "lan.nguyen@tiengiang.gov.vn",
        "password": PASSWORD, "role": "unit_editor", "unit": _unit().code,
    })
    assert response.status_code == 400
    assert "đã dùng cho tài khoản «ntlan» đang hoạt động" in response.content.decode()
    assert not get_user_model().objects.filter(username="ttmai").exists()


def test_the_account_page_shows_the_refusal_and_keeps_the_address(
    client: Client, lan: Any, admin_user: Any
) -> None:
    person = _create(admin_user, "mai@tiengiang.gov.vn")
    client.force_login(admin_user)
    version = form_version(client.get(reverse("administration:user_detail", args=[person.pk])).content.decode())
    response = client.post(reverse("administration:user_edit", args=[person.pk]),
                           {"version": version, "full_name": "Trần Thị Mai", "email": "lan.nguyen@tiengiang.gov.vn"})
    assert response.status_code == 400
    assert "đã dùng cho tài khoản «ntlan» đang hoạt động" in response.content.decode()
    person.refresh_from_db()
    assert person.email == "mai@tiengiang.gov.vn"


def _row(row: int, username: str, email: str) -> dict[str, Any]:
    return {"row": row, "username": username, "full_name": "Trần Thị Mai", "email": email, "password": PASSWORD,
            "role": "unit_editor", "unit": "so-y-te", "active": ""}


def test_the_users_file_preview_refuses_an_address_in_use_or_repeated_in_the_file(lan: Any, admin_user: Any) -> None:
    rows = [_row(2, "ttmai", "LAN.NGUYEN@tiengiang.gov.vn"), _row(3, "vhung", "hung@tiengiang.gov.vn"),
            _row(4, "lvhung", "Hung@TienGiang.gov.vn")]
    with pytest.raises(ValidationFailed) as refused:
        users_import_plan(rows=rows, actor=admin_user)
    text = json.dumps(refused.value.details, ensure_ascii=False) + str(refused.value.message)
    assert "đã dùng cho tài khoản «ntlan» đang hoạt động" in text
    assert "đã có ở dòng 3 (tài khoản «vhung»)" in text
    assert not get_user_model().objects.filter(username__in=["ttmai", "vhung", "lvhung"]).exists()


def _data_check(*args: str) -> tuple[int, list[dict[str, Any]]]:
    out = StringIO()
    try:
        call_command("data_check", "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_data_check_lists_an_address_repeated_among_active_accounts(lan: Any, admin_user: Any) -> None:
    # given old data: two active accounts with one address in two cases, and a locked third
    users = get_user_model().objects
    users.create_user(username="ntlan2", password=PASSWORD, email="lan.nguyen@tiengiang.gov.vn")
    users.create_user(username="ntlan3", password=PASSWORD, email="LAN.NGUYEN@tiengiang.gov.vn", is_active=False)
    users.create_user(username="other", password=PASSWORD, email="other@tiengiang.gov.vn")
    # when
    code, problems = _data_check("--only", "accounts")
    # then one problem, naming both active accounts, pointing at the users list filtered by the address
    assert code == 1
    assert len(problems) == 1
    problem = problems[0]
    assert problem["topic"] == "accounts"
    assert problem["record"] == "lan.nguyen@tiengiang.gov.vn"
    assert "«ntlan»" in problem["message"] and "«ntlan2»" in problem["message"] and "ntlan3" not in problem["message"]
    assert problem["where"] == reverse("administration:user_list") + "?q=lan.nguyen%40tiengiang.gov.vn"


def test_data_check_finds_nothing_when_each_active_address_is_once(lan: Any) -> None:
    get_user_model().objects.create_user(username="ntlan3", password=PASSWORD, email="lan.nguyen@tiengiang.gov.vn",
                                         is_active=False)
    assert _data_check("--only", "accounts") == (0, [])


def test_data_check_lists_an_active_key_for_a_role_its_user_no_longer_holds(lan: Any, admin_user: Any) -> None:
    from scoring.models import RoleAssignment
    from scoring.tokens import api_token_issue

    # given old data: keys of a role removed before removing a role revoked them, beside keys that are fine
    RoleAssignment.objects.create(user=lan, role=RoleAssignment.Role.APPRAISER, unit=_unit())
    RoleAssignment.objects.create(user=lan, role=RoleAssignment.Role.UNIT_EDITOR, unit=_unit())
    stale = api_token_issue(user=lan, role=RoleAssignment.Role.APPRAISER, name="máy tổng hợp", actor=admin_user).token
    kept = api_token_issue(user=lan, role=RoleAssignment.Role.UNIT_EDITOR, name="máy nhập", actor=admin_user).token
    revoked = api_token_issue(user=lan, role=RoleAssignment.Role.APPRAISER, name="cũ", actor=admin_user).token
    revoked.revoked_at = revoked.created_at
    revoked.save(update_fields=["revoked_at"])
    superuser_key = api_token_issue(user=admin_user, role=RoleAssignment.Role.ADMINISTRATOR, name="quản trị",
                                    actor=admin_user).token
    RoleAssignment.objects.filter(user=lan, role=RoleAssignment.Role.APPRAISER).delete()  # as before the fix
    RoleAssignment.objects.filter(user=admin_user).delete()
    # when
    code, problems = _data_check("--only", "accounts")
    # then only the active key of the role no longer held, pointing at the keys page
    assert code == 1
    assert [p["record"] for p in problems] == [f"ntlan: {stale}"]
    assert "«máy tổng hợp»" in problems[0]["message"] and "«ntlan»" in problems[0]["message"]
    assert problems[0]["where"] == reverse("administration:token_list")
    assert kept.revoked_at is None and superuser_key.revoked_at is None
