"""The open-data files of a publication as HTTP responses: one builder for the public pages and the API, so
both offer the same bytes under the same names."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from scoring.exports import XLSX_TYPE
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
