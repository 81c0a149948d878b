"""The open-data files of a publication as HTTP responses: one builder for the public pages and the API, so
both offer the same bytes under the same names."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

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


def criteria_csv(publication: Publication, *, actor: Any) -> FileResponse:
    """One row per unit and scored criterion: built once per publication into the export store and then
    streamed from it to everyone (a national table is 430,000 rows, 80 MB: 3.6 s of CPU to write each time)."""
    from scoring.publication.services import export_file_now

    job = export_file_now(publication=publication, kind="criteria_csv", actor=actor)
    return FileResponse(exports.job_path(job).open("rb"), as_attachment=True,
                        filename=file_name(publication, "diem-tieu-chi-cchc", "csv"),
                        content_type=f"{CSV_TYPE}; charset=utf-8")


def results_json(publication: Publication) -> HttpResponse:
    """The open-data JSON document (schema `cchc-ket-qua/1`)."""
    response = HttpResponse(exports.open_data_bytes(publication), content_type=f"{JSON_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{file_name(publication, "ket-qua-cchc", "json")}"'
    return response
