"""Cycles: open with a set per unit kind, deadlines, phases, participants (removing one opened by mistake, moving
untouched ones to another set), one unit's extension."""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from appraisal.models import AppraisalAssignment, ExplanationRound, LineHistory
from appraisal.notifications import assessment_notify_deadline_removed, assessments_notify_handed_over
from cchc.collation import vietnamese
from evidence.models import EvidenceLink
from scoring.administration.services.common import locked_at_version, reason_text
from scoring.dates import local_day, local_moment
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    CycleSet,
    ExtensionRequest,
    IndexResult,
    Indicator,
    IndicatorSet,
    ScoreLine,
    UnitKind,
)
from scoring.permissions import deadline_passed, self_assessment_deadline_expression
from scoring.publication.selectors import latest_revision
from scoring.selectors.extension_requests import pending_extension_requests_by_assessment
from scoring.selectors.home import state_shown
from scoring.services import assessment_transition, audit_record, cycle_create, cycle_set_phase
from scoring.services.assessments import _lines_insert

DEADLINE_YEARS_AFTER = 10  # the latest a year's deadline may fall: the end of the tenth year after it
# A unit's own self-assessment deadline matters while it self-assesses, or may withdraw its submission to do so.
EXTENDABLE_STATES = (Assessment.State.DRAFT, Assessment.State.SUBMITTED)
DEADLINE_FIELDS = ("self_assessment_deadline", "appraisal_deadline", "explanation_deadline", "finalisation_deadline")


def cycle_next_year() -> int:
    """The year a new cycle is for unless told otherwise: the one after the last cycle's (this year when there is
    none yet). One query."""
    last = Cycle.objects.aggregate(year=Max("year"))["year"]
    return int(last) + 1 if last is not None else timezone.localdate().year


@dataclass(frozen=True)
class SetGroup:
    """Sets a cycle's form offers under one heading (`label`)."""

    label: str
    sets: list[IndicatorSet]


def cycle_set_offer(*, year: int, kinds: Iterable[UnitKind]) -> dict[int, list[SetGroup]]:
    """Per unit kind (by id), the sets the form of a new cycle of `year` offers it, in the order offered: the kind's
    own sets of that year, the other kinds' sets of that year (a kind may be scored on another's, as the vertical
    agencies on the departments'), then each other year's, newest first, only so that nothing is hidden
    (`cycle_open` refuses a set of another year). Within a group, the newest version first. One query."""
    sets = list(IndicatorSet.objects.select_related("unit_kind").order_by("-year", "-version", "key"))
    offer: dict[int, list[SetGroup]] = {}
    for kind in kinds:
        groups = [
            SetGroup(_("Năm %(y)s — bộ của «%(kind)s»") % {"y": year, "kind": kind.name},
                     [s for s in sets if s.year == year and s.unit_kind_id == kind.pk]),
            SetGroup(_("Năm %(y)s — bộ của loại đơn vị khác") % {"y": year},
                     [s for s in sets if s.year == year and s.unit_kind_id != kind.pk]),
        ]
        for other, of_year in itertools.groupby((s for s in sets if s.year != year), key=lambda s: s.year):
            mine = sorted(of_year, key=lambda s: s.unit_kind_id != kind.pk)  # stable: the kind's own first
            groups.append(SetGroup(_("Năm %(y)s (không dùng được cho kỳ năm %(year)s)") % {"y": other, "year": year},
                                   mine))
        offer[kind.pk] = [group for group in groups if group.sets]
    return offer


@dataclass(frozen=True)
class KindWithoutSet:
    """A unit kind with active units and no set in a cycle: none of its units can be opened in the cycle (there is
    no set to score them on), so the year would be published without their group. `sets`: that year's sets, the
    kind's own first, one of which may be applied to it (from its check page)."""

    kind: UnitKind
    units: int  # its active units
    sets: list[IndicatorSet]

    @property
    def message(self) -> str:
        return ngettext(
            "Loại đơn vị «%(kind)s» có %(n)s đơn vị đang hoạt động nhưng chưa có bộ chỉ số trong kỳ này: đơn vị đó "
            "không mở được bản đánh giá và kết quả công bố sẽ thiếu khối của loại này.",
            "Loại đơn vị «%(kind)s» có %(n)s đơn vị đang hoạt động nhưng chưa có bộ chỉ số trong kỳ này: các đơn "
            "vị đó không mở được bản đánh giá và kết quả công bố sẽ thiếu khối của loại này.",
            self.units,
        ) % {"kind": self.kind.name, "n": self.units}


def cycle_kinds_without_set(*, cycle: Cycle) -> list[KindWithoutSet]:
    """The unit kinds with active units that `cycle` has no set for (`KindWithoutSet`), in the kinds' order. Two
    queries."""
    kinds = list(
        UnitKind.objects.exclude(pk__in=cycle.cycle_sets.values("unit_kind_id"))
        .annotate(n=Count("units", filter=Q(units__active=True))).filter(n__gt=0).order_by("order", "name")
    )
    if not kinds:
        return []
    of_year = list(IndicatorSet.objects.filter(year=cycle.year).order_by("-version", "key"))
    return [
        KindWithoutSet(kind=kind, units=kind.n,  # type: ignore[attr-defined]
                       sets=[s for s in of_year if s.unit_kind_id == kind.pk]
                       + [s for s in of_year if s.unit_kind_id != kind.pk])
        for kind in kinds
    ]


@transaction.atomic
def cycle_open(
    *, year: int, name: str, sets: Mapping[UnitKind, IndicatorSet], deadlines: Mapping[str, datetime | None], actor: Any
) -> Cycle:
    """Create a cycle with a valid set per unit kind (each set is frozen from then on). A kind may be scored
    on a set made for another kind (the vertical agencies on the departments' set, as the demo's 2020 cycle)."""
    from scoring.administration.selectors import indicator_set_report

    for indicator_set in sets.values():
        if indicator_set.year != year:
            raise ValidationFailed(
                _("Bộ «%(key)s» không phải bộ chỉ số năm %(year)s.") % {"key": indicator_set.key, "year": year},
                code="set_of_another_year",
            )
        if not indicator_set_report(indicator_set=indicator_set).ok:
            raise ValidationFailed(_("Bộ «%(key)s» chưa hợp lệ; xem báo cáo kiểm tra.") % {"key": indicator_set.key},
                                   code="set_not_valid")
    _check_deadlines(deadlines, year=year)
    return cycle_create(
        year=year,
        name=name,
        sets=dict(sets),
        actor=actor,
        **{k: v for k, v in deadlines.items() if k in DEADLINE_FIELDS},
    )


def _check_deadlines(deadlines: Mapping[str, datetime | None], *, year: int) -> None:
    named: list[tuple[str, datetime]] = [
        (name, moment) for name in DEADLINE_FIELDS if (moment := deadlines.get(name)) is not None
    ]
    known = [d for _name, d in named]
    # A year's cycle assesses that year's work: no phase of it can end before the year begins.
    first_day = datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    if any(d < first_day for d in known):
        raise ValidationFailed(
            _("Các hạn của kỳ năm %(year)s không được trước ngày 01/01/%(year)s.") % {"year": year},
            code="deadline_before_year", details={"field": next(n for n, d in named if d < first_day)},
        )
    # …nor a decade after it: a date past that is a typing slip (9999), not a late phase.
    last_day = datetime(year + DEADLINE_YEARS_AFTER, 12, 31, 23, 59, 59, tzinfo=timezone.get_current_timezone())
    if any(d > last_day for d in known):
        raise ValidationFailed(
            _("Các hạn của kỳ năm %(year)s không được sau ngày 31/12/%(last)s.")
            % {"year": year, "last": year + DEADLINE_YEARS_AFTER},
            code="deadline_too_late", details={"field": next(n for n, d in named if d > last_day)},
        )
    # the first deadline before the one set for an earlier phase is named, with that one (the field it is about)
    for (earlier, a), (later, b) in itertools.pairwise(named):
        if b < a:
            raise ValidationFailed(
                _("«%(later)s» (%(later_date)s) không được trước «%(earlier)s» (%(earlier_date)s): các hạn phải theo "
                  "đúng thứ tự các giai đoạn.") % {
                    "later": capfirst(_deadline_label(later)), "later_date": local_day(b),
                    "earlier": capfirst(_deadline_label(earlier)), "earlier_date": local_day(a),
                },
                code="deadline_order", details={"field": later, "after": earlier},
            )


# The deadline that ends each phase: the one under way keeps it (it may be moved, not removed).
PHASE_DEADLINE: dict[str, str] = {
    Cycle.Phase.SELF_ASSESSMENT: "self_assessment_deadline",
    Cycle.Phase.APPRAISAL: "appraisal_deadline",
    Cycle.Phase.EXPLANATION: "explanation_deadline",
    Cycle.Phase.FINALISATION: "finalisation_deadline",
}
# The deadlines after the self-assessment, in order: a unit's own self-assessment deadline ends by the first set.
LATER_DEADLINES = DEADLINE_FIELDS[1:]


def _deadline_label(name: str) -> str:
    return str(getattr(Cycle._meta.get_field(name), "verbose_name", name))


def _next_phase_deadline(deadlines: Mapping[str, datetime | None]) -> tuple[str, datetime] | None:
    """The first deadline set after the self-assessment's (the appraisal's, else the next one set), by name."""
    for name in LATER_DEADLINES:
        moment = deadlines.get(name)
        if moment is not None:
            return name, moment
    return None


# A self-assessment deadline brought to less than this from now leaves a unit still drafting no time to finish: it
# is past at once (or by tomorrow), and past it the unit may be handed to the appraisal team as it stands.
SHORT_NOTICE = timedelta(hours=24)
NAMED_CUT = 10  # the units a deadline confirmation names; the rest are counted
CUT_CONFIRMED_ANY = sys.maxsize  # `confirmed` of a caller that accepts whatever is cut (the API's `confirm=true`)
CUT_UNCONFIRMED = "deadline_cut_unconfirmed"  # the refusal's code
# how the page's refusal ends, and what an API caller (who confirms with a field) is told instead
MSG_CUT_TICK = gettext_lazy("Nếu vẫn muốn, hãy đánh dấu ô xác nhận rồi lưu lại.")
MSG_CUT_API = gettext_lazy("Nếu vẫn muốn, hãy gửi lại yêu cầu với `confirm`: true.")


def _effective(own: datetime | None, common: datetime | None) -> datetime | None:
    """The self-assessment deadline that applies to a unit (`permissions.self_assessment_deadline`)."""
    if own is None or common is None:
        return own if common is None else common
    return max(own, common)


def _cuts(before: datetime | None, after: datetime | None, now: datetime) -> bool:
    """Whether a unit's deadline moved from `before` to `after` (None: none) loses it the time it had: still to
    come before, and now brought earlier, to a moment past or less than `SHORT_NOTICE` away."""
    return (after is not None and after < now + SHORT_NOTICE and (before is None or (before > now and after < before)))


@dataclass(frozen=True)
class DeadlineCut:
    """The units still drafting whose self-assessment deadline a change brings to a moment already past, or less
    than `SHORT_NOTICE` away (`_cuts`): what the change must be confirmed for, naming them."""

    deadline: datetime  # the deadline the change gives them (the earliest, when their own ones differ)
    count: int
    names: tuple[str, ...]  # the first `NAMED_CUT` of them, in the units' order

    @property
    def names_text(self) -> str:
        more = self.count - len(self.names)
        return ", ".join(f"«{name}»" for name in self.names) + (
            _(" và %(m)s đơn vị khác") % {"m": more} if more > 0 else "")

    @property
    def when_text(self) -> str:
        """«đã qua» or «chỉ còn chưa đến 24 giờ», for the deadline given."""
        if self.deadline <= timezone.now():
            return _("đã qua")
        return _("chỉ còn chưa đến %(h)s giờ") % {"h": int(SHORT_NOTICE.total_seconds() // 3600)}

    def confirmed_text(self, label: str) -> str:
        """What the audit entry of a confirmed change records."""
        return ngettext(
            "Đã xác nhận: %(label)s (%(d)s) %(when)s khi %(n)s đơn vị còn đang tự đánh giá: %(names)s.",
            "Đã xác nhận: %(label)s (%(d)s) %(when)s khi %(n)s đơn vị còn đang tự đánh giá: %(names)s.",
            self.count,
        ) % {"label": label, "d": local_moment(self.deadline), "when": self.when_text, "n": self.count,
             "names": self.names_text}

    def details(self, field_name: str) -> dict[str, Any]:
        # in local time, as the API documents its date-times (the moment is the same)
        return {"field": field_name, "deadline": timezone.localtime(self.deadline).isoformat(), "count": self.count,
                "units": list(self.names)}


def cycle_deadline_cut(*, cycle: Cycle, deadline: datetime | None) -> DeadlineCut | None:
    """What making `deadline` the cycle's self-assessment deadline would cut (`DeadlineCut`), None when nothing:
    the drafts whose applicable deadline (their own later one, else the cycle's) it brings to a moment past or
    less than `SHORT_NOTICE` away. One query, only when the deadline changes (the drafts with no own deadline
    that far ahead)."""
    old = cycle.self_assessment_deadline
    if deadline == old:
        return None
    now = timezone.now()
    drafts = (cycle.assessments.filter(state=Assessment.State.DRAFT)
              .filter(Q(deadline_override__isnull=True) | Q(deadline_override__lt=now + SHORT_NOTICE))
              .order_by(vietnamese("unit__name"), "pk").values_list("unit__name", "deadline_override"))
    cut = [(name, after) for name, own in drafts
           if _cuts(_effective(own, old), after := _effective(own, deadline), now)]
    if not cut:
        return None
    return DeadlineCut(deadline=min(after for _name, after in cut if after is not None), count=len(cut),
                       names=tuple(name for name, _after in cut[:NAMED_CUT]))


def _refuse_cut(cut: DeadlineCut, confirmed: int | None, *, label: str, field_name: str, api: bool = False) -> None:
    """Refuse (409 `deadline_cut_unconfirmed`) a change cutting `cut` unless confirmed for as many units; `api`: the
    caller confirms with a field (`confirm`), not a box on a page, and is told so."""
    if confirmed is not None and confirmed >= cut.count:
        return
    if confirmed:  # confirmed, but more are cut than the page showed
        message = _("Từ lúc trang được mở, số đơn vị bị ảnh hưởng tăng lên: %(n)s (đã xác nhận: %(seen)s). Hãy "
                    "xem lại rồi xác nhận lại.") % {"n": cut.count, "seen": confirmed}
    else:
        message = ""
    message = " ".join(part for part in (message, ngettext(
        "%(label)s (%(d)s) %(when)s trong khi %(n)s đơn vị còn đang tự đánh giá: %(names)s. Đơn vị đó gần như "
        "không còn thời gian hoàn thành, và quá hạn thì có thể bị chuyển cho Tổ thẩm định khi chưa gửi.",
        "%(label)s (%(d)s) %(when)s trong khi %(n)s đơn vị còn đang tự đánh giá: %(names)s. Các đơn vị đó gần "
        "như không còn thời gian hoàn thành, và quá hạn thì có thể bị chuyển cho Tổ thẩm định khi chưa gửi.",
        cut.count,
    ) % {"label": label[:1].upper() + label[1:], "d": local_moment(cut.deadline), "when": cut.when_text,
         "n": cut.count, "names": cut.names_text}, str(MSG_CUT_API if api else MSG_CUT_TICK)) if part)
    raise StateConflict(message, code=CUT_UNCONFIRMED, details=cut.details(field_name))


MSG_DEADLINES_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang phiên bản các hạn của kỳ nên chưa lưu gì; hãy tải lại trang rồi sửa lại."
)
MSG_DEADLINES_CHANGED = gettext_lazy(
    "Các hạn của kỳ đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được mở "
    "nên chưa lưu gì. Giá trị đang lưu ghi ở dưới; hãy xem lại rồi bấm «Lưu các hạn» nếu vẫn muốn sửa."
)


def cycle_deadlines_version(cycle: Cycle) -> str:
    """The version of the cycle's deadlines for optimistic concurrency, without a version column: a digest of the
    four deadlines (as moments, whatever their time zone). Any change by a colleague, on the page or through the
    API, changes it. The API's `ETag` of a cycle is this digest in quotes."""
    values = [
        getattr(cycle, name).astimezone(UTC).isoformat() if getattr(cycle, name) else None
        for name in DEADLINE_FIELDS
    ]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:32]


@transaction.atomic
def cycle_update_deadlines(
    *, cycle: Cycle, deadlines: Mapping[str, datetime | None], actor: Any, confirmed: int | None = None,
    api: bool = False, expected_version: str | None = None,
) -> Cycle:
    """Change the cycle's deadlines (in the phases' order, within the cycle's years). Refused: removing the
    deadline of the phase under way (`current_deadline_required`: moved, it still ends the phase; removed, the
    phase would silently have no end), and a deadline after the self-assessment set before a unit's own
    self-assessment deadline (`deadline_before_own_deadline`: as an extension is refused past it). Audited as
    `cycle.deadlines`.

    A self-assessment deadline brought to a moment past or less than `SHORT_NOTICE` away while units are still
    drafting (`cycle_deadline_cut`) is refused (409 `deadline_cut_unconfirmed`, naming them) unless `confirmed`
    for at least as many units as it cuts now (`CUT_CONFIRMED_ANY`: whatever it cuts); the audit entry then
    records the confirmation, naming the units (`deadline_cut_confirmed`). (The later deadlines cut nobody's
    time: the appraisal's bounds nothing a unit does, and an open explanation round keeps its own deadline.)
    `api`: the refusal tells how the API confirms (`confirm`) rather than the page's box.

    `expected_version` (the cycle's page): the `cycle_deadlines_version` the change was based on; refused (`stale`,
    nothing written) when the deadlines changed since, or when it is empty. None: no condition (the API checks its
    `If-Match` itself)."""
    if expected_version is not None:
        cycle = locked_at_version(
            Cycle.objects.all(), cycle.pk, expected=expected_version, version_of=cycle_deadlines_version,
            missing=MSG_DEADLINES_VERSION_MISSING, changed=MSG_DEADLINES_CHANGED,
        )
    _check_deadlines(deadlines, year=cycle.year)
    current = PHASE_DEADLINE.get(cycle.phase)
    if current is not None and getattr(cycle, current) is not None and deadlines.get(current) is None:
        raise ValidationFailed(
            _("Kỳ đang ở giai đoạn «%(p)s»: không bỏ được %(label)s (giai đoạn sẽ không còn hạn kết thúc). Nếu cần, "
              "hãy đổi sang ngày khác; các hạn của giai đoạn sau vẫn bỏ được.")
            % {"p": cycle.get_phase_display(), "label": _deadline_label(current)},
            code="current_deadline_required", details={"field": current},
        )
    bound = _next_phase_deadline(deadlines)
    if bound is not None:
        name, moment = bound
        later = cycle.assessments.filter(state__in=EXTENDABLE_STATES, deadline_override__gt=moment)
        found = later.aggregate(n=Count("pk"), latest=Max("deadline_override"))
        if found["n"]:
            raise ValidationFailed(
                _("%(label)s (%(d)s) sớm hơn hạn riêng của %(n)s đơn vị (muộn nhất %(own)s): hạn riêng của đơn vị "
                  "phải kết thúc trước giai đoạn sau. Hãy rút ngắn hoặc bỏ các hạn riêng đó trước.")
                % {"label": _deadline_label(name).capitalize(), "d": local_moment(moment), "n": found["n"],
                   "own": local_moment(found["latest"])},
                code="deadline_before_own_deadline", details={"field": name},
            )
    # the cycle locked: two saves at once do not both pass a check made before either
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    cut = cycle_deadline_cut(cycle=cycle, deadline=deadlines.get("self_assessment_deadline"))
    label = _("hạn tự đánh giá mới của kỳ")
    if cut is not None:
        _refuse_cut(cut, confirmed, label=label, field_name="self_assessment_deadline", api=api)
    changes: dict[str, Any] = {}
    for name in DEADLINE_FIELDS:
        new = deadlines.get(name)
        old = getattr(cycle, name)
        if old != new:
            changes[name] = {"old": old.isoformat() if old else None, "new": new.isoformat() if new else None}
            setattr(cycle, name, new)
    if changes:
        cycle.save(update_fields=list(changes))
        if cut is not None:  # confirmed: what was confirmed, recorded with the change
            changes["deadline_cut_confirmed"] = {"old": None, "new": cut.confirmed_text(label)}
        audit_record(actor=actor, action="cycle.deadlines", object_type="Cycle", object_id=cycle.pk, changes=changes)
    return cycle


@dataclass(frozen=True)
class DraftStanding:
    """A unit that has not submitted, and what may be done about it (`assessment_close_unsubmitted`'s rule): handed
    over to the appraisal team as it stands only once the deadline that applies to it (`deadline`: its own later one,
    `own`, else the cycle's; None: none set) has passed, and no extension request of it waits (`request_id`)."""

    assessment_id: int
    unit_name: str
    deadline: datetime | None
    own: bool
    request_id: int | None = None

    @property
    def passed(self) -> bool:
        return self.deadline is not None and timezone.now() > self.deadline

    @property
    def can_hand_over(self) -> bool:
        return self.passed and self.request_id is None

    @property
    def deadline_text(self) -> str:
        return local_moment(self.deadline) if self.deadline is not None else _("chưa có hạn")


def _drafts(cycle: Cycle, *, ahead_only: bool) -> QuerySet[Assessment]:
    """The cycle's drafts, each with the deadline that applies to it (`applies`); `ahead_only`: only those whose
    deadline is still to come or not set."""
    drafts = (cycle.assessments.filter(state=Assessment.State.DRAFT)
              .annotate(applies=self_assessment_deadline_expression()))
    return drafts.filter(Q(applies__isnull=True) | Q(applies__gt=timezone.now())) if ahead_only else drafts


def cycle_drafts_standing(*, cycle: Cycle, ahead_only: bool = False, limit: int | None = None) -> list[DraftStanding]:
    """The cycle's drafts (`DraftStanding`), in the units' name order; `ahead_only`: only those whose deadline is
    still to come or not set (they cannot be handed over yet); `limit`: the first so many. Two queries."""
    rows = (_drafts(cycle, ahead_only=ahead_only).order_by(vietnamese("unit__name"), "pk")
            .values_list("pk", "unit__name", "applies", "deadline_override"))  # type: ignore[misc]  # annotated
    if limit is not None:
        rows = rows[:limit]
    waiting = pending_extension_requests_by_assessment(cycle=cycle)
    common = cycle.self_assessment_deadline
    return [
        DraftStanding(assessment_id=pk, unit_name=name, deadline=applies,
                      own=own is not None and (common is None or own > common), request_id=waiting.get(pk))
        for pk, name, applies, own in rows
    ]


MSG_PHASE_ALREADY = gettext_lazy("Kỳ đánh giá đã ở giai đoạn «%(p)s»; không cần chuyển nữa.")
# What opening a phase leaves behind: the assessments still in a state the phases before it are for (a unit that
# has not submitted when the appraisal opens; one not yet taken into appraisal when the explanations open; one
# still explaining when the results are finalised). In the states' order.
LEFT_BEHIND: dict[str, tuple[str, ...]] = {
    Cycle.Phase.APPRAISAL: (Assessment.State.DRAFT,),
    Cycle.Phase.EXPLANATION: (Assessment.State.DRAFT, Assessment.State.SUBMITTED),
    Cycle.Phase.FINALISATION: (Assessment.State.DRAFT, Assessment.State.SUBMITTED, Assessment.State.EXPLANATION),
}


@dataclass(frozen=True)
class PhaseMoveLeaves:
    """What opening `phase` leaves open: the assessments by state (only states with some), and, when it closes the
    self-assessment, the self-assessment deadlines still to come (the cycle's; units' own later ones)."""

    phase: str
    left: dict[str, int] = field(default_factory=dict)
    cycle_deadline: datetime | None = None  # the cycle's self-assessment deadline, when still to come
    own_deadlines: int = 0  # units still self-assessing whose own later deadline is still to come
    own_latest: datetime | None = None  # the latest of those
    # drafts left whose deadline is still to come or not set: they cannot be handed over to the appraisal team yet,
    # and keep the cycle from being published until they submit or are (the first `NAMED_CUT`, and how many)
    drafts_ahead: tuple[DraftStanding, ...] = ()
    drafts_ahead_count: int = 0

    @property
    def total(self) -> int:
        return sum(self.left.values())

    @property
    def latest_deadline(self) -> datetime | None:
        """The last self-assessment deadline still to come: what closing the self-assessment early confirms."""
        known = [d for d in (self.cycle_deadline, self.own_latest) if d is not None]
        return max(known) if known else None

    @property
    def anything(self) -> bool:
        return bool(self.left) or self.latest_deadline is not None

    @property
    def deadlines_text(self) -> str:
        """The self-assessment deadlines still to come, named (empty when none)."""
        parts = []
        if self.cycle_deadline is not None:
            parts.append(_("Hạn tự đánh giá của kỳ (%(d)s) chưa đến.") % {"d": local_moment(self.cycle_deadline)})
        if self.own_latest is not None:
            parts.append(ngettext("%(n)s đơn vị có hạn riêng chưa đến (muộn nhất %(d)s).",
                                  "%(n)s đơn vị có hạn riêng chưa đến (muộn nhất %(d)s).", self.own_deadlines)
                         % {"n": self.own_deadlines, "d": local_moment(self.own_latest)})
        return " ".join(parts)


@dataclass(frozen=True)
class PhaseMoveConfirmation:
    """What the administrator was shown and confirmed moving on with: the counts by state, and the latest
    self-assessment deadline still to come (None: no early close confirmed); a step back: whether it was
    confirmed (`back`), and why (`reason`, recorded with the move). `api`: confirmed by the API's fields (`left`,
    `deadline`, `back_confirmed`) rather than the page's boxes: a refusal names those fields."""

    left: Mapping[str, int] = field(default_factory=dict)
    deadline: datetime | None = None
    back: bool = False
    reason: str = ""
    api: bool = False


# A phase that may be passed over: «Giải trình» is a window for the explanation rounds, which the team opens per
# assessment in any phase (and which the units answer whatever the cycle's phase). With no round open, nothing is
# left to it, and the results go from «Thẩm định» straight to «Hoàn thiện kết quả» (domain: a unit *may* explain).
SKIPPABLE: dict[str, tuple[str, str]] = {
    # from: (the phase passed over, the phase opened)
    Cycle.Phase.APPRAISAL: (Cycle.Phase.EXPLANATION, Cycle.Phase.FINALISATION),
}
MSG_SKIP_EXPLAINING = gettext_lazy(
    "Không bỏ qua được giai đoạn «Giải trình»: %(n)s bản đánh giá đang trong vòng giải trình. Hãy mở giai đoạn "
    "«Giải trình» (hoặc chờ các vòng đó kết thúc, được thông qua) rồi mới sang «Hoàn thiện kết quả»."
)
MSG_SKIP_REASON = gettext_lazy("Bỏ qua giai đoạn «Giải trình»: không có vòng giải trình nào đang mở.")


def phase_skip_target(cycle: Cycle) -> str | None:
    """The phase the cycle may move to by passing over the next one (`SKIPPABLE`), None when none."""
    skip = SKIPPABLE.get(cycle.phase)
    return skip[1] if skip is not None else None


def phase_skip_blocker(cycle: Cycle) -> str | None:
    """Why the cycle may not pass over its next phase now (None when it may): an explanation round is open. One
    query."""
    explaining = cycle.assessments.filter(state=Assessment.State.EXPLANATION).count()
    if explaining:
        return str(MSG_SKIP_EXPLAINING % {"n": explaining})
    return None


def _forward(cycle: Cycle, phase: str) -> bool:
    """Whether opening `phase` moves the cycle on: the next phase, or the one after a phase that may be passed over."""
    phases = list(Cycle.Phase.values)
    return phase in phases and (phases.index(phase) == phases.index(cycle.phase) + 1
                                or phase == phase_skip_target(cycle))


def cycle_phase_move_leaves(*, cycle: Cycle, phase: str) -> PhaseMoveLeaves:
    """What opening `phase` (the next one, or the one after a phase passed over: `SKIPPABLE`) leaves open in the
    cycle; nothing for a step back. Two small queries."""
    if not _forward(cycle, phase):
        return PhaseMoveLeaves(phase=phase)
    states = LEFT_BEHIND.get(phase, ())
    counts = dict(
        cycle.assessments.filter(state__in=states).order_by().values_list("state").annotate(n=Count("pk"))
    ) if states else {}
    left = {state: counts[state] for state in states if counts.get(state)}
    ahead: dict[str, Any] = {}
    if left.get(Assessment.State.DRAFT):
        named = cycle_drafts_standing(cycle=cycle, ahead_only=True, limit=NAMED_CUT)
        count = len(named) if len(named) < NAMED_CUT else _drafts(cycle, ahead_only=True).count()
        ahead = {"drafts_ahead": tuple(named), "drafts_ahead_count": count}
    if cycle.phase != Cycle.Phase.SELF_ASSESSMENT:
        return PhaseMoveLeaves(phase=phase, left=left, **ahead)
    now = timezone.now()
    common = cycle.self_assessment_deadline
    own = cycle.assessments.filter(state__in=EXTENDABLE_STATES, deadline_override__gt=now)
    if common is not None:
        own = own.filter(deadline_override__gt=common)  # a unit's own deadline applies only when later
    found = own.aggregate(n=Count("pk"), latest=Max("deadline_override"))
    return PhaseMoveLeaves(
        phase=phase, left=left, cycle_deadline=common if common is not None and common > now else None,
        own_deadlines=found["n"], own_latest=found["latest"], **ahead,
    )


def _left_text(left: Mapping[str, int], phase: str) -> str:
    """The counts by state as the cycle's page shows them in `phase` (past the self-assessment, drafts «Chưa gửi»)."""
    return ", ".join(f"«{state_shown(state=state, phase=phase, overdue=None)}»: {n}" for state, n in left.items())


# A refused move as the API tells it: the caller confirms by sending back fields of the refusal, not a box.
MSG_LEFT_GREW_API = gettext_lazy(
    "Từ lần xác nhận trước, số bản đánh giá còn dở tăng lên: %(now)s (đã xác nhận: %(seen)s). Hãy xem lại, rồi gửi "
    "lại yêu cầu với `left` của câu trả lời này để chuyển sang giai đoạn «%(p)s».")
MSG_LEFT_API = gettext_lazy(
    "Mở giai đoạn «%(p)s» khi còn các bản đánh giá chưa xong giai đoạn trước (%(now)s): để vẫn chuyển giai đoạn, "
    "hãy gửi lại yêu cầu với `left` của câu trả lời này.")
MSG_DEADLINE_API = gettext_lazy(
    "%(deadlines)s Để vẫn đóng giai đoạn «Tự đánh giá» trước hạn %(d)s, hãy gửi lại yêu cầu với `deadline` của câu "
    "trả lời này (cùng `left` nếu có).")
MSG_BACK_API = gettext_lazy(
    "Quay lại giai đoạn «%(p)s» cần xác nhận: hãy gửi `back_confirmed`: true cùng `reason` (lý do quay lại).")


def _refuse_unconfirmed(
    leaves: PhaseMoveLeaves, confirmed: PhaseMoveConfirmation, label: str, phase: str
) -> None:
    """Refuse a move that leaves more than confirmed behind, or closes the self-assessment before a deadline later
    than the one confirmed; `phase`: the cycle's phase now (what the counts are named after)."""
    grew = {state: n for state, n in leaves.left.items() if n > max(confirmed.left.get(state, 0), 0)}
    if grew:
        seen = {state: confirmed.left.get(state, 0) for state in grew}
        if any(seen.values()) and confirmed.api:
            message = MSG_LEFT_GREW_API % {"now": _left_text(grew, phase), "seen": _left_text(seen, phase), "p": label}
        elif any(seen.values()):  # confirmed, but more were left since the page was shown
            message = _("Từ lúc trang được mở, số bản đánh giá còn dở tăng lên: %(now)s (đã xác nhận: %(seen)s). "
                        "Hãy xem lại rồi xác nhận lại để chuyển sang giai đoạn «%(p)s».") % {
                "now": _left_text(grew, phase), "seen": _left_text(seen, phase), "p": label}
        elif confirmed.api:
            message = MSG_LEFT_API % {"p": label, "now": _left_text(leaves.left, phase)}
        else:
            message = _("Mở giai đoạn «%(p)s» khi còn các bản đánh giá chưa xong giai đoạn trước (%(now)s): hãy "
                        "xem danh sách và đánh dấu ô xác nhận để vẫn chuyển giai đoạn.") % {
                "p": label, "now": _left_text(leaves.left, phase)}
        raise StateConflict(message, code="phase_left_unconfirmed",
                            details={"field": "phase", "left": dict(leaves.left), "confirmed": dict(confirmed.left)})
    latest = leaves.latest_deadline
    if latest is not None and (confirmed.deadline is None or confirmed.deadline < latest):
        said = {"deadlines": leaves.deadlines_text, "d": local_moment(latest)}
        raise StateConflict(
            MSG_DEADLINE_API % said if confirmed.api else
            _("%(deadlines)s Hãy đánh dấu ô xác nhận để vẫn đóng giai đoạn «Tự đánh giá» trước hạn %(d)s.") % said,
            code="self_assessment_deadline_not_passed",
            # in local time, as the API documents its date-times (the moment is the same)
            details={"field": "phase", "deadline": timezone.localtime(latest).isoformat()},
        )


MSG_RESULTS_PUBLISHED = gettext_lazy(
    "Kết quả kỳ đánh giá năm %(y)s đã được công bố (lần %(rev)s, văn bản %(doc)s) nên kỳ không quay lại giai đoạn "
    "trước «Hoàn thiện kết quả» được. Để sửa kết quả của một đơn vị, hãy mở lại bản đánh giá của đơn vị đó, thẩm "
    "định và thông qua lại, rồi công bố đính chính ở trang «Kết quả công bố»."
)


@transaction.atomic
def cycle_move_phase(
    *, cycle: Cycle, phase: str, actor: Any, confirmed: PhaseMoveConfirmation | None = None
) -> Cycle:
    """Open the next phase (or go back one); closing a phase is opening the next. Audited as `cycle.phase`.

    «Giải trình» may be passed over (`SKIPPABLE`: from «Thẩm định» straight to «Hoàn thiện kết quả», with the checks
    and confirmations of opening «Hoàn thiện kết quả», the entry's reason saying the phase was passed over) while no
    explanation round is open (409 `explanation_rounds_open` otherwise, nothing changed).

    «Đã công bố» is first opened by publishing (refused here, `publish_to_publish`); a cycle with a publication
    taken back to «Hoàn thiện kết quả» moves forward to it again, its latest publication staying the public one.
    A cycle with a publication never goes back before «Hoàn thiện kết quả» (409 `cycle_results_published`).

    `confirmed` (the cycle page's confirmation): what the administrator was shown opening the next phase would
    leave open (`cycle_phase_move_leaves`) and confirmed moving on with; refused (409 `phase_left_unconfirmed`)
    while more assessments are left in a state than confirmed, or (`self_assessment_deadline_not_passed`) while
    closing the self-assessment before a deadline later than the one confirmed; a step back, unless confirmed
    (409 `phase_back_unconfirmed`) with a reason (400 `reason_required`), recorded in its audit entry. None: no
    condition (the API)."""
    phases = list(Cycle.Phase.values)
    if phase == cycle.phase:  # the button pressed twice, or a request sent again
        raise ValidationFailed(
            MSG_PHASE_ALREADY % {"p": cycle.get_phase_display()}, code="phase_not_adjacent", details={"field": "phase"}
        )
    skipping = phase == phase_skip_target(cycle)
    if not skipping and (phase not in phases or abs(phases.index(phase) - phases.index(cycle.phase)) != 1):
        raise ValidationFailed(
            _("Chỉ chuyển sang giai đoạn kế tiếp hoặc quay lại giai đoạn trước."),
            code="phase_not_adjacent",
            details={"field": "phase"},
        )
    # the cycle locked: two moves at once (or a move and a first publication) do not both pass a check made before
    # either
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    published = latest_revision(cycle_id=cycle.pk)
    back = phases.index(phase) < phases.index(cycle.phase)
    if published is not None and back and phases.index(phase) < phases.index(Cycle.Phase.FINALISATION):
        # its results are public: taken back to scoring, its units would be scored again under a public ranking
        # (a result is corrected by reopening that unit's assessment and publishing a correction)
        raise StateConflict(
            MSG_RESULTS_PUBLISHED % {"y": cycle.year, "rev": published.revision, "doc": published.document_number},
            code="cycle_results_published",
            details={"field": "phase"},
        )
    if phase == Cycle.Phase.PUBLISHED and published is None:
        # the results are first published by publishing them (a document, a snapshot); a cycle taken back to
        # «Hoàn thiện kết quả» since returns to «Đã công bố» with its latest publication still the public one
        raise ValidationFailed(
            _("Giai đoạn «Đã công bố» chỉ mở khi công bố kết quả (trang «Kết quả công bố», có văn bản phê duyệt)."),
            code="publish_to_publish",
            details={"field": "phase"},
        )
    if confirmed is not None and back:
        # a step back reopens a closed phase (units editing again, the team's work reopened): never one click
        reason = reason_text(confirmed.reason)
        if not confirmed.back:
            raise StateConflict(
                (MSG_BACK_API if confirmed.api else
                 _("Quay lại giai đoạn «%(p)s» cần xác nhận: hãy đánh dấu ô xác nhận và ghi lý do."))
                % {"p": Cycle.Phase(phase).label}, code="phase_back_unconfirmed", details={"field": "phase"},
            )
        if not reason:
            raise ValidationFailed(_("Hãy ghi lý do quay lại giai đoạn trước."), code="reason_required",
                                   details={"field": "reason"})
        return _phase_back(cycle=cycle, phase=phase, actor=actor, reason=reason)
    if skipping and (blocker := phase_skip_blocker(cycle)) is not None:
        raise StateConflict(blocker, code="explanation_rounds_open", details={"field": "phase"})
    if confirmed is not None:
        _refuse_unconfirmed(cycle_phase_move_leaves(cycle=cycle, phase=phase), confirmed, str(Cycle.Phase(phase).label),
                            cycle.phase)
    if skipping:  # audited as any move, the phase passed over said in the entry's reason
        return _phase_set_with_reason(cycle=cycle, phase=phase, actor=actor, reason=str(MSG_SKIP_REASON))
    return cycle_set_phase(cycle=cycle, phase=phase, actor=actor)


def _phase_back(*, cycle: Cycle, phase: str, actor: Any, reason: str) -> Cycle:
    """The step back confirmed on the cycle's page: as `cycle_set_phase`, its audit entry carrying the reason."""
    return _phase_set_with_reason(cycle=cycle, phase=phase, actor=actor, reason=reason)


def _phase_set_with_reason(*, cycle: Cycle, phase: str, actor: Any, reason: str) -> Cycle:
    """As `cycle_set_phase`, its audit entry carrying `reason`."""
    old = cycle.phase
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase)
    cycle.phase = phase
    audit_record(actor=actor, action="cycle.phase", object_type="Cycle", object_id=cycle.pk,
                 changes={"phase": {"old": old, "new": phase}}, reason=reason)
    return cycle


@dataclass(frozen=True)
class ExtensionLimit:
    """The latest day a unit's own self-assessment deadline may end on: the last day whose end (23:59:59) is not after
    the cycle's next deadline (`bound`, named `label`: the appraisal's, else the next one set)."""

    last_day: date
    label: str
    bound: datetime


def extension_limit(cycle: Cycle) -> ExtensionLimit | None:
    """The latest day a request may name and a grant may give (None: no later deadline of the cycle is set, only the
    years bound it); the rule of `assessment_extend_deadline`, of the units' requests and of their grants."""
    bound = _next_phase_deadline({name: getattr(cycle, name) for name in LATER_DEADLINES})
    if bound is None:
        return None
    limit = timezone.localtime(bound[1])
    last = limit.date() if limit.time() >= time(23, 59, 59) else limit.date() - timedelta(days=1)
    return ExtensionLimit(last_day=last, label=_deadline_label(bound[0]), bound=bound[1])


MSG_OWN_DEADLINE_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu gia hạn không mang phiên bản hạn riêng của đơn vị nên chưa lưu gì; hãy tải lại trang rồi gia hạn lại."
)
MSG_OWN_DEADLINE_CHANGED = gettext_lazy(
    "Hạn riêng của đơn vị đã được đổi ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được "
    "mở nên chưa lưu gì. Hạn riêng đang lưu ghi ở cột «Hạn riêng»; hãy xem lại rồi bấm lại nếu vẫn muốn đổi."
)


def own_deadline_version(assessment: Assessment) -> str:
    """The version of a unit's own deadline for optimistic concurrency on the cycle page's extension form: a digest
    of that deadline (as a moment), not the assessment's `version`, which every score saved bumps."""
    own = assessment.deadline_override
    return hashlib.sha256(json.dumps(own.astimezone(UTC).isoformat() if own else None).encode()).hexdigest()[:32]


@transaction.atomic
def assessment_extend_deadline(
    *, assessment: Assessment, deadline: datetime | None, actor: Any, reason: str, confirmed: bool = False,
    api: bool = False, expected_version: str | None = None,
) -> Assessment:
    """Give one unit its own self-assessment deadline (or remove it with None), only while it self-assesses or may
    withdraw its submission to (`EXTENDABLE_STATES`; after, either is refused: it would change nothing). An
    extension ends on a day after the day of the cycle's own self-assessment deadline (an earlier date would
    shorten it, the same day gives no day more: `extension_not_later`), and by the cycle's next deadline (the
    appraisal's, else the next one set: `extension_after_next_phase`), as the cycle's deadlines keep the phases'
    order. Audited as `assessment.extend_deadline`, a removal as
    `assessment.remove_deadline`; a removal also tells the unit's head and editors (e-mailed after commit).

    A draft's deadline brought to a moment past or less than `SHORT_NOTICE` away (an own deadline shortened, or
    removed while the cycle's is that close: `own_deadline_cut`) is refused (409 `deadline_cut_unconfirmed`) unless
    `confirmed`; the audit entry then records the confirmation (`deadline_cut_confirmed`); `api`: the refusal tells
    how the API confirms (`confirm`).

    `expected_version` (the cycle's page): the `own_deadline_version` the change was based on; refused (`stale`,
    nothing written) when the unit's own deadline changed since (a colleague's extension, a granted request), or
    when it is empty. None: no condition."""
    if expected_version is not None:
        assessment = locked_at_version(
            Assessment.objects.select_related("unit", "cycle"), assessment.pk, expected=expected_version,
            version_of=own_deadline_version, missing=MSG_OWN_DEADLINE_VERSION_MISSING,
            changed=MSG_OWN_DEADLINE_CHANGED,
        )
    if not reason_text(reason):
        if deadline is None:
            raise ValidationFailed(_("Hãy ghi lý do bỏ hạn riêng."), code="reason_required")
        raise ValidationFailed(_("Hãy ghi lý do gia hạn."), code="reason_required")
    if assessment.state not in EXTENDABLE_STATES:
        # past its self-assessment (the team appraises it, or it is signed off) its own deadline, later or gone,
        # changes nothing: it never self-assesses again (a reopened sign-off goes back to the team, not the unit)
        if deadline is None:
            raise StateConflict(
                _("Bản đánh giá của %(u)s ở trạng thái «%(s)s»: đã qua giai đoạn tự đánh giá, bỏ hạn riêng không còn "
                  "tác dụng.") % {"u": assessment.unit.name, "s": assessment.get_state_display()},
                code="not_extendable",
            )
        raise StateConflict(
            _("Bản đánh giá của %(u)s ở trạng thái «%(s)s»: chỉ gia hạn tự đánh giá khi đơn vị chưa gửi hoặc còn "
              "rút lại được bản đã gửi.") % {"u": assessment.unit.name, "s": assessment.get_state_display()},
            code="not_extendable",
        )
    if deadline is not None:
        _check_deadlines({"self_assessment_deadline": deadline}, year=assessment.cycle.year)
    cycle_deadline = assessment.cycle.self_assessment_deadline
    # by the day, not the moment: a unit's own deadline on the day of the cycle's (a cycle's deadline at 17:00, the
    # unit's at the end of that day) gives the unit no day more
    if (deadline is not None and cycle_deadline is not None
            and timezone.localdate(deadline) <= timezone.localdate(cycle_deadline)):
        first = timezone.localdate(cycle_deadline) + timedelta(days=1)
        raise ValidationFailed(
            _("Hạn gia hạn (%(new)s) phải sau ngày của hạn tự đánh giá của kỳ (%(d)s): hạn riêng đến chính ngày đó "
              "hoặc trước đó không gia hạn thêm ngày nào cho đơn vị. Hãy chọn từ ngày %(first)s trở đi.")
            % {"new": local_moment(deadline), "d": local_moment(cycle_deadline), "first": local_day(first)},
            code="extension_not_later", details={"field": "deadline"},
        )
    limit = extension_limit(assessment.cycle)
    if deadline is not None and limit is not None and deadline > limit.bound:
        # the cycle's own deadlines keep the phases' order: a unit's self-assessment ends before the next phase's
        raise ValidationFailed(
            _("Hạn mới (%(new)s) muộn hơn %(label)s của kỳ (%(d)s): hạn tự đánh giá riêng của đơn vị không được "
              "sau %(label)s. Hãy chọn ngày muộn nhất là %(last)s, hoặc dời %(label)s của kỳ trước.")
            % {"new": local_moment(deadline), "label": limit.label, "d": local_moment(limit.bound),
               "last": local_day(limit.last_day)},
            code="extension_after_next_phase", details={"field": "deadline"},
        )
    old = assessment.deadline_override
    if old == deadline:  # the same moment (however written): nothing changes, nothing to record
        return assessment
    cut = own_deadline_cut(assessment=assessment, deadline=deadline)
    label = _("hạn tự đánh giá mới của đơn vị")
    if cut is not None:
        _refuse_cut(cut, 1 if confirmed else None, label=label, field_name="deadline", api=api)
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=deadline)
    assessment.deadline_override = deadline
    entry = audit_record(
        actor=actor,
        action="assessment.extend_deadline" if deadline is not None else "assessment.remove_deadline",
        object_type="Assessment",
        object_id=assessment.pk,
        unit=assessment.unit,
        assessment=assessment,
        changes={
            "deadline_override": {
                "old": old.isoformat() if old else None,
                "new": deadline.isoformat() if deadline else None,
            },
            # confirmed: what was confirmed, recorded with the change
            **({"deadline_cut_confirmed": {"old": None, "new": cut.confirmed_text(label)}} if cut is not None else {}),
        },
        reason=reason_text(reason),
    )
    if deadline is None and old is not None:  # an extension's notice is its request's decision; a removal has none
        assessment_notify_deadline_removed(
            assessment=assessment, removed_deadline=old, reason=reason_text(reason),
            dedupe_key=f"deadline-removed:{entry.pk}",
        )
    return assessment


def own_deadline_cut(*, assessment: Assessment, deadline: datetime | None) -> DeadlineCut | None:
    """What giving a unit `deadline` as its own (None: none) would cut (`DeadlineCut`, that unit), None when
    nothing: only a draft, whose applicable deadline it brings to a moment past or less than `SHORT_NOTICE` away."""
    if assessment.state != Assessment.State.DRAFT:
        return None
    common = assessment.cycle.self_assessment_deadline
    after = _effective(deadline, common)
    if after is None or not _cuts(_effective(assessment.deadline_override, common), after, timezone.now()):
        return None
    return DeadlineCut(deadline=after, count=1, names=(assessment.unit.name,))


@transaction.atomic
def assessment_close_unsubmitted(
    *, assessment: Assessment, actor: Any, reason: str, notify: bool = True
) -> Assessment:
    """A unit that let its deadline pass without submitting: its assessment goes to the appraisal team as it
    stands (leaves not scored count nothing until the team appraises them), so that the cycle can be signed
    off and published. Only a draft whose own deadline (its extension, else the cycle's) has passed; with the
    reason, audited as the state change. `notify`: the unit's people and the team assigned to it are told
    (`assessments_notify_handed_over`, e-mailed after commit); False for a caller that tells them of several at
    once."""
    text = reason_text(reason)
    if not text:
        raise ValidationFailed(_("Hãy ghi lý do (ví dụ: đơn vị không gửi bản tự đánh giá đúng hạn)."),
                               code="reason_required", details={"field": "reason"})
    locked = Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "unit").get(pk=assessment.pk)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(
            _("Bản đánh giá của %(u)s đang ở trạng thái «%(s)s», không còn chờ đơn vị gửi.")
            % {"u": locked.unit.name, "s": locked.get_state_display()}, code="not_draft",
        )
    if not deadline_passed(locked):
        raise StateConflict(
            _("%(u)s chưa quá hạn tự đánh giá; chỉ chuyển cho Tổ thẩm định khi đã quá hạn mà đơn vị chưa gửi.")
            % {"u": locked.unit.name}, code="deadline_not_passed",
        )
    if ExtensionRequest.objects.filter(assessment=locked, status=ExtensionRequest.Status.PENDING).exists():
        # the unit asked for more time: it hears the answer before its draft is taken from it
        raise StateConflict(
            _("%(u)s đang có đề nghị gia hạn chờ quyết định: hãy chấp thuận hoặc không chấp thuận đề nghị đó "
              "trước (trang đề nghị gia hạn của kỳ).") % {"u": locked.unit.name}, code="extension_pending",
        )
    handed = assessment_transition(assessment=locked, to_state=Assessment.State.SUBMITTED, actor=actor,
                                   reason=text, handed_over=True)
    if notify:
        assessments_notify_handed_over(assessments=[handed], reason=text,
                                       handed_at=handed.submitted_at or timezone.now())
    return handed


# --- participants: what counts as work on an assessment, removing one, moving untouched ones to another set ---

# A line someone worked on: the unit's self-score, note, «không phát sinh» or explanation, or the team's appraisal.
LINE_WORK: dict[str, Q] = {
    "self_scored": Q(self_value__isnull=False) | Q(self_score__isnull=False),
    "not_applicable": Q(not_applicable=True) | ~Q(not_applicable_reason=""),
    "notes": ~Q(self_note=""),
    "explained": ~Q(explanation="") | Q(explanation_requested=True),
    "appraised": (Q(appraised_value__isnull=False) | Q(appraised_score__isnull=False) | ~Q(appraised_note="")
                  | Q(na_overruled=True) | Q(na_accepted=True)),
}
# An assessment past its draft, or one once submitted, signed off or appraised in rounds, or with its difficulties.
ASSESSMENT_WORK: dict[str, Q] = {
    "state": ~Q(state=Assessment.State.DRAFT),
    "submitted": Q(submitted_at__isnull=False) | Q(signed_off_at__isnull=False) | Q(appraisal_round__gt=1),
    "difficulties": ~Q(difficulties=""),
}
# Records made about an assessment, each by the path from the record to it.
RECORDS_WORK: dict[str, tuple[type[Any], str]] = {
    "evidence": (EvidenceLink, "score_line__assessment"),
    "explanation_rounds": (ExplanationRound, "assessment"),
    "extension_requests": (ExtensionRequest, "assessment"),
    "history": (LineHistory, "assessment"),
    "result": (IndexResult, "assessment"),
}


def assessments_with_work(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Those of `assessments` someone did something on (`LINE_WORK`, `ASSESSMENT_WORK`, `RECORDS_WORK`): one
    query, whatever their number. An assessment not in it is as it was opened: empty lines, a draft."""
    any_line = reduce(or_, LINE_WORK.values())
    conditions: list[Any] = [
        Exists(ScoreLine.objects.filter(any_line, assessment=OuterRef("pk"))),
        *ASSESSMENT_WORK.values(),
        *(Exists(model.objects.filter(**{path: OuterRef("pk")})) for model, path in RECORDS_WORK.values()),
    ]
    return assessments.filter(reduce(or_, conditions))


def assessment_work(*, assessment: Assessment) -> dict[str, int]:
    """What was done on one assessment, by kind (`LINE_WORK` as numbers of lines, the records as their number;
    `ASSESSMENT_WORK` as 1), only the kinds found: empty when it is as opened. Seven small queries."""
    found = ScoreLine.objects.filter(assessment=assessment).aggregate(
        **{name: Count("pk", filter=q) for name, q in LINE_WORK.items()}
    )
    state = Assessment.objects.filter(pk=assessment.pk).aggregate(
        **{name: Count("pk", filter=q) for name, q in ASSESSMENT_WORK.items()}
    )
    found.update(state)
    for name, (model, path) in RECORDS_WORK.items():
        found[name] = model.objects.filter(**{path: assessment.pk}).count()
    return {name: n for name, n in found.items() if n}


def _work_text(work: Mapping[str, int], assessment: Assessment) -> str:
    """The work found, named: «2 tiêu chí đã tự chấm, 1 tài liệu kiểm chứng đã gắn»."""
    texts = {
        "state": lambda n: _("trạng thái «%(s)s»") % {"s": assessment.get_state_display()},
        "submitted": lambda n: _("đã từng được gửi"),
        "difficulties": lambda n: _("ý kiến khó khăn, vướng mắc"),
        "self_scored": lambda n: _("%(n)s tiêu chí đã tự chấm") % {"n": n},
        "not_applicable": lambda n: _("%(n)s tiêu chí «không phát sinh»") % {"n": n},
        "notes": lambda n: _("%(n)s ghi chú") % {"n": n},
        "explained": lambda n: _("%(n)s tiêu chí có giải trình") % {"n": n},
        "appraised": lambda n: _("%(n)s tiêu chí đã thẩm định") % {"n": n},
        "evidence": lambda n: _("%(n)s tài liệu kiểm chứng đã gắn") % {"n": n},
        "explanation_rounds": lambda n: _("%(n)s vòng giải trình") % {"n": n},
        "extension_requests": lambda n: _("%(n)s đề nghị gia hạn") % {"n": n},
        "history": lambda n: _("lịch sử chấm điểm"),
        "result": lambda n: _("kết quả đã tính"),
    }
    return ", ".join(texts[name](n) for name, n in work.items() if name in texts)


def _refuse_published(cycle: Cycle, what: str) -> None:
    published = latest_revision(cycle_id=cycle.pk)
    if published is not None or cycle.phase == Cycle.Phase.PUBLISHED:
        raise StateConflict(
            _("Kết quả kỳ đánh giá năm %(y)s đã được công bố: không %(what)s được nữa.") % {"y": cycle.year,
                                                                                             "what": what},
            code="cycle_results_published",
        )


@transaction.atomic
def assessment_remove(*, assessment: Assessment, actor: Any, reason: str) -> None:
    """Take out of its cycle a unit opened in it by mistake: its assessment and its empty lines are deleted, so
    that it can be opened again later. Only while nothing was done on it (`assessment_work`: refused
    `assessment_has_work`, naming what there is), in any phase before the results are published
    (`cycle_results_published`); a reason is required. Audited as `assessment.remove` (the entry keeps the
    assessment's id, the unit, the cycle's year and the set)."""
    text = reason_text(reason)
    if not text:
        raise ValidationFailed(_("Hãy ghi lý do gỡ đơn vị khỏi kỳ đánh giá."), code="reason_required",
                               details={"field": "reason"})
    locked = (Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "unit", "indicator_set")
              .filter(pk=assessment.pk).first())
    if locked is None:  # removed meanwhile (the button pressed twice)
        raise StateConflict(_("Bản đánh giá này không còn trong kỳ đánh giá (có thể đã được gỡ)."),
                            code="assessment_gone")
    _refuse_published(locked.cycle, _("gỡ đơn vị khỏi kỳ"))
    work = assessment_work(assessment=locked)
    if work:
        raise StateConflict(
            _("Không gỡ được %(u)s khỏi kỳ đánh giá: bản đánh giá đã có %(what)s. Chỉ gỡ được bản đánh giá chưa có "
              "gì (đang tự đánh giá, chưa tự chấm, chưa gắn tài liệu kiểm chứng, chưa giải trình).")
            % {"u": locked.unit.name, "what": _work_text(work, locked)},
            code="assessment_has_work", details={"work": work},
        )
    audit_record(
        actor=actor, action="assessment.remove", object_type="Assessment", object_id=locked.pk, unit=locked.unit,
        assessment=locked, reason=text, changes={
            "cycle": {"old": locked.cycle.year, "new": None},
            "key": {"old": locked.indicator_set.key, "new": None},
            "state": {"old": locked.state, "new": None},
        },
    )
    # the lines go with it (no evidence, history or explanation hangs on them: that would be work); the audit
    # entries keep its id
    locked.delete()


NAMED_WITH_WORK = 5  # the units a refused change of set names; the rest are counted


@transaction.atomic
def assessments_move_to_set(
    *, cycle: Cycle, unit_kind: UnitKind, old: IndicatorSet, new: IndicatorSet, actor: Any
) -> int:
    """Score on `new` the assessments of `unit_kind` in `cycle` opened on `old`, when none has any work done
    (`assessments_with_work`; refused `cycle_in_use`, naming how many have and the first of them; refused in a
    cycle whose results were published): their empty lines are deleted and rebuilt on the new set's leaves as
    `assessments_open` builds them, their versions bumped (a form opened before is stale). Returns how many were
    moved. The caller records the change of set (`indicator_set.activate`)."""
    opened = Assessment.objects.filter(cycle=cycle, unit__kind=unit_kind, indicator_set=old)
    # locked: a unit's save (which locks its assessment first) waits, and then finds its line gone
    ids = list(opened.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    _refuse_published(cycle, _("thay bộ chỉ số"))
    busy = assessments_with_work(opened)
    names = list(busy.order_by(vietnamese("unit__name")).values_list("unit__name", flat=True)[:NAMED_WITH_WORK])
    if names:
        n = busy.count()
        more = n - len(names)
        raise StateConflict(
            _("Không thay được bộ «%(key)s»: %(n)s bản đánh giá theo bộ này đã có dữ liệu (tự chấm, «không phát "
              "sinh», tài liệu kiểm chứng, giải trình hoặc đã gửi): %(names)s%(more)s. Chỉ thay bộ khi chưa đơn vị "
              "nào làm gì trên bộ cũ.") % {
                "key": old.key, "n": n, "names": ", ".join(f"«{name}»" for name in names),
                "more": _(" và %(m)s đơn vị khác") % {"m": more} if more > 0 else "",
            },
            code="cycle_in_use", details={"with_work": n},
        )
    # No line of theirs carries evidence or history (that would be work): the lines go in one statement, not
    # fetched one by one to cascade to nothing (a national kind has 400,000).
    lines = ScoreLine.objects.filter(assessment__in=opened.values("pk"))
    lines._raw_delete(lines.db)
    opened.update(indicator_set=new, version=F("version") + 1)
    _lines_insert(cycle)
    return len(ids)


# --- the appraisal team's assignments when a kind's set is replaced ---


@dataclass(frozen=True)
class AssignmentLost:
    """A team member's areas or criteria of the replaced set with no node of the same code in the new set."""

    username: str
    codes: tuple[str, ...]
    removed: bool  # False: kept on the old set, which another unit kind of the cycle is still scored on
    assignment_removed: bool = False  # nothing left to appraise: the member's assignment is removed


@dataclass(frozen=True)
class AssignmentsFollowed:
    """What replacing a kind's set does to the appraisal team's assignments: how many follow the new set, and what
    is dropped (by member)."""

    old_key: str = ""
    new_key: str = ""
    moved: int = 0
    lost: tuple[AssignmentLost, ...] = ()

    @property
    def lost_text(self) -> str:
        """The replacement's message about what was dropped (empty when nothing was)."""
        if not self.lost:
            return ""
        items = "; ".join(
            f"{item.username} ({', '.join(item.codes)}"
            + (_(", không còn lĩnh vực nào: đã bỏ phân công") if item.assignment_removed else "") + ")"
            for item in self.lost
        )
        if all(item.removed for item in self.lost):
            return _("Phân công thẩm định theo bộ «%(old)s» đã chuyển sang bộ «%(new)s» theo mã lĩnh vực, tiêu chí. "
                     "Các lĩnh vực, tiêu chí sau không có trong bộ mới nên đã bỏ khỏi phân công: %(items)s. Hãy "
                     "xem lại phân công của Tổ thẩm định.") % {"old": self.old_key, "new": self.new_key,
                                                              "items": items}
        return _("Phân công thẩm định theo bộ «%(old)s» đã được thêm các lĩnh vực, tiêu chí cùng mã của bộ «%(new)s» "
                 "(bộ cũ vẫn giữ cho loại đơn vị khác còn chấm theo nó). Các lĩnh vực, tiêu chí sau không có trong bộ "
                 "mới nên chưa ai được phân công trên bộ mới: %(items)s. Hãy xem lại phân công của Tổ thẩm định.") % {
            "old": self.old_key, "new": self.new_key, "items": items}


def _code_order(code: str) -> tuple[tuple[int, int | str], ...]:
    """«1.2» before «1.10»: a code's parts as numbers where they are."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


@dataclass
class _Follow:
    assignment: AppraisalAssignment
    before: list[Indicator]
    after: list[Indicator]
    unmatched: list[str]


def _assignments_follow_plan(
    *, cycle: Cycle, unit_kind: UnitKind, old: IndicatorSet, new: IndicatorSet, lock: bool
) -> tuple[list[_Follow], bool]:
    """Each of the cycle's assignments with a node of `old`: its nodes before and after following `new` by code,
    and the codes with no match; whether `old` stays in use (another kind of the cycle scored on it: its nodes are
    kept). Three queries (`lock`: the assignments locked, in the order of their ids)."""
    kept = CycleSet.objects.filter(cycle=cycle, indicator_set=old).exclude(unit_kind=unit_kind).exists()
    matches = {node.code: node for node in Indicator.objects.filter(indicator_set=new, level__lte=2)}
    through = AppraisalAssignment.areas.through.objects.filter(indicator__indicator_set=old)
    assignments = AppraisalAssignment.objects.filter(cycle=cycle, pk__in=through.values("appraisalassignment_id"))
    if lock:
        assignments = assignments.select_for_update(of=("self",))
    plan = []
    for assignment in assignments.select_related("user").prefetch_related("areas").order_by("pk"):
        before = list(assignment.areas.all())
        of_old = [node for node in before if node.indicator_set_id == old.pk]
        after = {node.pk: node for node in before if kept or node.indicator_set_id != old.pk}
        after.update((matches[n.code].pk, matches[n.code]) for n in of_old if n.code in matches)
        unmatched = sorted((n.code for n in of_old if n.code not in matches), key=_code_order)
        plan.append(_Follow(assignment=assignment, before=before, after=list(after.values()), unmatched=unmatched))
    return plan, kept


def _followed(plan: list[_Follow], kept: bool, old: IndicatorSet, new: IndicatorSet) -> AssignmentsFollowed:
    lost = [
        AssignmentLost(username=item.assignment.user.get_username(), codes=tuple(item.unmatched), removed=not kept,
                       assignment_removed=not item.after and not item.assignment.is_lead)
        for item in plan if item.unmatched
    ]
    return AssignmentsFollowed(old_key=old.key, new_key=new.key, moved=len(plan),
                               lost=tuple(sorted(lost, key=lambda item: item.username)))


def appraisal_assignments_followed(*, cycle: Cycle, unit_kind: UnitKind, new: IndicatorSet) -> AssignmentsFollowed:
    """What replacing `unit_kind`'s set in `cycle` by `new` would do to the appraisal team's assignments
    (`appraisal_assignments_follow_set`), without doing it: for the replacement's page to tell. Reads only."""
    current = CycleSet.objects.filter(cycle=cycle, unit_kind=unit_kind).select_related("indicator_set").first()
    if current is None or current.indicator_set_id == new.pk:
        return AssignmentsFollowed()
    old = current.indicator_set
    plan, kept = _assignments_follow_plan(cycle=cycle, unit_kind=unit_kind, old=old, new=new, lock=False)
    return _followed(plan, kept, old, new)


def appraisal_assignments_follow_set(
    *, cycle: Cycle, unit_kind: UnitKind, old: IndicatorSet, new: IndicatorSet, actor: Any
) -> AssignmentsFollowed:
    """The appraisal team's assignments follow `unit_kind`'s set in `cycle` from `old` to `new` (in the
    replacement's transaction): each area or criterion of `old` is replaced by `new`'s node of the same code; one
    with no such code is dropped. While another kind of the cycle is still scored on `old`, its nodes are kept and
    `new`'s are added. A member (not the lead) left with nothing to appraise loses the assignment. Each assignment
    changed is audited (`appraisal_assignment.save`, or `.delete`), with the sets' keys and the replacement as the
    reason. Returns what followed and what was dropped, for the replacement's message."""
    plan, kept = _assignments_follow_plan(cycle=cycle, unit_kind=unit_kind, old=old, new=new, lock=True)
    reason = _("Thay bộ chỉ số «%(old)s» bằng «%(new)s» cho loại đơn vị «%(kind)s»: phân công thẩm định theo mã lĩnh "
               "vực, tiêu chí.") % {"old": old.key, "new": new.key, "kind": unit_kind.name}
    for item in plan:
        assignment = item.assignment
        old_codes = sorted(node.code for node in item.before)
        if not item.after and not assignment.is_lead:
            audit_record(
                actor=actor, action="appraisal_assignment.delete", object_type="AppraisalAssignment",
                object_id=assignment.pk, reason=reason,
                changes={"user": {"old": assignment.user.get_username(), "new": None},
                         "areas": {"old": old_codes, "new": []}},
            )
            assignment.delete()
            continue
        if {node.pk for node in item.after} == {node.pk for node in item.before}:
            continue
        assignment.areas.set(item.after)
        audit_record(
            actor=actor, action="appraisal_assignment.save", object_type="AppraisalAssignment",
            object_id=assignment.pk, reason=reason,
            changes={"areas": {"old": old_codes, "new": sorted(node.code for node in item.after)},
                     "replaced": {"old": old.key, "new": new.key}},
        )
    return _followed(plan, kept, old, new)
