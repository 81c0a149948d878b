"""After a merger the successor unit's people read (never change) their predecessors' signed-off assessments and
reports, through every chain of mergers; nobody else gains anything, and what they may not see is the site's
Vietnamese 404 page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from scoring.administration.services import unit_merge
from scoring.models import Assessment, AuditEntry, RoleAssignment, ScoreLine, Unit
from tests.conftest import _user
from tests.security.conftest import World, build_world
from tests.security.test_authz_matrix import all_urls, params, route_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(settings: Any, tmp_path: Path) -> World:
    """2020 published; then Sở Tài chính (the "other" unit) is merged into Sở Y tế (the unit editor's and head's)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world("published")
    unit_merge(unit=world.units["other"], into=world.units["own"], actor=world.users["administrator"],
               reason="Nghị quyết 1663/NQ-UBTVQH15")
    return world


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(world: World) -> dict[str, str]:
    pk = world.assessments["other"].pk
    return {name: reverse(f"scoring:{name}", args=[pk]) for name in ("assessment", "report", "report_xlsx")}


@pytest.mark.parametrize("role", ["unit_editor", "unit_head"])
def test_the_successors_people_read_the_predecessors_assessment_and_report(merged: World, role: str) -> None:
    client = _client(merged.users[role])

    for name, url in _pages(merged).items():
        response = client.get(url)
        assert response.status_code == 200, name
    page = client.get(_pages(merged)["assessment"]).content.decode()
    assert "Sở Tài chính" in page
    api = client.get(reverse("api:assessment", args=[merged.assessments["other"].pk]))
    assert api.status_code == 200


def test_the_successors_people_can_change_nothing_of_the_predecessors(merged: World) -> None:
    """Every write of every address about the predecessor's assessment, line or file, as its successor's editor
    and head: refused, nothing written."""
    assessment = merged.assessments["other"]
    before = (Assessment.objects.filter(pk=assessment.pk).values().get(),
              list(ScoreLine.objects.filter(assessment=assessment).order_by("pk").values()))
    succeeded = []
    for role in ("unit_editor", "unit_head"):
        client = _client(merged.users[role])
        for _ns, name, route in all_urls():
            if not {"assessment_id", "line_id", "file_id"} & set(route_params(route)):
                continue
            url = reverse(name, kwargs=params(merged, name, route, "other"))
            methods = ("post", "put", "patch", "delete") if name.startswith("api:") else ("post",)
            for method in methods:
                audits = AuditEntry.objects.count()
                with transaction.atomic():
                    if method == "post":
                        response = client.post(url, {})
                    else:
                        response = getattr(client, method)(url, data="{}", content_type="application/json")
                    wrote = AuditEntry.objects.count() != audits
                    transaction.set_rollback(True)
                if response.status_code < 300 or wrote:
                    succeeded.append(f"{method.upper()} {name} as {role}: {response.status_code}")
    assert not succeeded, "\n".join(succeeded)
    after = (Assessment.objects.filter(pk=assessment.pk).values().get(),
             list(ScoreLine.objects.filter(assessment=assessment).order_by("pk").values()))
    assert after == before


def test_a_chain_of_mergers_hands_every_predecessor_down(merged: World) -> None:
    # given: Sở Y tế (which took in Sở Tài chính) is merged in its turn into Sở Tư pháp, and its people with it
    into = Unit.objects.get(code="so-tu-phap")
    unit_merge(unit=merged.units["own"], into=into, actor=merged.users["administrator"])
    assert RoleAssignment.objects.filter(user=merged.users["unit_editor"], unit=into).exists()

    # when / then: both former units' assessments are read at Sở Tư pháp
    client = _client(merged.users["unit_editor"])
    for scope in ("own", "other"):
        url = reverse("scoring:report", args=[merged.assessments[scope].pk])
        assert client.get(url).status_code == 200, scope


def test_nobody_else_reads_a_predecessors_assessment(merged: World) -> None:
    """Another unit's people, and a team member whose team role is at the successor but who is not assigned the
    unit (a team role makes nobody the unit's person): the site's Vietnamese 404, as for any assessment they may
    not see."""
    outsider = _user("tu", "unit_editor", "so-tu-phap")
    member = _user("vy", "appraiser", "so-y-te")
    for user in (outsider, member):
        response = _client(user).get(_pages(merged)["assessment"])
        assert response.status_code == 404
        assert "Không tìm thấy trang" in response.content.decode()


def test_an_assessment_reopened_for_a_correction_is_not_read_by_the_successor(merged: World) -> None:
    """While the team works on it again, its appraisal in progress is not the successor's to read."""
    Assessment.objects.filter(pk=merged.assessments["other"].pk).update(state=Assessment.State.IN_APPRAISAL)

    response = _client(merged.users["unit_editor"]).get(_pages(merged)["assessment"])

    assert response.status_code == 404


def test_the_home_page_lists_the_predecessors_assessments(merged: World) -> None:
    client = _client(merged.users["unit_head"])

    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    start = html.index("data-inherited-assessments")
    section = html[start:html.index("</section>", start)]
    assert "Bản đánh giá của đơn vị trước sáp nhập" in section
    assert "2020" in section and "Sở Tài chính" in section
    assert reverse("scoring:assessment", args=[merged.assessments["other"].pk]) in section
    assert reverse("scoring:report", args=[merged.assessments["other"].pk]) in section
    assert reverse("scoring:assessment", args=[merged.assessments["own"].pk]) not in section
    # the home page stays (no jump to the unit's own sheet, which would hide the list), its own sheet linked first
    own = html[html.index("data-own-assessment"):]
    assert reverse("scoring:assessment", args=[merged.assessments["own"].pk]) in own[:300]
    assert "Bản tự đánh giá năm 2020 của Sở Y tế" in own[:300]


def test_a_person_without_predecessors_has_no_such_list(merged: World) -> None:
    outsider = _user("tu", "unit_editor", "so-tu-phap")

    html = _client(outsider).get(reverse("home")).content.decode()

    assert "data-inherited-assessments" not in html


def _listed_ids(client: Client, **query: str) -> list[int]:
    response = client.get(reverse("api:assessments"), query)
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ["unit_editor", "unit_head"])
def test_the_api_list_includes_the_predecessors_signed_off_assessments_as_the_detail_does(
    merged: World, role: str
) -> None:
    client = _client(merged.users[role])
    other = merged.assessments["other"]

    listed = _listed_ids(client)

    assert listed == [other.pk, merged.assessments["own"].pk]  # 2020's, by unit code: so-tai-chinh, so-y-te
    assert _listed_ids(client, unit="so-tai-chinh") == [other.pk]
    detail = client.get(reverse("api:assessment", args=[other.pk])).json()
    row = next(r for r in client.get(reverse("api:assessments")).json()["results"] if r["id"] == other.pk)
    assert row == detail


def test_the_api_list_leaves_out_a_predecessors_assessment_reopened_and_others_predecessors(merged: World) -> None:
    other = merged.assessments["other"]
    outsider = _user("tu", "unit_editor", "so-tu-phap")
    assert other.pk not in _listed_ids(_client(outsider))

    Assessment.objects.filter(pk=other.pk).update(state=Assessment.State.IN_APPRAISAL)

    assert _listed_ids(_client(merged.users["unit_editor"])) == [merged.assessments["own"].pk]


def test_a_person_with_several_units_sees_the_predecessors_list_on_their_units_page(merged: World) -> None:
    head = merged.users["unit_head"]
    RoleAssignment.objects.create(user=head, role="unit_head", unit=Unit.objects.get(code="so-tu-phap"))

    response = _client(head).get(reverse("home"))

    assert response.templates[0].name == "scoring/home_units.html"
    html = response.content.decode()
    start = html.index("data-inherited-assessments")
    section = html[start:html.index("</section>", start)]
    assert "Bản đánh giá của đơn vị trước sáp nhập" in section and "Sở Tài chính" in section
    assert reverse("scoring:assessment", args=[merged.assessments["other"].pk]) in section
    assert reverse("scoring:report", args=[merged.assessments["other"].pk]) in section



def _other_years(html: str) -> str:
    start = html.index('class="other-years')
    return html[start:html.index("</nav>", start)]


def test_the_sheet_links_the_predecessors_years_named_by_the_former_unit(merged: World) -> None:
    client = _client(merged.users["unit_editor"])

    html = client.get(reverse("scoring:assessment", args=[merged.assessments["own"].pk])).content.decode()

    others = _other_years(html)
    url = reverse("scoring:assessment", args=[merged.assessments["other"].pk])
    assert f'href="{url}">2020 · Sở Tài chính</a> (Đã thông qua)' in others
    assert "Đơn vị trước sáp nhập:" in others


def test_the_sheet_leaves_out_a_predecessors_year_reopened(merged: World) -> None:
    Assessment.objects.filter(pk=merged.assessments["other"].pk).update(state=Assessment.State.IN_APPRAISAL)

    html = _client(merged.users["unit_editor"]).get(
        reverse("scoring:assessment", args=[merged.assessments["own"].pk])).content.decode()

    assert 'class="other-years' not in html


def test_the_predecessors_years_are_those_the_reader_may_read(merged: World) -> None:
    """The unit's mergers, as far as the person reads them: someone not of its successor gets none."""
    from scoring.selectors.sheet import predecessor_years_of

    own = merged.assessments["own"]
    outsider = _user("tu", "unit_editor", "so-tu-phap")

    assert predecessor_years_of(assessment=own, user=merged.users["unit_head"]) == [merged.assessments["other"]]
    assert predecessor_years_of(assessment=own, user=outsider) == []
