"""Text glitches and narrow screens on the administration pages: a locked set names each cycle once, an import's
row errors read as sentences, and the wide tables scroll inside their own container."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from scoring.administration.views._common import report_error, sentences
from scoring.errors import ValidationFailed
from scoring.models import Cycle, IndicatorSet
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ("code", "name", "short_name", "kind", "group", "parent", "active")


def test_the_locked_set_banner_names_each_cycle_once(
    client: Client, cycle: Cycle, small_set: IndicatorSet, admin_user: Any
) -> None:
    # the cycle uses the set for two unit kinds (departments and vertical agencies)
    assert cycle.cycle_sets.filter(indicator_set=small_set).count() == 2
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_detail", args=[small_set.pk])).content.decode()
    assert page.count("(Chỉ số CCHC năm 2020)") == 1


def test_row_errors_read_as_sentences(client: Client, catalogue: Any, admin_user: Any) -> None:
    assert sentences(["Ô «x» chứa công thức Excel; chỉ nhận giá trị.", "Mã đơn vị «a» bị trùng"]) == (
        "Ô «x» chứa công thức Excel; chỉ nhận giá trị. Mã đơn vị «a» bị trùng."
    )
    client.force_login(admin_user)
    rows = [("qa bad code", "Sở Y tế", "", "district", "", "", "")]  # two problems on one row
    response = client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(HEADERS, rows))})
    page = response.content.decode()
    assert response.status_code == 400
    assert ".;" not in page
    request = RequestFactory().get("/")
    request.session = client.session
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    report_error(request, ValidationFailed("x", details=[{"row": 2, "messages": ["Một.", "Hai."]}]))
    assert [str(m) for m in get_messages(request)][1] == "2: Một. Hai."


def test_the_participants_and_check_tables_scroll_on_a_narrow_screen(
    client: Client, assessment: Any, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    cycle_page = client.get(reverse("administration:cycle_detail", args=[assessment.cycle_id])).content.decode()
    assert '<div class="table-scroll"><table class="grid compact participants">' in cycle_page
    report = client.get(reverse("administration:set_report", args=[small_set.pk])).content.decode()
    assert '<div class="table-scroll"><table class="grid compact">' in report


def test_every_administration_table_scrolls_inside_its_own_container(
    client: Client, assessment: Any, small_set: IndicatorSet, admin_user: Any
) -> None:
    """A table wider than a phone scrolls by itself; the page never scrolls sideways."""
    import re

    client.force_login(admin_user)
    for name, args in (("index", []), ("set_list", []), ("set_detail", [small_set.pk]), ("cycle_list", []),
                       ("unit_list", []), ("user_list", []), ("token_list", []), ("audit_list", []),
                       ("user_detail", [admin_user.pk])):
        page = client.get(reverse(f"administration:{name}", args=args)).content.decode()
        tables = [m.start() for m in re.finditer("<table", page)]
        assert tables, name
        for at in tables:
            assert re.search(r'<div class="table-scroll"[^>]*>$', page[:at].rstrip()), (name, page[at - 80:at + 40])


def test_the_unit_page_labels_each_field_once_and_the_list_titles_are_plural_in_english(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    from django.conf import settings
    from django.utils import translation

    from scoring.models import Unit

    client.force_login(admin_user)
    page = client.get(reverse("administration:unit_edit", args=[Unit.objects.get(code="so-y-te").pk])).content.decode()
    assert page.count('id="id_reason"') == 1 and 'for="id_deactivate_reason"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        titles = {name: client.get(reverse(f"administration:{name}")).content.decode().split("<title>")[1][:40]
                  for name in ("set_list", "unit_list", "cycle_list", "user_list")}
    finally:
        translation.activate("vi")
    assert [t.split(" ·")[0] for t in titles.values()] == ["Index sets", "Units", "Assessment cycles", "Users"]
