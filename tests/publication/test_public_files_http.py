"""The public files over HTTP: compressed for a client that accepts gzip, cached (a named revision for a year, the
latest briefly) and revalidated with ETag/Last-Modified; HEAD answered on the public read-only pages and API."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication

pytestmark = pytest.mark.django_db

FILES = (
    "/ket-qua/2020/ket-qua.csv", "/ket-qua/2020/diem-tieu-chi.csv", "/ket-qua/2020/ket-qua.json",
    "/api/v1/open-data/2020/results.csv", "/api/v1/open-data/2020/criteria.csv",
    "/api/v1/open-data/2020/results.json",
)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", FILES)
def test_a_file_is_compressed_for_a_client_that_accepts_gzip(publication: Publication, url: str) -> None:
    plain = Client().get(url)
    packed = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert plain.status_code == packed.status_code == 200
    assert plain.get("Content-Encoding") is None
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(_body(packed)) == _body(plain)


@pytest.mark.parametrize("url", FILES)
def test_a_conditional_get_of_an_unchanged_file_answers_304(publication: Publication, url: str) -> None:
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    etag = first["ETag"]

    again = Client().get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING="gzip")
    since = Client().get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304 and again["ETag"] == etag
    assert since.status_code == 304
    assert Client().get(url, HTTP_IF_NONE_MATCH='W/"autre"').status_code == 200


def test_a_named_revision_is_cached_for_long_and_the_latest_briefly(publication: Publication) -> None:
    pinned = Client().get("/ket-qua/2020/ket-qua.csv?lan=1")
    latest = Client().get("/ket-qua/2020/ket-qua.csv")
    api_pinned = Client().get("/api/v1/open-data/2020/results.csv?revision=1")

    for response in (pinned, api_pinned):
        assert "public" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    assert "public" in latest["Cache-Control"] and "max-age=300" in latest["Cache-Control"]
    assert latest["ETag"] and latest["Last-Modified"]


def test_a_correction_changes_the_latest_files_etag(publication: Publication, admin_user: Any) -> None:
    from scoring.publication.services import cycle_publish

    before = Client().get("/ket-qua/2020/ket-qua.json")["ETag"]
    cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND-NC",
                  document_date=publication.document_date, actor=admin_user, reason="Đính chính số văn bản",
                  document_only=True)

    response = Client().get("/ket-qua/2020/ket-qua.json", HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200 and response["ETag"] != before


@pytest.mark.parametrize("url", [
    "/", "/ket-qua/", "/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/", "/ket-qua/2020/ket-qua.csv",
    "/ket-qua/2020/ket-qua.json", "/ket-qua/2020/diem-tieu-chi.csv", "/api/v1/results/", "/api/v1/results/2020/",
    "/api/v1/publications/", "/api/v1/open-data/2020/rankings/", "/api/v1/open-data/2020/units/so-y-te/",
    "/api/v1/open-data/2020/results.csv", "/api/v1/open-data/2020/results.json", "/du-lieu-mo/",
])
def test_head_is_answered_as_get_without_a_body(publication: Publication, url: str) -> None:
    get = Client().get(url)
    head = Client().head(url)

    assert get.status_code == head.status_code == 200, url
    assert head["Content-Type"] == get["Content-Type"]
    assert _body(head) == b""


def test_a_write_is_still_refused_on_a_public_file(publication: Publication) -> None:
    assert Client().post("/ket-qua/2020/ket-qua.csv").status_code == 405
