"""«Cách tính chỉ số» lists each published criterion with its scoring method in words, its minimum and its maximum,
read from the publication's snapshot: editing the live criterion afterwards does not change what the page says. A
snapshot stored before the criteria's methods were kept in it still renders, says so and links the set's page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from scoring.models import Indicator, Publication
from scoring.publication import services

pytestmark = pytest.mark.django_db

URL = "/ket-qua/2020/cach-tinh-chi-so/"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _criterion(html: str, code: str) -> str:
    row = re.search(rf'<tr[^>]*data-criterion="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {code}"
    return _text(row.group(1))


def _old_format(publication: Publication) -> Publication:
    """The publication as stored before the snapshot kept the leaves' methods and minimums."""
    for s in publication.snapshot["sets"].values():
        for i in s["indicators"]:
            for key in services.LEAF_METHOD_KEPT_LATER:
                i.pop(key, None)
    Publication.objects.filter(pk=publication.pk).update(snapshot=publication.snapshot)
    return publication


def test_the_method_page_states_each_criterions_published_method(publication: Publication) -> None:
    html = Client().get(URL).content.decode()
    # one collapsible list per area, each criterion with its maximum, minimum and method in words
    assert re.findall(r'data-method-criteria="([^"]+)"', html) == ["1", "2"]
    levels = _criterion(html, "1.1.1")
    assert "Ban hành kế hoạch CCHC năm" in levels and "1,00 −1,00 Chọn mức" in levels
    assert "Đúng hạn, đầy đủ: 1 điểm" in levels and "Không ban hành: −1 điểm" in levels
    assert "Điểm = 2 + số lần × điểm mỗi lần, thấp nhất 0, tối đa 2." in _criterion(html, "2.1.2")
    assert "≥ 70%: 1 điểm" in _criterion(html, "1.1.2")
    penalty = _criterion(html, "2.3.1")
    assert "Điểm trừ" in penalty and "Số người: trừ 1 điểm/lần" in penalty
    # the set's criteria are read on this page, not from the set's live page
    assert 'href="#tieu-chi-test-set"' in html and "data-criteria-not-kept" not in html


def test_the_method_page_keeps_the_published_method_after_the_live_criterion_is_edited(
    publication: Publication,
) -> None:
    # given the live criterion edited after the publication
    leaf = Indicator.objects.get(indicator_set__key="test-set", code="1.1.1")
    leaf.params = {"options": [{"key": "on_time", "label": "Hoàn thành sớm", "points": "0.75"}]}
    leaf.floor = 0
    leaf.max_points = "0.75"
    leaf.save()
    Indicator.objects.filter(indicator_set__key="test-set", code="1.2.3").update(method="yes_no", params={})
    # when the page is read
    html = Client().get(URL).content.decode()
    # then it states the method as published
    levels = _criterion(html, "1.1.1")
    assert "1,00 −1,00 Chọn mức" in levels and "Đúng hạn, đầy đủ: 1 điểm" in levels
    assert "Hoàn thành sớm" not in html and "0,75" not in levels
    manual = _criterion(html, "1.2.3")
    assert "Chấm điểm trực tiếp" in manual and "Từ 0 đến 0,5 điểm, bước 0,25." in manual


def test_the_published_methods_read_in_english(publication: Publication) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    assert "Scoring method" in html and "Minimum score" in html
    assert "as they were when the results were published" in html
    assert "Choose a level" in _criterion(html, "1.1.1")
    penalty = _criterion(html, "2.3.1")
    assert "Score by number of times" in penalty and "1 point per occurrence" in penalty


def test_an_old_snapshot_without_the_methods_still_renders_and_links_the_sets_page(publication: Publication) -> None:
    _old_format(publication)
    response = Client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-method-criteria" not in html and "data-criterion=" not in html
    note = re.search(r"<p class=\"note\" data-criteria-not-kept>(.*?)</p>", html, re.S)
    assert note, "the page does not say the detail is not in this publication"
    assert "Lần công bố này không lưu cách chấm từng tiêu chí." in _text(note.group(1))
    assert 'href="/bo-chi-so/test-set/"' in note.group(1)
    # the rest of the page as before
    assert "Chỉ số = tổng điểm các lĩnh vực + điểm cộng − điểm trừ." in _text(html)
    assert "trang bộ chỉ số ghi điểm của từng mức" in _text(html)


def test_a_publication_made_before_the_methods_were_kept_states_the_same_figures(
    publication: Publication, admin_user: Any,
) -> None:
    # a correction with nothing changed is refused or marked as such by comparing figures: an old-format snapshot
    # compares equal to a fresh one, which has the methods
    _old_format(publication)
    fresh, scores = services.snapshot_build(cycle=publication.cycle)
    assert any("method" in i for i in fresh["sets"]["test-set"]["indicators"])
    assert services.figures_unchanged(Publication.objects.get(pk=publication.pk), fresh, scores)


def test_the_links_to_the_method_page_read_naturally_in_english(publication: Publication) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in ("/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/", "/du-lieu-mo/"):
        html = client.get(url).content.decode()
        links = re.search(r"<p class=\"meta\" data-method-links>(.*?)</p>", html, re.S)
        assert links, url
        assert "How the index is calculated" in links.group(1) and "Index calculation method" not in html, url
    title = re.search(r"<title>(.*?)</title>", client.get(URL).content.decode(), re.S)
    assert title and title.group(1).startswith("How the 2020 PAR Index is computed")
