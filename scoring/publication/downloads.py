"""The open-data files of a publication as HTTP responses: one builder for the public pages and the API, so
both offer the same bytes under the same names."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse

from scoring.models import Publication
from scoring.publication import exports

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"


def file_name(publication: Publication, stem: str, ext: str) -> str:
    return f"{stem}-{publication.cycle.year}-lan-{publication.revision}.{ext}"


def results_csv(publication: Publication) -> StreamingHttpResponse:
    """The results table, one row per unit (UTF-8 with BOM; columns in docs/open-data.md)."""
    response = StreamingHttpResponse(exports.csv_stream(publication), content_type=f"{CSV_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(publication, "ket-qua-cchc", "csv")}"'
    return response


def criteria_csv(publication: Publication) -> StreamingHttpResponse:
    """One row per unit and scored criterion (the publication must be loaded with its scores)."""
    response = StreamingHttpResponse(
        exports.csv_stream(publication, exports.criteria_rows), content_type=f"{CSV_TYPE}; charset=utf-8"
    )
    name = file_name(publication, "diem-tieu-chi-cchc", "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def results_json(publication: Publication) -> HttpResponse:
    """The open-data JSON document (schema `cchc-ket-qua/1`)."""
    response = HttpResponse(exports.open_data_bytes(publication), content_type=f"{JSON_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{file_name(publication, "ket-qua-cchc", "json")}"'
    return response
