"""The self-assessment sheet does not carry the library in every leaf, and an evidence action refreshes one leaf.

The library's choices are drawn once, on demand (the picker, `evidence:picker`, opened by each leaf's «Gắn tài liệu
có sẵn»: without the script a link to the library page for that leaf); after a link, an unlink or an upload the
page's script asks `evidence:line` for that leaf's block and the sheet's counts, not the whole page again.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence import services
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _fill_library(assessment: Any, actor: Any, n: int, start: int = 0) -> list[Any]:
    return [
        services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                 uploaded_file=upload(f"Tài liệu số {i:03d}.pdf", samples.pdf(f"doc {i}")), actor=actor)
        for i in range(start, start + n)
    ]


def _sheet(client: Client, assessment: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("scoring:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_sheet_lists_no_library_file_in_its_leaves(assessment: Any, unit_editor: Any) -> None:
    files = _fill_library(assessment, unit_editor, 12)
    html, _queries = _sheet(_client(unit_editor), assessment)
    for evidence_file in files:
        assert evidence_file.original_name not in html
        assert f'<option value="{evidence_file.pk}">' not in html
    assert 'name="file_id"' not in html  # no picker of files anywhere in the sheet (nothing is linked to unlink)
    # each leaf offers the library instead: a link to the library page for that leaf (the script opens a picker)
    for line in assessment.lines.all():
        assert f'href="{reverse("evidence:library", args=[assessment.pk])}?tieu_chi={line.pk}&amp;tro_ve=' in html
        assert f'data-evidence-pick="{reverse("evidence:picker", args=[assessment.pk, line.pk])}"' in html


def test_the_sheet_does_not_grow_with_the_library(assessment: Any, unit_editor: Any) -> None:
    client = _client(unit_editor)
    _fill_library(assessment, unit_editor, 1)
    client.get(reverse("scoring:assessment", args=[assessment.pk]))  # warm up (the set's skeleton, the session)
    small, small_queries = _sheet(client, assessment)
    _fill_library(assessment, unit_editor, 40, start=1)
    large, large_queries = _sheet(client, assessment)
    assert abs(len(large) - len(small)) < 64  # the CSRF token's mask aside, the same page
    assert large_queries == small_queries


def test_a_leafs_block_comes_alone_with_the_sheets_counts(assessment: Any, unit_editor: Any) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    (linked,) = _fill_library(assessment, unit_editor, 1)
    services.evidence_link(evidence_file=linked, line=line, actor=unit_editor)
    _fill_library(assessment, unit_editor, 30, start=1)
    client = _client(unit_editor)
    url = reverse("evidence:line", args=[assessment.pk, line.pk])
    next_url = reverse("scoring:assessment", args=[assessment.pk]) + f"#line-{line.pk}"
    client.get(url, {"next": next_url, "totals": "1"}, **JSON)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"next": next_url, "totals": "1"}, **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["line_id"] == line.pk and data["evidence_count"] == 1
    assert data["explanation_required"] is False
    assert f'id="evidence-line-{line.pk}"' in data["html"]
    assert linked.original_name in data["html"]
    assert "Tài liệu số 005.pdf" not in data["html"]  # the library is not in the block
    assert f'name="next" value="{next_url}"' in data["html"]
    assert data["totals"]["display"]["evidence_missing"].isdigit()
    assert len(data["html"]) < 6000
    assert len(queries) <= 12


def test_the_leaf_block_of_another_units_assessment_is_not_found(assessment: Any, other_editor: Any) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    response = _client(other_editor).get(reverse("evidence:line", args=[assessment.pk, line.pk]), **JSON)
    assert response.status_code == 404


def test_a_signed_out_script_asking_for_a_leaf_block_hears_401(assessment: Any) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    response = Client().get(reverse("evidence:line", args=[assessment.pk, line.pk]), **JSON)
    assert response.status_code == 401


def test_the_picker_lists_the_library_once_in_vietnamese_order_with_the_leafs_files_marked(
    assessment: Any, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    names = ["Đề án.pdf", "Dự toán.pdf", "Ảnh hiện trường.pdf", "An toàn.pdf", "Báo cáo.pdf"]
    files = {
        name: services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                       uploaded_file=upload(name, samples.pdf(name.encode().hex())), actor=unit_editor)
        for name in names
    }
    services.evidence_link(evidence_file=files["Báo cáo.pdf"], line=line, actor=unit_editor)
    response = _client(unit_editor).get(reverse("evidence:picker", args=[assessment.pk, line.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for the page's dialog
    positions = [html.index(name) for name in ["An toàn.pdf", "Ảnh hiện trường.pdf", "Báo cáo.pdf", "Dự toán.pdf",
                                               "Đề án.pdf"]]
    assert positions == sorted(positions)
    for evidence_file in files.values():
        assert html.count(f'name="file_id" value="{evidence_file.pk}"') == 1
    linked = html[html.index(f'name="file_id" value="{files["Báo cáo.pdf"].pk}"'):html.index("Báo cáo.pdf")]
    assert "disabled" in linked
    assert 'data-search="de an.pdf"' in html  # the filter's key: without diacritics, lower case
    assert f'name="line_id" value="{line.pk}"' in html


def test_the_picker_is_refused_to_whoever_may_not_link_files(
    team: Any, assessment: Any, other_editor: Any, appraiser: Any, submit: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    url = reverse("evidence:picker", args=[assessment.pk, line.pk])
    assert _client(other_editor).get(url).status_code == 404
    submit()
    assert _client(appraiser).get(url).status_code == 403


def _picker(client: Client, assessment: Any, line: Any) -> tuple[str, int]:
    url = reverse("evidence:picker", args=[assessment.pk, line.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _choice(html: str, evidence_file: Any) -> str:
    start = html.index(f'name="file_id" value="{evidence_file.pk}"')
    return html[start:html.index("</li>", start)]


def test_the_picker_says_which_other_criteria_each_file_is_attached_to_in_bounded_queries(
    assessment: Any, unit_editor: Any
) -> None:
    # given: one file on 1.1.2 and 1.2.1, one on the picker's leaf 1.1.1 and on 1.2.2, one on none
    lines = {line.indicator.code: line for line in assessment.lines.select_related("indicator")}
    both, here, loose = _fill_library(assessment, unit_editor, 3)
    for evidence_file, codes in ((both, ["1.2.1", "1.1.2"]), (here, ["1.1.1", "1.2.2"])):
        for code in codes:
            services.evidence_link(evidence_file=evidence_file, line=lines[code], actor=unit_editor)
    client = _client(unit_editor)
    _picker(client, assessment, lines["1.1.1"])  # warm up (the session)

    # when
    html, small_queries = _picker(client, assessment, lines["1.1.1"])

    # then: the codes, in the set's order; the picker's own leaf said as before, not repeated
    assert "Gắn với tiêu chí khác: 1.1.2, 1.2.1" in _choice(html, both)
    assert "đã gắn với tiêu chí này · Gắn với tiêu chí khác: 1.2.2" in _choice(html, here)
    assert "Gắn với tiêu chí" not in _choice(html, loose)
    # and a library five times as large, every file attached to two leaves, costs no more queries
    for evidence_file in _fill_library(assessment, unit_editor, 12, start=3):
        for code in ("1.1.2", "1.2.2"):
            services.evidence_link(evidence_file=evidence_file, line=lines[code], actor=unit_editor)
    large, large_queries = _picker(client, assessment, lines["1.1.1"])
    assert large.count("Gắn với tiêu chí khác: 1.1.2, 1.2.2") == 12
    assert large_queries == small_queries
