from django.contrib import admin

from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from scoring.admin import ReadOnlyModelAdmin

# Read-only: evidence is uploaded, linked and unlinked on the assessment pages (rights checked, audited); a blob
# is named by its content's hash, so editing one here would break the link between a file and its bytes.


@admin.register(EvidenceBlob)
class EvidenceBlobAdmin(ReadOnlyModelAdmin):
    list_display = ["sha256", "size", "content_type", "stored_at"]
    search_fields = ["sha256"]
    list_filter = ["content_type"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyModelAdmin):
    list_display = ["original_name", "unit", "cycle", "uploaded_by", "uploaded_at"]
    list_filter = ["cycle", "unit"]
    search_fields = ["original_name", "blob__sha256", "unit__name"]
    list_select_related = ["unit", "cycle", "uploaded_by"]
    raw_id_fields = ["blob"]


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(ReadOnlyModelAdmin):
    list_display = ["evidence_file", "score_line", "linked_by", "linked_at", "explanation_round"]
    search_fields = ["evidence_file__original_name", "score_line__indicator__code"]
    list_select_related = ["evidence_file", "score_line__indicator", "linked_by"]
    raw_id_fields = ["evidence_file", "score_line"]
