"""The layout every page shares (templates/base.html) as a screen reader meets it: the messages after an action
are status messages (an error an alert, focusable so the page can take the reader there), and the header's
navigation is named for what it holds, each link named for where it goes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.scoring.test_sheet_accessibility import Node, parse

pytestmark = pytest.mark.django_db


def _page_with(*sent: tuple[int, str]) -> Node:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    for level, text in sent:
        messages.add_message(request, level, text)
    return parse(render_to_string("base.html", request=request))


def _messages(page: Node) -> Node:
    [box] = page.find_all("ul", class_="messages")
    return box


def test_an_error_message_is_an_alert_and_the_others_are_status_messages() -> None:
    page = _page_with((messages.ERROR, "Không lưu được."), (messages.SUCCESS, "Đã lưu."),
                      (messages.WARNING, "Mã không còn theo thứ tự."), (messages.INFO, "Không có thay đổi."))

    box = _messages(page)
    items = [n for n in box.children if isinstance(n, Node)]
    assert [n.tag for n in items] == ["li"] * 4  # still a list of four messages
    roles = [[m.attrs.get("role") for m in item.walk() if "role" in m.attrs] for item in items]
    assert roles == [["alert"], ["status"], ["status"], ["status"]]
    assert [item.text() for item in items] == ["Không lưu được.", "Đã lưu.", "Mã không còn theo thứ tự.",
                                               "Không có thay đổi."]
    # an error can take the focus (messages.js moves it there when the page asks for no other element)
    assert [m.attrs.get("tabindex") for m in box.walk() if "role" in m.attrs] == ["-1", None, None, None]
    assert "data-messages" in box.attrs


def test_status_messages_alone_do_not_take_the_focus() -> None:
    box = _messages(_page_with((messages.SUCCESS, "Đã lưu.")))
    assert "data-messages" in box.attrs and not [n for n in box.walk() if "tabindex" in n.attrs]
    assert [n.attrs.get("role") for n in box.walk() if "role" in n.attrs] == ["status"]


def test_a_page_without_messages_has_no_message_list() -> None:
    assert not _page_with().find_all("ul", class_="messages")


def _header_navs(client: Client, url: str) -> list[Node]:
    page = parse(client.get(url).content.decode())
    [header] = page.find_all("header", class_="topbar")
    return header.find_all("nav")


def test_the_header_names_its_site_menu_and_its_account_links_apart(client: Client, unit_editor: Any,
                                                                    assessment: Any) -> None:
    client.force_login(unit_editor)
    site, account = _header_navs(client, reverse("scoring:assessment", args=[assessment.pk]))

    assert site.attrs["aria-label"] == "Trình đơn chính"
    assert "Kết quả công bố" in site.text() and "Tự đánh giá" in site.text()
    assert account.attrs["aria-label"] == "Tài khoản"
    assert "Đổi mật khẩu" in account.text() and "Đăng xuất" in account.text()
    assert "Đổi mật khẩu" not in site.text() and "Đăng xuất" not in site.text()


def test_the_header_of_a_visitor_names_its_menu_too(client: Client) -> None:
    site, account = _header_navs(client, reverse("publication:index"))
    assert site.attrs["aria-label"] == "Trình đơn chính" and "Kết quả công bố" in site.text()
    assert account.attrs["aria-label"] == "Tài khoản" and "Đăng nhập" in account.text()


def test_the_administrators_two_overview_links_have_different_names(client: Client, admin_user: Any,
                                                                    cycle: Any) -> None:
    client.force_login(admin_user)
    page = parse(client.get(reverse("administration:index")).content.decode())

    names: dict[str, set[str]] = {}
    for link in page.find_all("a"):
        if link.attrs.get("href") and not link.attrs.get("aria-label") and not link.attrs.get("aria-labelledby"):
            names.setdefault(link.text(), set()).add(link.attrs["href"].split("#")[0])
    assert names["Tổng quan thẩm định"] == {reverse("appraisal:dashboard")}
    assert reverse("administration:index") in names["Tổng quan"]
    # no name leads to two places
    assert not {name: hrefs for name, hrefs in names.items() if len(hrefs) > 1}
