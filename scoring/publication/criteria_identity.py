"""A published criterion followed across the years, for the open-data files: its stable identifier (the id of the
oldest criterion of its chain of clones) and the code it had in the year published before. Read from the snapshots
only (`id`, `origins`: `services.snapshot_build`), never from the sets as they are now, so a file once published keeps
its bytes; a snapshot made before the identities were kept gives neither."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoring.models import Publication


def stable_id(indicator: dict[str, Any]) -> int | None:
    """The criterion's identifier across the years: the id of the oldest criterion it was copied from (the last of
    its `origins`), or its own id when it was copied from none; None in a snapshot without the identities."""
    if "id" not in indicator:
        return None
    origins = indicator.get("origins") or []
    return int(origins[-1]) if origins else int(indicator["id"])


def previous_publication(publication: Publication) -> Publication | None:
    """The publication of the year published before `publication`'s: the latest earlier year that had a
    publication when this one was made, in its latest revision of that moment. What was published later does not
    count, so that a publication's files never change (a revision's file is served as immutable). One query."""
    return (
        Publication.objects.filter(cycle__year__lt=publication.cycle.year, published_at__lte=publication.published_at)
        .exclude(pk=publication.pk)
        .defer("scores", "notes")
        .order_by("-cycle__year", "-revision")
        .first()
    )


def _identified(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Every criterion of the snapshot's sets, or none when a set's criteria lack their identities."""
    found: list[dict[str, Any]] = []
    for s in snapshot.get("sets", {}).values():
        indicators = s.get("indicators", [])
        if not all("id" in i for i in indicators):
            return []
        found.extend(indicators)
    return found


def earlier_codes(*, later: dict[str, Any], earlier: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The code each criterion of `later` (by its set's key and its code) had in `earlier`, by identity: the same
    criterion, or the nearest one of its chain of clones (`origins`, nearest first) that `earlier` published, or one
    of `earlier` copied from it; whatever their codes. A criterion with none of them (new, or copied before the
    link was kept) is not listed: its code is never guessed from another criterion that had it."""
    before = _identified(earlier)
    if not before:
        return {}
    code_of = {int(i["id"]): str(i["code"]) for i in before}
    copied: dict[int, list[str]] = {}  # a later criterion's id → the codes of `earlier`'s criteria copied from it
    for i in before:
        for origin in i.get("origins") or []:
            copied.setdefault(int(origin), []).append(str(i["code"]))
    found: dict[tuple[str, str], str] = {}
    for key, s in later.get("sets", {}).items():
        for i in s.get("indicators", []):
            if "id" not in i:
                continue
            chain = [int(i["id"]), *(int(o) for o in i.get("origins") or [])]
            code = next((code_of[o] for o in chain if o in code_of), None)
            if code is None and len(set(copied.get(int(i["id"]), []))) == 1:
                code = copied[int(i["id"])][0]
            if code is not None:
                found[(str(key), str(i["code"]))] = code
    return found


@dataclass
class CriteriaIdentity:
    """A publication's criteria followed across the years: `ids[(set key, code)]` their stable identifiers,
    `previous[(set key, code)]` the code each had in the year published before (`previous_publication`)."""

    ids: dict[tuple[str, str], int] = field(default_factory=dict)
    previous: dict[tuple[str, str], str] = field(default_factory=dict)

    def stable_id(self, set_key: str, code: str) -> int | None:
        return self.ids.get((set_key, code))

    def previous_code(self, set_key: str, code: str) -> str | None:
        return self.previous.get((set_key, code))


def criteria_identity(publication: Publication) -> CriteriaIdentity:
    """The stable identifier and the previous year's code of each criterion of `publication` (nothing for a
    snapshot made before the identities were kept). At most one query (the year published before)."""
    snapshot = publication.snapshot
    identity = CriteriaIdentity()
    for key, s in snapshot.get("sets", {}).items():
        for i in s.get("indicators", []):
            found = stable_id(i)
            if found is not None:
                identity.ids[(str(key), str(i["code"]))] = found
    if not identity.ids:
        return identity
    earlier = previous_publication(publication)
    if earlier is not None:
        identity.previous = earlier_codes(later=snapshot, earlier=earlier.snapshot)
    return identity
