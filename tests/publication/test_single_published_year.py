"""With one published year there is nothing to compare: the comparison's address says that a second published year
is needed, with a way back (still a 404), and the unit page's history says why it shows one year only; a year
beside itself is said so, not a bare 404."""

from __future__ import annotations

import pytest
from django.test import Client

from scoring.models import Publication

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_comparing_with_a_year_not_published_says_a_second_year_is_needed(publication: Publication) -> None:
    response = Client().get("/ket-qua/2020/so-sanh/2019/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "data-compare-help" in html
    assert "So sánh giữa các năm cần ít nhất hai năm đã công bố; hiện mới có 1 năm." in _text(html)
    assert '<a href="/ket-qua/2020/">← Kết quả năm 2020</a>' in html


def test_a_year_beside_itself_is_explained_not_a_bare_404(publication: Publication) -> None:
    response = Client().get("/ket-qua/2020/so-sanh/2020/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không so sánh năm 2020 với chính nó: hãy chọn hai năm khác nhau." in _text(html)
    assert '<a href="/ket-qua/2020/">← Kết quả năm 2020</a>' in html


def test_the_unit_pages_single_year_history_says_why(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert "data-single-year" in html
    assert ("Đơn vị mới có kết quả công bố năm 2020: biểu đồ và so sánh qua các năm sẽ có khi có thêm năm công bố."
            in _text(html))
    # and the year's page offers no comparison
    assert "/so-sanh/" not in Client().get("/ket-qua/2020/").content.decode()
