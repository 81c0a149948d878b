"""An error message is not shown like «Đã lưu»: its `li` carries the message's tag and the style sheet gives errors
a red box and warnings a yellow one, each readable (WCAG AA contrast). Unlocking an account (the users page, or a
users file's «Đang hoạt động» = Có) follows the one-address-per-active-account rule of the create and edit forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.imports import users_import_apply
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry

pytestmark = pytest.mark.django_db

CSS = Path(django_settings.BASE_DIR) / "static" / "css" / "app.css"


def _rule(selector: str) -> dict[str, str]:
    """The declarations of the last rule whose selector list holds `selector` exactly."""
    found: dict[str, str] = {}
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        if selector in [s.strip() for s in selectors.split(",")]:
            found = {
                name.strip(): value.strip()
                for name, _sep, value in (part.partition(":") for part in body.split(";") if ":" in part)
            }
    return found


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_an_error_message_is_rendered_with_its_tag_on_the_li(client: Client, admin_user: Any) -> None:
    # given: a refused lock (an administrator locking their own account)
    client.force_login(admin_user)

    # when
    page = client.post(reverse("administration:user_toggle", args=[admin_user.pk]), {"active": "0"}, follow=True)

    # then: the message's `li` says it is an error, and a screen reader is told at once (an alert)
    html = page.content.decode()
    assert re.search(r'<li class="error"><span role="alert" tabindex="-1">Không thể tự khoá tài khoản của chính mình\.'
                     r'</span></li>', html), html


@pytest.mark.parametrize("tag", ["error", "warning"])
def test_errors_and_warnings_have_their_own_readable_box(tag: str) -> None:
    saved, rule = _rule(".messages li"), _rule(f".messages li.{tag}")

    assert rule, f"no rule for .messages li.{tag}"
    background = rule.get("background") or rule.get("background-color")
    assert background and background != saved.get("background")  # not the green of «Đã lưu»
    assert rule.get("border-left-color") or rule.get("border-left")
    assert _contrast(rule["color"], background) >= 4.5


def test_an_error_box_is_red_and_a_warning_box_yellow() -> None:
    def hue(hex_colour: str) -> tuple[int, int, int]:
        digits = hex_colour.lstrip("#")
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)

    red, green, blue = hue(_rule(".messages li.error")["background"])
    assert red > green and red > blue
    red, green, blue = hue(_rule(".messages li.warning")["background"])
    assert red > blue and green > blue  # yellow


@pytest.fixture
def twin(admin_user: Any) -> Any:
    """A locked account whose address an active account (lan's) uses since."""
    user_model = get_user_model()
    user_model.objects.create_user(username="lan", email="lan@syte.example", password="x-Secret-2021!")
    return user_model.objects.create_user(username="lan-cu", email="LAN@syte.example", password="x-Secret-2021!",
                                          is_active=False)


def test_unlocking_an_account_whose_address_an_active_account_uses_is_refused(admin_user: Any, twin: Any) -> None:
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        services.user_set_active(user=twin, active=True, actor=admin_user)

    assert refused.value.code == "email_taken"
    assert "đã dùng cho tài khoản «lan» đang hoạt động" in str(refused.value.message)
    twin.refresh_from_db()
    assert not twin.is_active
    assert AuditEntry.objects.count() == audits


def test_the_users_page_says_why_the_unlock_is_refused(client: Client, admin_user: Any, twin: Any) -> None:
    client.force_login(admin_user)

    page = client.post(reverse("administration:user_toggle", args=[twin.pk]), {"active": "1"}, follow=True)

    html = page.content.decode()
    assert ('<li class="error"><span role="alert" tabindex="-1">'
            'Thư điện tử «LAN@syte.example» đã dùng cho tài khoản «lan» đang hoạt động') in html
    assert "Đã mở khoá tài khoản." not in html
    twin.refresh_from_db()
    assert not twin.is_active


def test_unlocking_an_account_with_its_own_address_still_works(admin_user: Any) -> None:
    # guards behaviour that must not change: a lone address, or none, unlocks as before
    user_model = get_user_model()
    alone = user_model.objects.create_user(username="mot", email="mot@x.example", password="x-Secret-2021!",
                                           is_active=False)
    blank = user_model.objects.create_user(username="hai", email="", password="x-Secret-2021!", is_active=False)
    user_model.objects.create_user(username="ba", email="", password="x-Secret-2021!")

    services.user_set_active(user=alone, active=True, actor=admin_user)
    services.user_set_active(user=blank, active=True, actor=admin_user)

    alone.refresh_from_db()
    blank.refresh_from_db()
    assert alone.is_active and blank.is_active


def test_a_users_file_that_unlocks_such_an_account_is_refused_on_that_row(admin_user: Any, twin: Any) -> None:
    rows = [{"row": 2, "username": "lan-cu", "password": "", "role": "", "unit": "", "active": "Có"}]

    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)

    (problem,) = refused.value.details
    assert problem["row"] == 2
    assert any("đã dùng cho tài khoản «lan» đang hoạt động" in m for m in problem["messages"])


def test_a_users_file_that_unlocks_two_accounts_of_one_address_is_refused_on_the_second(admin_user: Any) -> None:
    user_model = get_user_model()
    for name in ("mot", "hai"):
        user_model.objects.create_user(username=name, email="chung@x.example", password="x-Secret-2021!",
                                       is_active=False)
    rows = [
        {"row": 2, "username": "mot", "password": "", "role": "", "unit": "", "active": 1},
        {"row": 3, "username": "hai", "password": "", "role": "", "unit": "", "active": 1},
    ]

    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)

    assert [p["row"] for p in refused.value.details] == [3]


def test_a_users_file_may_unlock_an_address_it_frees_on_a_row_above(admin_user: Any, twin: Any) -> None:
    # lan is locked on row 2, so lan-cu (same address) may be unlocked on row 3
    rows = [
        {"row": 2, "username": "lan", "password": "", "role": "", "unit": "", "active": "Không"},
        {"row": 3, "username": "lan-cu", "password": "", "role": "", "unit": "", "active": "Có"},
    ]

    counts = users_import_apply(rows=rows, actor=admin_user)

    assert (counts.locked, counts.unlocked) == (1, 1)
    twin.refresh_from_db()
    assert twin.is_active
