from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_lists_the_sets_with_their_areas(client: Client, cycle: Any) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bộ chỉ số thử nghiệm" in body and "Công tác chỉ đạo, điều hành CCHC" in body
    assert "Chỉ số CCHC năm 2020" in body


def test_a_set_page_shows_the_tree_with_methods(client: Client, small_set: Any, cycle: Any) -> None:
    response = client.get(reverse("indicator_set_detail", args=[small_set.key]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "1.2.2" in body and "Công thức theo số liệu" in body and "Điểm cộng" in body


def test_an_unknown_set_is_a_404(client: Client, catalogue: Any) -> None:
    assert client.get(reverse("indicator_set_detail", args=["khong-co"])).status_code == 404


def test_healthz_answers_ok(client: Client, db: Any) -> None:
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_the_login_page_is_in_vietnamese(client: Client, db: Any) -> None:
    body = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in body and "Mật khẩu" in body


def test_english_is_available(client: Client, db: Any) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"


def _admin_models() -> list[str]:
    return [
        f"{m._meta.app_label}_{m._meta.model_name}"
        for m in apps.get_models()
        if m._meta.app_label in {"scoring", "appraisal", "evidence"}
    ]


@pytest.mark.parametrize("model", _admin_models())
def test_every_model_has_an_admin_changelist(client: Client, admin_user: Any, assessment: Any, model: str) -> None:
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["scoring_unit", "scoring_roleassignment", "scoring_auditentry"])
def test_an_admin_changelist_reads_its_page_in_a_few_queries_whatever_its_rows(
    client: Client, admin_user: Any, assessment: Any, unit_editor: Any, unit_head: Any, model: str
) -> None:
    """The catalogue's 35 units and a few people: a query per row (a unit's kind, group, parent; a role's user
    and unit) would show here; a national site has 4,000 units."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert len(queries) <= 12, [q["sql"][:80] for q in queries.captured_queries]


def test_a_unit_editor_cannot_open_the_admin(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("admin:scoring_indicatorset_changelist"))
    assert response.status_code == 302 and "/quan-tri/login/" in response["Location"]


def test_anonymous_users_are_sent_to_the_admin_login(client: Client, db: Any) -> None:
    response = client.get(reverse("admin:scoring_scoreline_changelist"))
    assert response.status_code == 302


def test_audit_entries_are_read_only_in_the_admin(client: Client, admin_user: Any, assessment: Any) -> None:
    from scoring.models import AuditEntry

    client.force_login(admin_user)
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert client.get(reverse("admin:scoring_auditentry_add")).status_code == 403
    response = client.post(reverse("admin:scoring_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_site_cannot_change_the_criteria_of_a_set_in_use(client: Client, admin_user: Any,
                                                                   assessment: Any) -> None:
    from scoring.models import Indicator

    # given a set in use (its cycle made it active) and a superuser in the admin site
    client.force_login(admin_user)
    leaf = Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.2.1")
    points = leaf.max_points

    # when they post a new maximum for one of its criteria, or try to delete it
    changed = client.post(reverse("admin:scoring_indicator_change", args=[leaf.pk]),
                          {"code": leaf.code, "name": leaf.name, "max_points": "99", "kind": leaf.kind,
                           "indicator_set": leaf.indicator_set_id, "order": leaf.order, "level": leaf.level})
    deleted = client.post(reverse("admin:scoring_indicator_delete", args=[leaf.pk]), {"post": "yes"})

    # then both are refused and the criterion is as it was
    assert (changed.status_code, deleted.status_code) == (403, 403)
    leaf.refresh_from_db()
    assert leaf.max_points == points
    page = client.get(reverse("admin:scoring_indicatorset_change", args=[leaf.indicator_set_id]))
    assert page.status_code == 200 and 'name="indicators-0-max_points"' not in page.content.decode()


def test_lazily_translated_form_labels_are_in_the_english_catalogue(client: Client, admin_user: Any) -> None:
    # the unit form's labels are marked with `_l` (gettext_lazy): the catalogue must have them too
    client.force_login(admin_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("administration:unit_list")).content.decode()
    assert "Short name" in body and "Parent unit" in body and "Tên viết tắt" not in body


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    text = (Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # after the header
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    empty = [e for e in entries if e.strip().endswith('msgstr ""')]
    assert (fuzzy, empty) == ([], [])


def test_the_browser_language_does_not_override_vietnamese(client: Client, cycle: Any) -> None:
    from decimal import Decimal

    from django.utils import translation
    from django.utils.formats import number_format

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "vi"
    with translation.override("vi"):
        assert number_format(Decimal("99.95"), 2) == "99,95"


def test_the_chosen_language_is_kept_in_a_cookie(client: Client, cycle: Any) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("home"))
    assert response.wsgi_request.LANGUAGE_CODE == "en"


def test_the_icon_a_browser_asks_for_on_a_file_preview_is_found(client: Any, db: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
