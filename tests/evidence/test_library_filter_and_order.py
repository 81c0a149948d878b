"""A library of many files: listed by name in Vietnamese order (newest first on request), filtered by a name typed
with or without accents, and several files linked to a leaf in one action."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import AuditEntry
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
# uploaded in this order (a batch); in Vietnamese order: An, Ảnh, Báo cáo, Dự toán, Đề án
NAMES = ["Đề án.pdf", "Dự toán.pdf", "Ảnh hiện trường.pdf", "An toàn.pdf", "Báo cáo quý 1.pdf"]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def files(assessment: Any, unit_editor: Any) -> dict[str, EvidenceFile]:
    return {
        name: services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                       uploaded_file=upload(name, samples.pdf(name.encode().hex())), actor=unit_editor)
        for name in NAMES
    }


def _table_order(html: str, names: list[str]) -> list[str]:
    table = html[html.index('id="evidence-library"'):]
    present = [name for name in names if f">{name}</a>" in table]
    return sorted(present, key=lambda name: table.index(f">{name}</a>"))


def test_the_library_lists_files_by_name_in_vietnamese_order(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    html = _client(unit_editor).get(reverse("evidence:library", args=[assessment.pk])).content.decode()
    assert _table_order(html, NAMES) == ["An toàn.pdf", "Ảnh hiện trường.pdf", "Báo cáo quý 1.pdf", "Dự toán.pdf",
                                         "Đề án.pdf"]


def test_the_library_lists_the_newest_first_on_request(assessment: Any, unit_editor: Any, files: Any) -> None:
    url = reverse("evidence:library", args=[assessment.pk])
    html = _client(unit_editor).get(url, {"sap_xep": "moi-nhat"}).content.decode()
    assert _table_order(html, NAMES) == list(reversed(NAMES))
    assert 'value="moi-nhat" selected' in html


def test_the_library_is_filtered_by_a_name_typed_without_accents(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    url = reverse("evidence:library", args=[assessment.pk])
    client = _client(unit_editor)
    html = client.get(url, {"q": "bao cao"}).content.decode()
    assert _table_order(html, NAMES) == ["Báo cáo quý 1.pdf"]
    assert 'value="bao cao"' in html  # the box keeps what was typed
    assert _table_order(client.get(url, {"q": "DE AN"}).content.decode(), NAMES) == ["Đề án.pdf"]
    assert _table_order(client.get(url, {"q": "Đề án"}).content.decode(), NAMES) == ["Đề án.pdf"]
    none = client.get(url, {"q": "khong co"}).content.decode()
    assert _table_order(none, NAMES) == [] and "Không có tệp nào có tên khớp" in none


def test_each_row_carries_its_search_key_for_the_script(assessment: Any, unit_editor: Any, files: Any) -> None:
    html = _client(unit_editor).get(reverse("evidence:library", args=[assessment.pk])).content.decode()
    assert 'data-search="anh hien truong.pdf"' in html and 'data-search="de an.pdf"' in html
    assert "data-evidence-filter" in html


def test_the_library_offers_to_tick_files_and_link_them_to_a_leaf(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    url = reverse("evidence:library", args=[assessment.pk])
    html = _client(unit_editor).get(url, {"tieu_chi": line.pk}).content.decode()
    assert 'id="evidence-link-many"' in html
    for evidence_file in files.values():
        assert f'name="file_id" value="{evidence_file.pk}" form="evidence-link-many"' in html
    assert f'<option value="{line.pk}" selected>' in html  # the leaf chosen is the one to link to


def test_several_files_are_linked_to_a_leaf_in_one_action(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    chosen = [files["An toàn.pdf"], files["Đề án.pdf"], files["Dự toán.pdf"]]
    response = _client(unit_editor).post(
        reverse("evidence:link", args=[assessment.pk]),
        {"file_id": [f.pk for f in chosen], "line_id": line.pk}, **JSON,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and sorted(f["id"] for f in data["files"]) == sorted(f.pk for f in chosen)
    assert "Đã gắn 3 tệp vào tiêu chí 1.2.1" in data["message"]
    assert set(EvidenceLink.objects.filter(score_line=line).values_list("evidence_file_id", flat=True)) == {
        f.pk for f in chosen
    }
    assert AuditEntry.objects.filter(action="evidence.link", object_id=str(line.pk)).count() == 3


def test_linking_several_files_says_which_were_already_linked(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    services.evidence_link(evidence_file=files["An toàn.pdf"], line=line, actor=unit_editor)
    response = _client(unit_editor).post(
        reverse("evidence:link", args=[assessment.pk]),
        {"file_id": [files["An toàn.pdf"].pk, files["Đề án.pdf"].pk], "line_id": line.pk}, **JSON,
    )
    message = response.json()["message"]
    assert "Đã gắn 1 tệp vào tiêu chí 1.2.1" in message and "«Đề án.pdf»" in message
    assert "«An toàn.pdf» đã gắn với tiêu chí này từ trước" in message


def test_a_plain_form_links_several_files_and_comes_back(
    assessment: Any, unit_editor: Any, files: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    next_url = reverse("evidence:library", args=[assessment.pk]) + f"?tieu_chi={line.pk}"
    response = _client(unit_editor).post(
        reverse("evidence:link", args=[assessment.pk]),
        {"file_id": [files["An toàn.pdf"].pk, files["Báo cáo quý 1.pdf"].pk], "line_id": line.pk, "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert EvidenceLink.objects.filter(score_line=line).count() == 2


def test_linking_with_one_file_of_another_unit_links_nothing(
    assessment: Any, unit_editor: Any, files: Any, other_editor: Any
) -> None:
    from scoring.models import Unit

    foreign = services.evidence_upload(
        unit=Unit.objects.get(code="so-tu-phap"), cycle=assessment.cycle,
        uploaded_file=upload("Của đơn vị khác.pdf", samples.pdf("foreign")), actor=other_editor,
    )
    line = assessment.lines.get(indicator__code="1.2.1")
    response = _client(unit_editor).post(
        reverse("evidence:link", args=[assessment.pk]),
        {"file_id": [files["An toàn.pdf"].pk, foreign.pk], "line_id": line.pk}, **JSON,
    )
    assert response.status_code == 404
    assert not EvidenceLink.objects.exists()


def test_linking_with_no_file_ticked_says_so(assessment: Any, unit_editor: Any, files: Any) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    response = _client(unit_editor).post(
        reverse("evidence:link", args=[assessment.pk]), {"line_id": line.pk}, **JSON,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "no_file" and "Hãy chọn ít nhất một tệp" in response.json()["message"]
    assert not EvidenceLink.objects.exists()


def test_another_units_editor_cannot_link_several_files(
    assessment: Any, other_editor: Any, files: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    response = _client(other_editor).post(
        reverse("evidence:link", args=[assessment.pk]),
        {"file_id": [f.pk for f in files.values()], "line_id": line.pk}, **JSON,
    )
    assert response.status_code == 404
    assert not EvidenceLink.objects.exists()
