"""The review page keeps its place: the area filter and the queue's filters survive its redirects, the back link
returns to the filtered queue, «Đơn vị tiếp theo» follows that queue, the first-pending link reaches a leaf of
another area, and the «được phân công» tag is shown only to someone limited to some areas."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
FILTERS = "trang-thai=submitted&linh-vuc=2"


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _hrefs(body: str, marker: str) -> list[str]:
    """The href of every link carrying `marker` (an attribute), unescaped."""
    return [unescape(h) for h in re.findall(rf'<a href="([^"]*)"[^>]*{marker}', body)]


def _review(assessment: Any, **params: str) -> str:
    url = reverse("appraisal:review", args=[assessment.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _area(assessment: Any, code: str) -> Any:
    return assessment.indicator_set.indicators.get(code=code)


@pytest.fixture
def three(submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Sở Tài chính, Sở Xây dựng, Sở Y tế (the queue's order: by name within the group), all submitted."""
    others = [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
              for code in ("so-tai-chinh", "so-xay-dung")]
    for other in others:
        self_score(other, unit_editor)
        submit(other, unit_head)
    return [*others, submitted]


# --- the area filter through redirects ----------------------------------------------------------------------


def test_accepting_an_area_returns_to_the_page_as_it_was_filtered(client: Client, submitted: Any,
                                                                  appraiser: Any) -> None:
    # given the page filtered to area 2, opened from a filtered queue
    evidence_not_required(submitted)
    login(client, appraiser)
    page = _review(submitted, **{"linh-vuc": "2", "tu": FILTERS})
    body = client.get(page).content.decode()
    area = _area(submitted, "2")
    posted = f"{page}#area-{area.pk}"  # what the area's form posts as `next`
    assert f'name="next" value="{posted.replace("&", "&amp;")}"' in body
    # when the area is accepted from it
    response = client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]), {"next": posted})
    # then the page comes back filtered, on the area
    assert response.status_code == 302
    assert response["Location"] == f"{page}#area-{area.pk}"
    assert line_of(submitted, "2.1.1").appraised_score is not None


@pytest.mark.parametrize("elsewhere", [
    "https://example.com/tham-dinh/?linh-vuc=2",
    "//example.com/?linh-vuc=2",
    "/tham-dinh/?linh-vuc=2",  # another page of ours: only the review page's own address counts
])
def test_accepting_an_area_ignores_a_next_that_is_not_this_review_page(
    client: Client, submitted: Any, appraiser: Any, elsewhere: str
) -> None:
    area = _area(submitted, "2")
    response = login(client, appraiser).post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]),
                                             {"next": elsewhere})
    assert response["Location"] == f"{_review(submitted)}#area-{area.pk}"


def test_a_leaf_saved_without_javascript_returns_to_the_filtered_page(client: Client, submitted: Any,
                                                                      appraiser: Any) -> None:
    login(client, appraiser)
    page = _review(submitted, **{"linh-vuc": "2", "tu": FILTERS})
    line = line_of(submitted, "2.2.1")
    response = client.post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                           {"base_version": line.version, "next": page})
    assert response["Location"] == f"{page}#line-{line.pk}"


def test_a_refused_leaf_without_javascript_is_shown_on_the_filtered_page(client: Client, submitted: Any,
                                                                         appraiser: Any) -> None:
    login(client, appraiser)
    page = _review(submitted, **{"linh-vuc": "2"})
    line = line_of(submitted, "2.1.1")
    response = client.post(reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]), {
        "base_version": line.version, f"a{line.pk}-numerator": "50", f"a{line.pk}-denominator": "100", "next": page,
    })
    body = response.content.decode()
    assert response.status_code == 400
    assert f'id="line-{line.pk}"' in body
    assert f'id="line-{line_of(submitted, "1.1.1").pk}"' not in body  # still filtered to area 2


# --- the queue's filters -----------------------------------------------------------------------------------


def test_the_queue_links_carry_its_filters_to_the_review_page(client: Client, submitted: Any,
                                                             appraiser: Any) -> None:
    body = login(client, appraiser).get(reverse("appraisal:queue"), {"trang-thai": "submitted",
                                                                     "linh-vuc": "2"}).content.decode()
    expected = _review(submitted, **{"linh-vuc": "2", "tu": FILTERS})
    assert expected.replace("&", "&amp;") in body


def test_the_back_link_returns_to_the_filtered_queue(client: Client, submitted: Any, appraiser: Any) -> None:
    body = login(client, appraiser).get(_review(submitted, tu=FILTERS)).content.decode()
    assert _hrefs(body, "data-back") == [f"{reverse('appraisal:queue')}?{FILTERS}"]
    # the area filter and its links keep the queue's filters too
    assert f'<input type="hidden" name="tu" value="{FILTERS.replace("&", "&amp;")}">' in body
    assert f"?linh-vuc=2&amp;tu=trang-thai%3Dsubmitted%26linh-vuc%3D2#area-{_area(submitted, '2').pk}" in body


@pytest.mark.parametrize(("tu", "kept"), [
    ("https://example.com/", ""),
    ("//example.com/?trang-thai=submitted", ""),
    ("next=https://example.com&trang-thai=submitted", "trang-thai=submitted"),
    ("trang-thai=nonsense&linh-vuc=2", "linh-vuc=2"),
    ("ky=abc&nhom=1x&trang=2", "trang=2"),
    ("linh-vuc=<script>", ""),
    ("trang-thai=submitted&trang-thai=explanation", "trang-thai=submitted"),
    ("giai-trinh-moi=1&giai-trinh-moi=yes", "giai-trinh-moi=1"),
    ("giai-trinh-moi=0", ""),
])
def test_the_back_link_keeps_only_the_queues_own_filters(
    client: Client, submitted: Any, appraiser: Any, tu: str, kept: str
) -> None:
    body = login(client, appraiser).get(_review(submitted, tu=tu)).content.decode()
    queue = reverse("appraisal:queue")
    assert _hrefs(body, "data-back") == [f"{queue}?{kept}" if kept else queue]
    assert not [href for href in re.findall(r'href="([^"]*)"', body) if "example.com" in unescape(href)]


def test_next_unit_follows_the_filtered_queue(client: Client, three: list[Assessment], lead: Any) -> None:
    first, second, last = three
    login(client, lead)
    body = client.get(_review(first, tu="trang-thai=submitted")).content.decode()
    assert _hrefs(body, "data-next-unit") == [_review(second, tu="trang-thai=submitted")]
    body = client.get(_review(second, tu="trang-thai=submitted")).content.decode()
    assert _hrefs(body, "data-next-unit") == [_review(last, tu="trang-thai=submitted")]
    # the queue's last unit has none
    assert _hrefs(client.get(_review(last, tu="trang-thai=submitted")).content.decode(), "data-next-unit") == []
    # nor a page opened without the queue's filters
    assert _hrefs(client.get(_review(first)).content.decode(), "data-next-unit") == []


def test_next_unit_crosses_the_queues_pages(client: Client, three: list[Assessment], lead: Any,
                                            monkeypatch: Any) -> None:
    from appraisal.views import review as review_views

    monkeypatch.setattr(review_views, "QUEUE_PER_PAGE", 2)
    _first, second, last = three
    login(client, lead)
    body = client.get(_review(second, tu="trang-thai=submitted")).content.decode()
    assert _hrefs(body, "data-next-unit") == [_review(last, tu="trang-thai=submitted&trang=2")]


def test_next_unit_is_found_after_the_unit_has_left_the_filtered_queue(
    client: Client, three: list[Assessment], lead: Any
) -> None:
    from appraisal.services import line_accept_self

    first, second, _last = three
    login(client, lead)
    line = line_of(first, "1.1.2")
    line_accept_self(line=line, actor=lead, base_version=line.version)  # «Đang thẩm định» now: out of the filter
    body = client.get(_review(first, tu="trang-thai=submitted")).content.decode()
    assert _hrefs(body, "data-next-unit") == [_review(second, tu="trang-thai=submitted")]


def test_next_unit_stays_within_what_the_appraiser_may_review(
    client: Client, three: list[Assessment], appraiser: Any
) -> None:
    from appraisal.models import AppraisalAssignment

    first, _second, last = three
    AppraisalAssignment.objects.get(user=appraiser).units.set([first.unit, last.unit])
    body = login(client, appraiser).get(_review(first, tu="linh-vuc=2")).content.decode()
    assert _hrefs(body, "data-next-unit") == [_review(last, **{"linh-vuc": "2", "tu": "linh-vuc=2"})]


def test_each_leaf_the_area_button_counts_is_marked_for_the_page_script(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    """The script counts the area's button down from these marks: they must add up to the server's count."""
    from appraisal.services import line_accept_self

    evidence_not_required(submitted)

    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=appraiser, base_version=line.version)
    body = login(client, appraiser).get(_review(submitted)).content.decode()
    assert "Chấp nhận điểm tự chấm cho 3 tiêu chí chưa thẩm định" in body
    assert body.count('data-acceptable="1"') == 3 and body.count('data-acceptable="0"') == 1  # area 2 only


# --- the first leaf yet to decide ----------------------------------------------------------------------------


def test_the_first_pending_link_leads_to_a_leaf_of_another_area(client: Client, submitted: Any, lead: Any) -> None:
    from appraisal.services import line_accept_self

    login(client, lead)
    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=lead, base_version=line.version)  # in appraisal: the hint shows
    first = line_of(submitted, "1.1.1").pk
    filtered = client.get(_review(submitted, **{"linh-vuc": "2", "tu": "trang-thai=submitted"})).content.decode()
    assert _hrefs(filtered, "data-first-pending") == [
        f"?linh-vuc=1&tu=trang-thai%3Dsubmitted#line-{first}"]
    assert _hrefs(client.get(_review(submitted, **{"linh-vuc": "1"})).content.decode(),
                  "data-first-pending") == [f"#line-{first}"]
    assert _hrefs(client.get(_review(submitted)).content.decode(), "data-first-pending") == [f"#line-{first}"]


def test_a_save_answers_with_the_area_of_the_first_leaf_yet_to_decide(client: Client, submitted: Any,
                                                                      lead: Any) -> None:
    line = line_of(submitted, "1.1.1")
    answer = login(client, lead).post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                                      {"base_version": line.version}, **JSON).json()
    assert answer["review"]["first_pending"] == line_of(submitted, "1.1.2").pk
    assert answer["review"]["first_pending_area"] == "1"


# --- «được phân công» ---------------------------------------------------------------------------------------


def test_the_assigned_tag_is_shown_only_to_someone_limited_to_some_areas(
    client: Client, submitted: Any, appraiser: Any, lead: Any
) -> None:
    tag = '<span class="tag">được phân công</span>'
    assert login(client, appraiser).get(_review(submitted)).content.decode().count(tag) == 1  # area 2
    assert tag not in login(client, lead).get(_review(submitted)).content.decode()
