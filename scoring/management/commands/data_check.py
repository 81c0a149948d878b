"""Hold the stored data to today's rules (after an upgrade): list each record they would refuse; exit code 1."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.selectors.data_check import CHECKS, data_problems


class Command(BaseCommand):
    help = (
        "Check stored data against today's rules (indicator sets, cycles' deadlines, units, names, signed-off "
        "results against the engine, e-mail addresses shared by active accounts and API keys, leaves' stored inputs "
        "and each stored self or appraised score against the engine's score of its input today); list each problem "
        "with the page that mends it. Reads only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", choices=sorted(CHECKS), action="append",
                            help="check only this topic (repeatable); every topic by default")
        parser.add_argument("--json", action="store_true", help="one JSON object per problem, one per line")

    def handle(self, *args: Any, **options: Any) -> None:
        topics = tuple(options["only"] or CHECKS)
        count = 0
        for problem in data_problems(topics=topics):
            count += 1
            if options["json"]:
                self.stdout.write(json.dumps(problem.__dict__, ensure_ascii=False))
            else:
                where = f"  → {problem.where}" if problem.where else ""
                self.stdout.write(f"[{problem.topic}] {problem.record}: {problem.message}{where}")
        if count:
            raise CommandError(f"{count} problem(s) in the stored data ({', '.join(topics)})", returncode=1)
        if not options["json"]:
            self.stdout.write(f"OK: nothing to mend ({', '.join(topics)})")
