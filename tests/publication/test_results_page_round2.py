"""The public results page: the «Xếp loại» filter in the sets' band order, and an older revision saying it has
been corrected."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication
from scoring.publication import selectors
from scoring.publication.services import cycle_publish

pytestmark = pytest.mark.django_db

# (unit, index, classification) in the rows' order: the ranking meets the bands out of order
ROWS = {"so-cong-thuong": ("9.50", "Tốt"), "so-tu-phap": ("8.20", "Khá"), "so-y-te": ("3.00", "Yếu"),
        "so-xay-dung": ("7.00", "Trung bình")}


def _reclassify(publication: Publication) -> Publication:
    snap = publication.snapshot
    for row in snap["rows"]:
        row["index"], row["classification"] = ROWS[row["unit_code"]]
    order = {code: n for n, code in enumerate(ROWS)}
    snap["rows"].sort(key=lambda r: order[r["unit_code"]])
    Publication.objects.filter(pk=publication.pk).update(snapshot=snap)
    publication.refresh_from_db()
    return publication


def test_the_classifications_are_listed_in_the_sets_band_order(publication: Publication) -> None:
    snap = _reclassify(publication).snapshot
    assert [r["classification"] for r in snap["rows"]] == ["Tốt", "Khá", "Yếu", "Trung bình"]
    assert selectors.classifications(snap) == ["Tốt", "Khá", "Trung bình", "Yếu"]


def test_a_classification_no_scale_names_comes_after_by_its_highest_index(publication: Publication) -> None:
    snap = _reclassify(publication).snapshot
    snap["rows"][2]["classification"] = "Chưa đạt"  # a name the set's scale no longer has
    assert selectors.classifications(snap) == ["Tốt", "Khá", "Trung bình", "Chưa đạt"]


def test_the_results_filter_offers_the_ratings_highest_first(publication: Publication) -> None:
    _reclassify(publication)
    html = Client().get("/ket-qua/2020/").content.decode()
    select = html.split('name="xep_loai"')[1].split("</select>")[0]
    assert re.findall(r'value="([^"]+)"', select) == ["Tốt", "Khá", "Trung bình", "Yếu"]


def _correct(publication: Publication, admin_user: Any) -> Publication:
    from scoring.models import ScoreLine

    line = ScoreLine.objects.get(assessment__unit__code="so-y-te", assessment__cycle=publication.cycle,
                                 indicator__code="1.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=line.appraised_score)  # figures unchanged
    return cycle_publish(cycle=publication.cycle, document_number="Công văn số 5000/UBND-NC",
                         document_date=datetime.date(2020, 12, 20), reason="Sửa tên văn bản", actor=admin_user,
                         document_only=True)


def test_an_older_revision_says_it_was_corrected_and_links_to_the_latest(
    publication: Publication, admin_user: Any
) -> None:
    # given: revision 2 corrects revision 1
    _correct(publication, admin_user)
    client = Client()
    # when: revision 1 is shown
    html = client.get("/ket-qua/2020/?lan=1").content.decode()
    # then
    banner = html.split("data-superseded")[1].split("</div>")[0]
    # (a correction of the document only: said so, the results unchanged)
    assert "đã được đính chính bởi" in banner and "kết quả không thay đổi" in banner
    assert 'href="/ket-qua/2020/"' in banner and "lần công bố 2" in banner
    assert "Công văn số 5000/UBND-NC" in banner and "20/12/2020" in banner
    # the latest says nothing of the kind, nor does a year published once
    assert "data-superseded" not in client.get("/ket-qua/2020/").content.decode()
    assert "data-superseded" not in client.get("/ket-qua/2020/?lan=2").content.decode()
    # a unit's page of the older revision says it too, linking to the unit in the latest
    unit_html = client.get("/ket-qua/2020/don-vi/so-y-te/?lan=1").content.decode()
    assert "data-superseded" in unit_html and 'href="/ket-qua/2020/don-vi/so-y-te/"' in unit_html
    assert "data-superseded" not in client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()


def test_a_year_published_once_shows_no_correction_banner(publication: Publication) -> None:
    assert "data-superseded" not in Client().get("/ket-qua/2020/?lan=1").content.decode()
