"""Walk the audit chain; print "OK n entries" or the first broken link (exit code 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scoring.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"BROKEN at audit entry #{report.broken_id} (after {report.count} valid entries): {report.problem}",
                returncode=1,
            )
        self.stdout.write(f"OK {report.count} entries")
