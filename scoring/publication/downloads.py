"""The open-data files of a publication as HTTP responses: one builder for the public pages and the API, so
both offer the same bytes under the same names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

from scoring.exports import XLSX_TYPE
from scoring.models import Publication
from scoring.publication import exports

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"
# A revision named in the address (`?lan=`/`?revision=`) never changes: cached for a year. The latest revision's
# address may point to a correction tomorrow: cached briefly, then revalidated (304 while it has not changed).
ROUND_MAX_AGE = 365 * 24 * 3600
LATEST_MAX_AGE = 300
# Part of every file's ETag: raised (in exports, with the names of the files it keeps) when a change of the code
# changes the bytes of an existing publication's file.
FILE_FORMAT = exports.FILE_FORMAT


def _caching(response: HttpResponseBase, *, etag: str, last_modified: float, pinned: bool) -> None:
    response.headers.setdefault("ETag", etag)
    response["Last-Modified"] = http_date(last_modified)
    if pinned:
        patch_cache_control(response, public=True, max_age=ROUND_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=LATEST_MAX_AGE)
    patch_vary_headers(response, ("Accept-Encoding",))


def served(request: HttpRequest, publication: Publication, *, name: str, pinned: bool, compress: bool,
           build: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """A publication's file as an answer that caches and revalidates (ETag and Last-Modified from the publication,
    which is immutable: a conditional GET is answered 304 before the file is read or built), compressed (gzip) for
    a client that accepts it when `compress` (text). `pinned`: the address names the revision (long max-age).

    Compressed here rather than by the site's middleware (cchc.middleware.CompressedTextMiddleware), which leaves
    every streamed answer alone (evidence files are streamed with their length): the CSV files are streamed. A
    compressed file's ETag is weak (the same content, in either encoding), so a conditional GET matches both."""
    etag = quote_etag(f"{FILE_FORMAT}-{publication.pk}-{publication.revision}-{name}")
    if compress:
        etag = f"W/{etag}"
    last_modified = publication.published_at.timestamp()
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if not_modified is not None:
        _caching(not_modified, etag=etag, last_modified=last_modified, pinned=pinned)
        return not_modified
    response = build()
    _caching(response, etag=etag, last_modified=last_modified, pinned=pinned)
    if compress:
        response = GZipMiddleware(lambda _request: response).process_response(request, response)
    return response


def file_name(publication: Publication, stem: str, ext: str) -> str:
    return f"{stem}-{publication.cycle.year}-lan-{publication.revision}.{ext}"


def results_csv(publication: Publication) -> StreamingHttpResponse:
    """The results table, one row per unit (UTF-8 with BOM; columns in docs/open-data.md)."""
    response = StreamingHttpResponse(exports.csv_stream(publication), content_type=f"{CSV_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(publication, "ket-qua-cchc", "csv")}"'
    return response


def shared_file(publication: Publication, *, kind: str, stem: str, ext: str, content_type: str,
                actor: Any) -> FileResponse:
    """A whole-publication file built once into the export store (`services.export_file_now`) and streamed from
    it to everyone: a national one takes seconds of CPU to write."""
    from scoring.publication.services import export_file_now

    job = export_file_now(publication=publication, kind=kind, actor=actor)
    return FileResponse(exports.job_path(job).open("rb"), as_attachment=True,
                        filename=file_name(publication, stem, ext), content_type=content_type)


def criteria_csv(publication: Publication, *, actor: Any) -> FileResponse:
    """One row per unit and scored criterion (a national table is 430,000 rows, 80 MB)."""
    return shared_file(publication, kind="criteria_csv", stem="diem-tieu-chi-cchc", ext="csv",
                       content_type=f"{CSV_TYPE}; charset=utf-8", actor=actor)


def results_xlsx(publication: Publication, *, actor: Any) -> FileResponse:
    """The official workbook (written in write-only mode)."""
    return shared_file(publication, kind="xlsx", stem="ket-qua-cchc", ext="xlsx", content_type=XLSX_TYPE,
                       actor=actor)


def results_json(publication: Publication) -> HttpResponse:
    """The open-data JSON document (schema `cchc-ket-qua/1`)."""
    response = HttpResponse(exports.open_data_bytes(publication), content_type=f"{JSON_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{file_name(publication, "ket-qua-cchc", "json")}"'
    return response
