"""10,000 conflicting edits from concurrent clients against a real server process (gunicorn, six processes of
two threads) on the tests' PostgreSQL database: every stale write gets 409, no update is lost.

Half of the clients use the REST API (token, PUT of a line), the other half the sheet's autosave (session and
CSRF, JSON POST); all of them edit the same nine leaves of one assessment, each client with the versions it last
saw, as people with the page open do. The final state of every line must be the accepted write with the highest
version, and the accepted versions of a line must be one unbroken sequence (two writes accepted from the same
base version would be a lost update).
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from scoring import audit
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.tokens import api_token_issue

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EDITS = 10_000
CLIENTS = 40


def _value(code: str, n: int) -> dict[str, Any]:
    """A valid value of the small set's leaf `code`, varied with `n` (so that writes differ in value too)."""
    variants: dict[str, Any] = {
        "1.1.1": lambda: {"option": ("on_time", "late", "none")[n % 3]},
        "1.1.2": lambda: {"numerator": n % 51, "denominator": 50},
        "1.2.1": lambda: {"value": n % 2 == 0},
        "1.2.2": lambda: {"counts": {"a": 4, "b": n % 3, "c": 1}},
        "1.2.3": lambda: {"points": ("0", "0.25", "0.5")[n % 3]},
        "2.1.1": lambda: {"numerator": n % 101, "denominator": 100},
        "2.1.2": lambda: {"counts": {"late": n % 4, "missing": n % 2}},
        "2.2.1": lambda: {"counts": {"initiative": n % 5}},
        "2.3.1": lambda: {"counts": {"disciplined": n % 3}},
    }
    return variants[code]()


@dataclass(frozen=True)
class Accepted:
    line_id: int
    version: int
    note: str
    score: Decimal | None
    value: Any


class Tally:
    """What the clients saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tickets = itertools.count()
        self.accepted: list[Accepted] = []
        self.conflicts = 0
        self.unexpected: list[tuple[int, str]] = []
        self.conflicts_by_kind: dict[str, int] = defaultdict(int)

    def ticket(self) -> int | None:
        with self.lock:
            n = next(self.tickets)
        return n if n < EDITS else None


def _edit_loop(client: Any, kind: str, assessment_id: int, lines: dict[int, str], seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    known = dict.fromkeys(lines, 1)  # every line was at version 1 when the clients opened the page
    ids = sorted(lines)
    try:
        while (n := tally.ticket()) is not None:
            line_id = rng.choice(ids)
            note = f"{kind}-{seed}-{n}"
            body = {"version": known[line_id], "value": _value(lines[line_id], n), "note": note}
            if kind == "api":
                reply = client.json("PUT", f"/api/v1/assessments/{assessment_id}/lines/{line_id}/", body)
            else:
                reply = client.json("POST", f"/danh-gia/{assessment_id}/dong/{line_id}/", body)
            if reply.status == 200:
                saved = reply.json() if kind == "api" else reply.json()["line"]
                score = saved["self_score"]
                value = saved["self_value"] if kind == "api" else saved["value"]
                accepted = Accepted(line_id, int(saved["version"]), note,
                                    None if score is None else Decimal(score), value)
                known[line_id] = accepted.version
                with tally.lock:
                    tally.accepted.append(accepted)
            elif reply.status == 409:
                answer = reply.json()
                assert answer["code"] == "stale_version", answer
                current = answer["current"] if kind == "api" else answer["stored"]
                assert int(current["version"]) > body["version"], (current, body)
                known[line_id] = int(current["version"])
                with tally.lock:
                    tally.conflicts += 1
                    tally.conflicts_by_kind[kind] += 1
            else:
                with tally.lock:
                    tally.unexpected.append((reply.status, reply.text[:500]))
    except Exception as exc:  # recorded, so that the main thread fails the test with it
        with tally.lock:
            tally.unexpected.append((0, repr(exc)))
    finally:
        client.close()


def test_ten_thousand_concurrent_edits_give_409_to_every_stale_write_and_lose_no_update(
    app_server: Any, assessment: Assessment, unit_editor: Any
) -> None:
    # given a live server, one assessment's nine leaves, and 40 clients: 20 on the API, 20 on the autosave
    # (processes rather than threads: every write queues on the assessment's row lock, and a lock holder that
    # waits for its process's GIL makes everyone wait)
    server = app_server(workers=6, threads=2)
    lines = dict(ScoreLine.objects.filter(assessment=assessment).values_list("pk", "indicator__code"))
    assert len(lines) == 9
    assert set(ScoreLine.objects.filter(assessment=assessment).values_list("version", flat=True)) == {1}
    start_version = assessment.version
    token = api_token_issue(user=unit_editor, role="unit_editor", name="faults", actor=None).key
    clients: list[tuple[Any, str]] = []
    for i in range(CLIENTS):
        if i % 2 == 0:
            clients.append((server.client(Authorization=f"Token {token}"), "api"))
        else:
            clients.append((server.signed_in(unit_editor), "autosave"))
    tally = Tally()
    threads = [
        threading.Thread(target=_edit_loop, args=(client, kind, assessment.pk, lines, seed, tally), daemon=True)
        for seed, (client, kind) in enumerate(clients)
    ]
    # when they all edit at once, 10,000 writes in total, each based on the version its client last saw
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "the clients did not finish"

    # then every request was answered 200 or 409 (no 5xx), and every one of the 10,000 is accounted for
    assert tally.unexpected == [], tally.unexpected[:5]
    print(f"\n{EDITS} edits: {len(tally.accepted)} accepted, {tally.conflicts} refused with 409 "
          f"({dict(tally.conflicts_by_kind)})")
    assert len(tally.accepted) + tally.conflicts == EDITS
    assert tally.conflicts_by_kind["api"] > 0 and tally.conflicts_by_kind["autosave"] > 0
    by_line: dict[int, list[Accepted]] = defaultdict(list)
    for write in tally.accepted:
        by_line[write.line_id].append(write)
    assert set(by_line) == set(lines)
    for line_id, writes in by_line.items():
        writes.sort(key=lambda w: w.version)
        # each accepted write made the next version: none was accepted on top of a version it had not seen
        assert [w.version for w in writes] == list(range(2, len(writes) + 2)), line_id
        last = writes[-1]
        line = ScoreLine.objects.get(pk=line_id)
        # the stored line is the last accepted write, whole
        assert (line.version, line.self_note, line.self_score, line.self_value) == (
            last.version, last.note, last.score, last.value
        )
        assert AuditEntry.objects.filter(action="score_line.self", object_id=str(line_id)).count() == len(writes)
    assessment.refresh_from_db()
    assert assessment.version == start_version + len(tally.accepted)
    # and the audit chain, appended to by 12 server threads at once, is one unbroken chain
    report = audit.verify_chain()
    assert report.ok, report
    assert report.count == AuditEntry.objects.count()
