"""Remove what a crashed or rolled-back upload may leave on disk: stale temporary files and stored content
that no ``EvidenceBlob`` row refers to. Both are left alone while younger than ``--min-age`` seconds, so an
upload still in progress (or a transaction not yet committed) is never touched.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from evidence import storage
from evidence.models import EvidenceBlob


class Command(BaseCommand):
    help = "Xoá tệp tạm và nội dung tệp không còn được tham chiếu trong kho tài liệu kiểm chứng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-age", type=int, default=3600, help="Chỉ xoá tệp cũ hơn số giây này.")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ liệt kê, không xoá.")

    def handle(self, *args: Any, min_age: int, dry_run: bool, **options: Any) -> None:
        cutoff = time.time() - min_age
        temps = storage.stale_temp_files(older_than_seconds=min_age)
        candidates = {sha: path for sha, path in storage.stored_hashes() if path.stat().st_mtime < cutoff}
        known = set(EvidenceBlob.objects.filter(pk__in=list(candidates)).values_list("pk", flat=True))
        orphans = [path for sha, path in candidates.items() if sha not in known]
        for path in [*temps, *orphans]:
            self.stdout.write(f"{'would remove' if dry_run else 'removed'} {path.name}")
            if not dry_run:
                path.unlink(missing_ok=True)
        self.stdout.write(f"{len(temps)} temporary, {len(orphans)} unreferenced")
