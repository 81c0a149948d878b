"""The sets replaced in a cycle before a replaced set went back to draft by itself: still «Đang áp dụng» though no
cycle uses them. Found from the audit (the replacements `indicator_set.activate` records) and put back to draft as
a replacement does now (`indicator_set_back_to_draft_if_unused`), for the `sets_back_to_draft` command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy, gettext_noop

from scoring.administration.services.sets import SetReplaced, indicator_set_back_to_draft_if_unused
from scoring.models import Assessment, AuditEntry, IndicatorSet
from scoring.permissions import is_administrator

MSG_NOT_AN_ADMINISTRATOR = gettext_lazy(
    "Tài khoản «%(username)s» không phải quản trị viên đang hoạt động: không được đưa bộ chỉ số về dự thảo."
)
# the reason of each entry the command writes (stored in Vietnamese, read in the page's language)
REASON = gettext_noop(
    "Bộ chỉ số đã bị thay trong kỳ đánh giá từ trước khi bộ bị thay tự trở lại dự thảo, nay không kỳ nào dùng: "
    "đưa về dự thảo (lệnh sets_back_to_draft)."
)


@dataclass(frozen=True)
class ReplacedUnused:
    """An active set that a replacement recorded in the audit replaced and that no cycle uses now: its last
    replacement (by which set, in which cycle, for which kind, when), and whether an assessment is still opened on
    it (none should be: such a set is left as it is)."""

    indicator_set: IndicatorSet
    replacement: SetReplaced
    replaced_at: datetime
    with_assessments: bool = False


def _recorded(entry: AuditEntry) -> tuple[str, SetReplaced] | None:
    """The replaced set's key and the replacement, from an `indicator_set.activate` entry; None for one that
    replaced nothing (a set applied to a kind without one)."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    replaced = changes.get("replaced")
    if not isinstance(replaced, dict):
        return None
    old, new = replaced.get("old"), replaced.get("new")
    if not isinstance(old, str) or not old or old == new:
        return None
    cycle, kind = changes.get("cycle"), changes.get("unit_kind")
    year = cycle.get("new") if isinstance(cycle, dict) else None
    code = kind.get("new") if isinstance(kind, dict) else None
    return old, SetReplaced(by_key=str(new or ""), cycle_year=year if isinstance(year, int) else None,
                            unit_kind_code=str(code) if code else None)


def indicator_sets_replaced_unused() -> list[ReplacedUnused]:
    """The active sets that no cycle uses and that a replacement replaced: an `indicator_set.activate` entry names
    the set's key as the one it replaced, recorded after the set was made (a key used again by a set made since is
    not that set). Each with its last replacement. A set never replaced (made active otherwise, its cycle's kind
    taken away) is not listed. Reads only: three queries."""
    unused = {s.key: s for s in IndicatorSet.objects.filter(status=IndicatorSet.Status.ACTIVE,
                                                            cycle_sets__isnull=True).order_by("year", "key")}
    if not unused:
        return []
    last: dict[str, tuple[SetReplaced, datetime]] = {}
    entries = AuditEntry.objects.filter(action="indicator_set.activate", changes__replaced__old__in=list(unused))
    for entry in entries.order_by("at", "pk").only("at", "changes"):
        found = _recorded(entry)
        if found is None or found[0] not in unused or entry.at < unused[found[0]].created_at:
            continue
        last[found[0]] = (found[1], entry.at)
    opened = set(Assessment.objects.filter(indicator_set__key__in=list(last)).values_list(
        "indicator_set__key", flat=True).distinct())
    return [
        ReplacedUnused(indicator_set=indicator_set, replacement=last[key][0], replaced_at=last[key][1],
                       with_assessments=key in opened)
        for key, indicator_set in unused.items() if key in last
    ]


def indicator_sets_replaced_back_to_draft(*, actor: Any) -> list[ReplacedUnused]:
    """Put back to draft each set `indicator_sets_replaced_unused` lists (but one an assessment is still opened
    on), as a replacement does now: `indicator_set_back_to_draft_if_unused`, audited as
    `indicator_set.back_to_draft` by `actor` (an active administrator; anyone else is refused, `PermissionDenied`,
    nothing written) with the reason REASON. One transaction per set, its row locked and checked again: a set a
    cycle started using meanwhile is left active. Returns the sets put back to draft."""
    if not getattr(actor, "is_active", False) or not is_administrator(actor):
        raise PermissionDenied(MSG_NOT_AN_ADMINISTRATOR % {"username": getattr(actor, "username", "")})
    done = []
    for found in indicator_sets_replaced_unused():
        if found.with_assessments:
            continue
        with transaction.atomic():
            # locked: an application of this set to a cycle (which updates its row) waits, or is seen
            locked = IndicatorSet.objects.select_for_update().filter(pk=found.indicator_set.pk).first()
            if locked is not None and indicator_set_back_to_draft_if_unused(
                indicator_set=locked, replacement=found.replacement, actor=actor, reason=REASON
            ):
                done.append(found)
    return done
