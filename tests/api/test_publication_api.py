"""Publications and open data through the API: administrators preview, publish and correct; the public reads
rankings, one unit's result and the open-data files, and sees nothing before publication."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.models import AuditEntry, Cycle, Publication
from tests.conftest import _user
from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

PUBLISH = {"document_number": "Công văn số 4567/UBND-NC", "document_date": "08/12/2020"}


# --- publications ------------------------------------------------------------------------------------------


def test_the_publications_are_listed_publicly_with_every_revision(api: Any, publication: Any, admin_user: Any) -> None:
    from scoring.publication.services import cycle_publish

    cycle_publish(cycle=publication.cycle, document_number="Công văn số 4600/UBND-NC", document_date=DOC_DATE,
                  reason="Sai điểm tiêu chí 1.1.1 của Sở Y tế", actor=admin_user, document_only=True)
    response = api.get("/api/v1/publications/")
    assert response.status_code == 200
    assert [(p["year"], p["revision"], p["latest"]) for p in response.json()] == [(2020, 2, True), (2020, 1, False)]
    assert response.json()[0]["reason"] == "Sai điểm tiêu chí 1.1.1 của Sở Y tế"
    assert api.get("/api/v1/publications/", {"year": 2019}).json() == []
    assert api.get("/api/v1/publications/", {"year": "abc"}).status_code == 400


def test_an_administrator_previews_what_would_be_published(api: Any, signed_cycle: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.get("/api/v1/publications/2020/preview/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ready"] is True and body["blockers"] == [] and body["revisions"] == []
    [group] = body["groups"]
    assert [(r["unit_code"], r["rank"]) for r in group["rows"]] == [
        ("so-cong-thuong", 1), ("so-tu-phap", 1), ("so-y-te", 3), ("so-xay-dung", 4),
    ]


def test_the_preview_names_what_blocks_publication(api: Any, assessment: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    body = api.get("/api/v1/publications/2020/preview/").json()
    assert body["ready"] is False
    assert body["blockers"][0].startswith("Kỳ đánh giá đang ở giai đoạn «Tự đánh giá»")
    assert body["blockers"][1:] == ["Sở Y tế: chưa được thông qua (Đang tự đánh giá)."]


def test_only_administrators_preview(api: Any, signed_cycle: Any, unit_head: Any, lead: Any) -> None:
    assert api.get("/api/v1/publications/2020/preview/").status_code == 401
    for user in (unit_head, lead):
        api.force_login(user)
        assert api.get("/api/v1/publications/2020/preview/").status_code == 403


def test_an_administrator_publishes_a_signed_off_cycle(api: Any, signed_cycle: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/", PUBLISH, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["revision"] == 1
    assert response.json()["document_date"] == "2020-12-08"
    publication = Publication.objects.get(cycle=signed_cycle)
    assert len(publication.snapshot["rows"]) == 4
    assert Cycle.objects.get(pk=signed_cycle.pk).phase == Cycle.Phase.PUBLISHED
    assert AuditEntry.objects.filter(action="publication.publish", object_id=str(publication.pk)).exists()


def test_only_administrators_publish(api: Any, signed_cycle: Any, unit_head: Any, lead: Any) -> None:
    assert api.post("/api/v1/publications/2020/publish/", PUBLISH, format="json").status_code == 401
    for user in (unit_head, lead):
        api.force_login(user)
        assert api.post("/api/v1/publications/2020/publish/", PUBLISH, format="json").status_code == 403
    assert not Publication.objects.exists()


def test_publishing_without_a_document_is_a_field_error(api: Any, signed_cycle: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/",
                        {"document_number": "  ", "document_date": "31/02/2020"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"document_number", "document_date"}
    assert not Publication.objects.exists()


@pytest.mark.parametrize(("day", "message"), [
    ("31/02/2020", "Ngày «31/02/2020» không có trên lịch."),
    ("2020-02-30", "Ngày «2020-02-30» không có trên lịch."),
    ("08.12.2020", None),  # a form the field does not take: a wrong format, not a day the calendar lacks
])
def test_a_document_date_the_calendar_lacks_is_named_as_such(
    api: Any, signed_cycle: Any, admin_user: Any, day: str, message: str | None
) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/", {**PUBLISH, "document_date": day}, format="json")
    assert response.status_code == 400
    [said] = response.json()["fields"]["document_date"]
    if message is None:
        assert "không có trên lịch" not in said
    else:
        assert said == message
    assert not Publication.objects.exists()


def test_publishing_before_every_unit_is_signed_off_is_refused(
    api: Any, assessment: Any, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.FINALISATION)  # the units block it
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/", PUBLISH, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready"
    assert response.json()["problems"] == ["Sở Y tế: chưa được thông qua (Đang tự đánh giá)."]
    assert not Publication.objects.exists()
    assert Cycle.objects.get(pk=assessment.cycle_id).phase != Cycle.Phase.PUBLISHED


def test_a_correction_needs_a_reason_and_is_a_new_revision(api: Any, publication: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    refused = api.post("/api/v1/publications/2020/publish/", {**PUBLISH, "document_number": "Công văn số 4568/UBND-NC"},
                       format="json")  # another document: a correction, which needs its reason
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_publication"
    assert list(refused.json()["fields"]) == ["reason"]
    assert Publication.objects.count() == 1
    # the revision in force sent again as it is (a double click), reason or not: the same as it, nothing to correct
    again = api.post("/api/v1/publications/2020/publish/", PUBLISH, format="json")
    assert again.status_code == 409 and again.json()["code"] == "same_as_current"
    same = api.post("/api/v1/publications/2020/publish/", {**PUBLISH, "reason": "Đính chính số văn bản"},
                    format="json")  # nothing differs from the current revision: nothing to correct
    assert same.status_code == 409 and same.json()["code"] == "same_as_current"
    response = api.post("/api/v1/publications/2020/publish/",
                        {**PUBLISH, "document_number": "Công văn số 4568/UBND-NC", "reason": "Đính chính số văn bản",
                         "document_only": True},
                        format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["revision"], response.json()["reason"]) == (2, "Đính chính số văn bản")
    assert AuditEntry.objects.filter(action="publication.correct").count() == 1


def test_publishing_an_unknown_year_is_a_404(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/1999/publish/", PUBLISH, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- open data ---------------------------------------------------------------------------------------------

OPEN_DATA = (
    "/api/v1/open-data/2020/rankings/",
    "/api/v1/open-data/2020/rankings/so-ban-nganh/",
    "/api/v1/open-data/2020/units/so-y-te/",
    "/api/v1/open-data/2020/results.json",
    "/api/v1/open-data/2020/results.csv",
    "/api/v1/open-data/2020/criteria.csv",
)


def test_nothing_is_visible_before_publication(api: Any, signed_cycle: Any, admin_user: Any) -> None:
    for client_user in (None, admin_user):
        if client_user is not None:
            api.force_login(client_user)
        for url in OPEN_DATA:
            response = api.get(url)
            assert response.status_code == 404, url
            assert response.json() == {"code": "not_found", "message": "Không tìm thấy dữ liệu yêu cầu.", "fields": {}}
    assert api.get("/api/v1/publications/").json() == []


def test_the_rankings_of_a_published_year_are_public(api: Any, publication: Any) -> None:
    response = api.get("/api/v1/open-data/2020/rankings/")
    assert response.status_code == 200
    body = response.json()
    assert body["publication"]["revision"] == 1
    [group] = body["groups"]
    assert (group["code"], group["size"]) == ("so-ban-nganh", 4)
    assert [(r["unit_code"], r["rank"], r["index"]) for r in group["rows"]] == [
        ("so-cong-thuong", 1, "7.58"), ("so-tu-phap", 1, "7.58"), ("so-y-te", 3, "6.58"), ("so-xay-dung", 4, "5.58"),
    ]
    filtered = api.get("/api/v1/open-data/2020/rankings/", {"q": "y te"}).json()
    assert [r["unit_code"] for g in filtered["groups"] for r in g["rows"]] == ["so-y-te"]


def test_one_groups_ranking_and_an_unknown_group(api: Any, publication: Any) -> None:
    response = api.get("/api/v1/open-data/2020/rankings/so-ban-nganh/")
    assert response.status_code == 200
    assert response.json()["group"]["name"] == "Sở, ban, ngành tỉnh"
    assert len(response.json()["group"]["rows"]) == 4
    assert api.get("/api/v1/open-data/2020/rankings/huyen-cum-1/").status_code == 404


def test_a_units_result_has_its_areas_and_criteria(api: Any, publication: Any) -> None:
    response = api.get("/api/v1/open-data/2020/units/so-y-te/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["result"]["rank"], body["result"]["index"]) == (3, "6.58")
    assert body["group"] == {"code": "so-ban-nganh", "name": "Sở, ban, ngành tỉnh", "size": 4}
    assert [a["code"] for a in body["areas"]] == ["1", "2"]
    area_one = body["areas"][0]
    assert area_one["score"] == body["result"]["area_totals"]["1"]
    leaves = {n["code"]: n for n in body["breakdown"] if n["is_leaf"]}
    assert leaves["1.1.2"]["score"] == "1.00"
    assert all(n["note"] == "" for n in body["breakdown"])  # the appraisers' notes are not public
    assert [(h["year"], h["rank"]) for h in body["history"]] == [(2020, 3)]
    assert api.get("/api/v1/open-data/2020/units/so-noi-vu/").status_code == 404


def test_the_unit_itself_sees_its_appraisers_notes(api: Any, publication: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    leaves = {n["code"]: n for n in api.get("/api/v1/open-data/2020/units/so-y-te/").json()["breakdown"]}
    assert leaves["1.1.1"]["note"] == "Kế hoạch ban hành trễ hạn"
    api.force_login(_user("minh", "unit_editor", "so-tu-phap"))
    leaves = {n["code"]: n for n in api.get("/api/v1/open-data/2020/units/so-y-te/").json()["breakdown"]}
    assert leaves["1.1.1"]["note"] == ""


def test_the_open_data_files_are_the_ones_the_public_pages_offer(api: Any, publication: Any) -> None:
    from django.test import Client

    page = Client()
    pairs = [
        ("/api/v1/open-data/2020/results.json", "/ket-qua/2020/ket-qua.json"),
        ("/api/v1/open-data/2020/results.csv", "/ket-qua/2020/ket-qua.csv"),
        ("/api/v1/open-data/2020/criteria.csv", "/ket-qua/2020/diem-tieu-chi.csv"),
    ]
    for api_url, page_url in pairs:
        response = api.get(api_url)
        assert response.status_code == 200, api_url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        browser = page.get(page_url)
        expected = b"".join(browser.streaming_content) if browser.streaming else browser.content
        assert content == expected, api_url
    document = api.get("/api/v1/open-data/2020/results.json").json()
    assert document["schema"] == "cchc-ket-qua/1"
    assert api.get("/api/v1/open-data/2020/results.csv")["Content-Type"].startswith("text/csv")


def test_an_earlier_revision_stays_readable_and_an_unknown_one_is_a_404(
    api: Any, publication: Any, admin_user: Any
) -> None:
    from scoring.publication.services import cycle_publish

    cycle_publish(cycle=publication.cycle, document_number="Công văn số 4600/UBND-NC", document_date=DOC_DATE,
                  reason="Đính chính", actor=admin_user, document_only=True)
    assert api.get("/api/v1/open-data/2020/rankings/").json()["publication"]["revision"] == 2
    first = api.get("/api/v1/open-data/2020/rankings/", {"revision": 1}).json()
    assert first["publication"]["document_number"] == "Công văn số 4567/UBND-NC"
    assert api.get("/api/v1/open-data/2020/results.json", {"revision": 3}).status_code == 404
    bad = api.get("/api/v1/open-data/2020/results.csv", {"revision": "lần 1"})
    assert bad.status_code == 400
    assert "revision" in bad.json()["fields"]


def test_a_first_publication_with_a_reason_is_refused_rather_than_the_reason_dropped(
    api: Any, signed_cycle: Any, admin_user: Any, client: Any
) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/publications/2020/publish/", {**PUBLISH, "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert not Publication.objects.exists()
    # the page's form for a first publication offers no reason to type
    client.force_login(admin_user)
    page = client.get("/ket-qua/quan-ly/2020/").content.decode()
    assert 'name="reason"' not in page and 'name="document_number"' in page
