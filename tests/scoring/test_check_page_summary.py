"""The pre-submit check gives the head a summary of what he sends, read without opening every criterion: the
index and its class, the bonus and the penalty, the «không phát sinh» leaves, and warnings that do not stop the
submission: the leaves whose evidence is only an explanation (listed, each linking to its leaf) and the report's
Part III left empty. The page's queries do not grow with the number of such leaves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import Assessment
from scoring.services import assessment_difficulties_save, score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

MINUS = "\u2212"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _score_all(assessment: Assessment, actor: Any, *, explained: set[str] | None = None) -> None:
    """Every leaf scored; those in `explained` (all when None) carry an explanation, the others a file."""
    from evidence.services import evidence_link, evidence_upload
    from tests.evidence import samples
    from tests.evidence.conftest import upload

    scan = None
    for line in assessment.lines.select_related("indicator").order_by("indicator__code"):
        code = line.indicator.code
        value, _score = SMALL_SET_VALUES[code]
        explain = explained is None or code in explained
        line = score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                                    explanation="Bản giấy lưu tại Văn phòng Sở; sẽ bổ sung bản scan." if explain
                                    else None)
        if not explain:
            if scan is None:
                scan = evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                       uploaded_file=upload("Kế hoạch.pdf", samples.pdf()), actor=actor)
            evidence_link(evidence_file=scan, line=line, actor=actor)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _check(client: Client, assessment: Assessment) -> str:
    response = client.get(reverse("scoring:check", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_check_summarises_what_is_sent_and_warns_of_explanations_without_evidence(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: every leaf scored, all but 1.1.1 with only an explanation, 1.2.2 declared «không phát sinh»
    _score_all(assessment, unit_editor, explained={c for c in SMALL_SET_VALUES if c != "1.1.1"})
    kps = assessment.lines.get(indicator__code="1.2.2")
    score_line_save_self(line=kps, actor=unit_editor, base_version=kps.version, value=None, not_applicable=True,
                         not_applicable_reason="Không có đợt kiểm tra nào trong năm.")

    # when
    client.force_login(unit_head)
    page = _check(client, assessment)
    text = _text(page)

    # then: ready to send (nothing stops it), with the warnings beside it
    assert "sẵn sàng để gửi" in text and "Anh/chị hãy đọc các lưu ý dưới đây" in text
    assert "Gửi bản tự đánh giá</button>" in page
    summary = page.split("data-summary>")[1].split("</section>")[0]
    assert re.search(r'data-summary="bonus">\+1,50<', summary)
    assert re.search(rf'data-summary="penalty">{MINUS}1,00<', summary)
    assert re.search(r'data-summary="not-applicable">1<', summary)
    assert re.search(r'data-summary="index"><strong>\d+,\d\d</strong>', summary)
    assert re.search(r'data-summary="classification">(Tốt|Khá|Trung bình|Yếu)<', summary)
    # 9 leaves: 1.1.1 has a file, 1.2.2 is KPS, the other 7 rely on an explanation; each listed with its link
    # the warnings come after the figures and the «ready» note that points down to them
    warnings = page.split("data-warnings>")[1].split("</section>")[0]
    assert page.index("data-summary>") < page.index("sẵn sàng để gửi") < page.index("data-warnings>")
    assert "7 tiêu chí chưa có tài liệu kiểm chứng, chỉ có giải trình." in _text(warnings)
    listed = re.findall(r'href="/danh-gia/\d+/#line-(\d+)"><strong>([\d.]+)</strong>', warnings)
    assert [code for _pk, code in listed] == ["1.1.2", "1.2.1", "1.2.3", "2.1.1", "2.1.2", "2.2.1", "2.3.1"]
    line = assessment.lines.get(indicator__code="2.3.1")
    assert (str(line.pk), "2.3.1") in listed
    assert "<details>" in warnings  # the list folded away
    assert "Phần III của báo cáo" in _text(warnings) and reverse("scoring:report", args=[assessment.pk]) in warnings


def test_with_evidence_everywhere_and_part_three_written_the_check_says_ready_without_warnings(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _score_all(assessment, unit_editor, explained=set())
    assessment_difficulties_save(assessment=assessment, text="Thiếu biên chế.", actor=unit_editor, expected_old="")
    client.force_login(unit_head)
    text = _text(_check(client, assessment))
    assert "Không còn vấn đề nào: bản tự đánh giá đã sẵn sàng để gửi." in text
    assert "chỉ có giải trình" not in text and "Phần III của báo cáo" not in text
    assert "Lưu ý (không chặn việc gửi)" not in text


def test_the_checks_queries_do_not_grow_with_the_leaves_listed(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    client.force_login(unit_head)
    _score_all(assessment, unit_editor)  # every leaf relies on an explanation
    with CaptureQueriesContext(connection) as all_of_them:
        page = _check(client, assessment)
    assert "9 tiêu chí chưa có tài liệu kiểm chứng" in _text(page)
    _score_all(assessment, unit_editor, explained={"1.1.1"})  # now the others have a file
    with CaptureQueriesContext(connection) as one:
        page = _check(client, assessment)
    assert "1 tiêu chí chưa có tài liệu kiểm chứng" in _text(page)
    assert len(all_of_them) == len(one) <= 12


def test_in_english_the_summary_and_its_warnings_are_english(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, settings: Any
) -> None:
    _score_all(assessment, unit_editor)
    client.force_login(unit_head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(_check(client, assessment))
    assert "9 criteria have no evidence document, only an explanation." in text
    assert "Part III of the report" in text and "ready to send" in text


def _score_some(assessment: Assessment, actor: Any, codes: set[str]) -> None:
    for line in assessment.lines.select_related("indicator").filter(indicator__code__in=codes):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Bản giấy lưu tại Văn phòng Sở.")


def test_a_half_scored_sheet_shows_its_summary_first_as_provisional_and_without_a_class(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: 3 of the 9 leaves scored
    _score_some(assessment, unit_editor, {"1.1.1", "1.1.2", "2.3.1"})

    # when
    client.force_login(unit_head)
    page = _check(client, assessment)

    # then: the summary comes before the list of issues, so the head reads it without scrolling past them
    assert 'class="problems"' in page
    assert page.index("data-summary>") < page.index('class="problems"')
    summary = page.split("data-summary>")[1].split("</section>")[0]
    # the figures are provisional: the 6 unscored leaves count as 0
    assert "Tạm tính: 6 tiêu chí chưa chấm được tính 0 điểm." in _text(summary)
    # no class while leaves are unscored: «Yếu» would read as the unit's verdict
    classification = re.search(r'data-summary="classification">(.*?)</td>', summary, re.S)
    assert classification is not None
    assert not re.search(r"Tốt|Khá|Trung bình|Yếu", classification.group(1))
    assert classification.group(1).startswith("—")


def test_an_empty_sheet_summary_has_no_class_as_the_sheet_says(
    client: Client, assessment: Assessment, unit_head: Any, settings: Any
) -> None:
    client.force_login(unit_head)
    summary = _check(client, assessment).split("data-summary>")[1].split("</section>")[0]
    assert re.search(r'data-summary="classification">— \(chưa chấm tiêu chí nào\)<', summary)
    assert "Tạm tính: 9 tiêu chí chưa chấm được tính 0 điểm." in _text(summary)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Provisional: 9 unscored criteria counted as 0 points." in _text(_check(client, assessment))


def test_a_fully_scored_sheet_summary_is_not_provisional(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _score_all(assessment, unit_editor, explained=set())
    client.force_login(unit_head)
    summary = _check(client, assessment).split("data-summary>")[1].split("</section>")[0]
    assert "Tạm tính" not in _text(summary)
    assert re.search(r'data-summary="classification">(Tốt|Khá|Trung bình|Yếu)<', summary)
