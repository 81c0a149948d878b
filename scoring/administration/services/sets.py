"""Indicator sets: create, clone to a new year, update, activate for a cycle, delete a draft."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from scoring.administration.services.common import (
    INDICATOR_FIELDS,
    SET_FIELDS,
    _audit_set,
    _display,
    _ensure_editable,
    has_at_most_two_decimals,
    locked_at_version,
    nfc,
    set_is_frozen,
    to_points,
)
from scoring.administration.services.cycles import (
    AssignmentsFollowed,
    appraisal_assignments_follow_set,
    assessments_move_to_set,
)
from scoring.administration.validators import MSG_CODE
from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorSet,
    UnitKind,
)
from scoring.services import audit_record
from scoring.text import user_text, visible_text

KEY_RE = re.compile(r"[-a-z0-9_]+")  # a stored key: lowercase slug
MSG_SET_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang phiên bản của bộ chỉ số nên chưa lưu gì; hãy tải lại trang rồi sửa lại."
)
MSG_SET_CHANGED = gettext_lazy(
    "Thông tin bộ chỉ số đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được "
    "mở nên chưa lưu gì. Giá trị đang lưu ghi ở dưới; hãy xem lại rồi bấm «Lưu» nếu vẫn muốn sửa."
)
MSG_SET_IN_USE_DELETE = gettext_lazy(
    "Không xoá được bộ chỉ số «%(key)s» vì bộ đã được áp dụng cho kỳ đánh giá%(cycles)s: các bản đánh giá và kết "
    "quả chấm theo bộ này cần giữ lại làm căn cứ. Chỉ xoá được bộ dự thảo chưa áp dụng cho kỳ nào. Nếu không "
    "dùng bộ này nữa, hãy áp dụng bộ khác cho kỳ đánh giá; nếu cần sửa, hãy nhân bản thành phiên bản mới."
)


def indicator_set_version(indicator_set: IndicatorSet) -> str:
    """The set's version for optimistic concurrency on its information form, without a version column (`version`
    numbers the set's editions): a digest of what that form changes. Any change by a colleague changes it."""
    values = [
        version_value(getattr(indicator_set, name), points=name in ("standard_max", "bonus_cap", "penalty_cap"))
        for name in SET_FIELDS
    ]
    values.append(indicator_set.classification_bands)
    values.append(indicator_set.key)  # editable on the same form while the set is a draft nothing uses
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def version_value(value: Any, *, points: bool = False) -> Any:
    """A field's value as a version digests it; `points`: as their number («10», «10.00» and 10 are one value: an
    object just created holds what it was given, one read back the column's two decimals)."""
    if points and value is not None and not isinstance(value, bool):
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except (InvalidOperation, ValueError):
            return str(value)
    return value


def _check_set_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {
        # a one-line name, as a unit's (`visible_text`): no zero-width space, line break or tab
        "name": visible_text(data.get("name"), field="name"),
        "decision_ref": user_text(data.get("decision_ref"), field="decision_ref"),
        "standard_max": to_points(data.get("standard_max") or "100", label=_("Điểm chuẩn"), field="standard_max"),
        "index_mode": data.get("index_mode") or IndicatorSet.IndexMode.POINTS,
        "bonus_cap": None,
        "penalty_cap": None,
        "source_note": nfc(data.get("source_note")),
    }
    for name, label in (("bonus_cap", _("Trần điểm cộng")), ("penalty_cap", _("Trần điểm trừ"))):
        raw = data.get(name)
        if raw not in (None, ""):
            clean[name] = to_points(raw, label=label, field=name)
            if clean[name] < 0:
                raise ValidationFailed(_("%(label)s không được âm.") % {"label": label}, code="negative_cap",
                                       details={"field": name})
    if not clean["name"]:
        raise ValidationFailed(_("Hãy nhập tên bộ chỉ số."), code="name_required")
    if clean["standard_max"] <= 0:
        raise ValidationFailed(_("Điểm chuẩn phải lớn hơn 0."))
    if clean["index_mode"] not in IndicatorSet.IndexMode.values:
        raise ValidationFailed(_("Cách tính chỉ số không hợp lệ."))
    return clean


def _num(value: Decimal) -> str:
    """A number as a Vietnamese message shows it: 6,5 (not 6.5), no trailing zeros; one far out of any range
    shortened (1,00E+999, not a thousand digits)."""
    if value.is_finite() and value != 0 and abs(value.adjusted()) > 9:
        return format(value, ".2E").replace(".", ",")
    return format(value.normalize(), "f").replace(".", ",")


BAND_LABEL_MAX = 60  # as the API's band serializer


def classification_band_problems(bands: Any, *, standard_max: Decimal, index_mode: str) -> list[str]:
    """What is wrong with a set's classification bands: every threshold a number from 0 to the highest index
    (the standard in points mode, 100 in percent mode), no threshold twice, and the lowest band at 0 so that
    every unit gets a classification (the engine gives that band to a negative index too: `engine.classify`),
    listed from the highest threshold down, each name once and at most 60
    characters long. An empty list (no classification) is allowed."""
    bands = list(bands or [])
    if not bands:
        return []
    top = Decimal("100") if index_mode == IndicatorSet.IndexMode.PERCENT else standard_max
    problems: list[str] = []
    thresholds: list[Decimal] = []
    labels: list[str] = []
    for band in bands:
        label = nfc(band.get("label")) if isinstance(band, Mapping) else ""
        raw = band.get("min") if isinstance(band, Mapping) else None
        try:
            value = Decimal(str(raw).replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(_("Ngưỡng «%(v)s» của mức «%(l)s» không phải là số.") % {"v": raw, "l": label})
            continue
        if not label:
            problems.append(_("Mức xếp loại có ngưỡng %(v)s chưa có tên.") % {"v": _num(value)})
        elif len(label) > BAND_LABEL_MAX:
            problems.append(
                _("Tên mức xếp loại «%(l)s…» dài quá %(n)s ký tự.") % {"l": label[:30], "n": BAND_LABEL_MAX}
            )
        labels.append(label.casefold())
        if abs(value) <= top and not has_at_most_two_decimals(value):
            problems.append(
                _("Ngưỡng của mức «%(l)s» chỉ được có tối đa 2 chữ số thập phân (chỉ số làm tròn đến 2 chữ số).")
                % {"l": label}
            )
        if value < 0:
            problems.append(
                _("Ngưỡng của mức «%(l)s» (%(v)s) không được âm.") % {"l": label, "v": _num(value)}
            )
        elif value > top:
            problems.append(
                _("Ngưỡng của mức «%(l)s» (%(v)s) lớn hơn chỉ số cao nhất có thể (%(top)s).")
                % {"l": label, "v": _num(value), "top": _num(top)}
            )
        thresholds.append(value)
    if thresholds and len(set(thresholds)) != len(thresholds):
        problems.append(_("Hai mức xếp loại có cùng ngưỡng."))
    elif thresholds != sorted(thresholds, reverse=True):
        problems.append(_("Các mức xếp loại phải ghi từ ngưỡng cao xuống ngưỡng thấp."))
    if len(set(labels)) != len(labels):
        problems.append(_("Hai mức xếp loại có cùng tên."))
    if thresholds and min(thresholds) != 0:
        problems.append(
            _("Mức thấp nhất phải có ngưỡng 0 (hiện là %(v)s): mức này gồm mọi chỉ số dưới ngưỡng của mức trên nó, "
              "kể cả chỉ số âm (do điểm trừ hoặc lựa chọn điểm âm), để đơn vị nào cũng được xếp loại.")
            % {"v": _num(min(thresholds))}
        )
    return problems


def _check_bands(bands: Any, meta: Mapping[str, Any]) -> None:
    problems = classification_band_problems(
        bands, standard_max=meta["standard_max"], index_mode=meta["index_mode"]
    )
    if problems:
        raise ValidationFailed(" ".join(problems), code="invalid_bands", details=problems)


def _check_key(key: str, *, exclude: int | None = None) -> None:
    if not key:
        raise ValidationFailed(_("Hãy nhập mã bộ chỉ số."), code="key_required", details={"field": "key"})
    if not KEY_RE.fullmatch(key):  # named in public addresses (<slug:key>): as the forms' rule
        raise ValidationFailed(str(MSG_CODE), code="invalid_key", details={"field": "key"})
    # Keys are lowercase (the rule of the set form and the public addresses); one differing only in case would be
    # another set for a person reading it, so the comparison ignores case.
    others = IndicatorSet.objects.filter(key__iexact=key)
    if (others.exclude(pk=exclude) if exclude is not None else others).exists():
        raise ValidationFailed(_("Bộ chỉ số mã «%(key)s» đã tồn tại.") % {"key": key}, code="duplicate_key",
                               details={"field": "key"})


def _check_identity(*, key: str, year: int, unit_kind: UnitKind, version: int) -> None:
    _check_key(key)
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Năm không hợp lệ."), code="invalid_year")
    if IndicatorSet.objects.filter(year=year, unit_kind=unit_kind, version=version).exists():
        raise ValidationFailed(
            _("Đã có bộ chỉ số năm %(year)s, %(kind)s, phiên bản %(v)s.")
            % {"year": year, "kind": unit_kind, "v": version},
            code="duplicate_version",
        )


@transaction.atomic
def indicator_set_create(
    *, key: str, year: int, unit_kind: UnitKind, version: int = 1, data: Mapping[str, Any], actor: Any
) -> IndicatorSet:
    """Create an empty draft set (its tree is then built in the editor or imported from Excel)."""
    key = nfc(key).lower()
    _check_identity(key=key, year=year, unit_kind=unit_kind, version=version)
    meta = _check_set_meta(data)
    _check_bands(data.get("classification_bands"), meta)
    indicator_set = IndicatorSet.objects.create(
        key=key,
        year=year,
        unit_kind=unit_kind,
        version=version,
        classification_bands=list(data.get("classification_bands") or []),
        **meta,
    )
    _audit_set(actor, "indicator_set.create", indicator_set, {"key": {"old": None, "new": key}})
    return indicator_set


def next_version(*, year: int, unit_kind: UnitKind) -> int:
    top = IndicatorSet.objects.filter(year=year, unit_kind=unit_kind).aggregate(v=Max("version"))["v"]
    return (top or 0) + 1


YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")  # a year written in a key or a name (2021 in tg-2021-so)


def with_year(text: str, year: int, *, append: str = "") -> str:
    """`text` naming `year` in place of the year(s) it names; one naming none gets `append` (formatted with the
    year) once, or stays as it is: tg-2021-so → tg-2022-so, tg-so → tg-so-2022 → tg-so-2023."""
    if YEAR_RE.search(text):
        return YEAR_RE.sub(str(year), text)
    return text + append.format(year=year) if append else text


def sets_named(*, name: str, year: int, unit_kind: UnitKind, exclude: int | None = None) -> QuerySet[IndicatorSet]:
    """The sets of that year and kind with that name (ignoring case): two would be told apart by their key only."""
    found = IndicatorSet.objects.filter(year=year, unit_kind=unit_kind, name__iexact=nfc(name))
    return (found.exclude(pk=exclude) if exclude is not None else found).order_by("version")


CLONE_YEARS = range(2000, 2101)  # the years the clone form takes (`CloneForm.year`)


def _version_mark(version: int) -> str:
    """The mark a set's name carries to tell it from another of its year and kind (« (phiên bản 2)»), in the site's
    language: it is stored."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(name)s (phiên bản %(v)s)") % {"name": "", "v": version}


def _unmarked(source: IndicatorSet) -> tuple[str, str]:
    """The source's key and name without the marks of its own version (-v2, «(phiên bản 2)», as a clone in its year
    was proposed): a clone is told apart by its own version in its own year, never by its source's."""
    key, name = source.key, source.name
    if source.version > 1:
        key = key.removesuffix(f"-v{source.version}")
        name = name.removesuffix(_version_mark(source.version)).rstrip()
    return key, name


def _folded_name(name: str) -> str:
    return nfc(name).casefold()


@dataclass(frozen=True)
class _SetsTaken:
    """What a clone's proposal must steer clear of: every key (lower case), and per year the highest version and
    the names (as `_folded_name`) of the sets of the source's kind."""

    keys: frozenset[str]
    versions: Mapping[int, int]
    names: Mapping[int, frozenset[str]]

    @classmethod
    def read(cls, *, unit_kind: UnitKind, years: range | None = None) -> _SetsTaken:
        """Two queries, whatever the number of years."""
        keys = frozenset(key.lower() for key in IndicatorSet.objects.values_list("key", flat=True))
        sets = IndicatorSet.objects.filter(unit_kind=unit_kind).order_by()
        if years is not None:
            sets = sets.filter(year__gte=years.start, year__lt=years.stop)
        versions: dict[int, int] = {}
        names: dict[int, set[str]] = {}
        for year, version, name in sets.values_list("year", "version", "name"):
            versions[year] = max(versions.get(year, 0), version)
            names.setdefault(year, set()).add(_folded_name(name))
        return cls(keys=keys, versions=versions, names={y: frozenset(n) for y, n in names.items()})


def _proposal(source: IndicatorSet, year: int, taken: _SetsTaken) -> dict[str, Any]:
    key, name = _unmarked(source)
    version = taken.versions.get(year, 0) + 1  # the clone's version in that year (`next_version`)
    key = with_year(key, year, append="-{year}")
    if key.lower() in taken.keys:
        free = version
        while f"{key}-v{free}".lower() in taken.keys:
            free += 1
        key = f"{key}-v{free}"
    name = with_year(name, year)
    if _folded_name(name) in taken.names.get(year, frozenset()):
        name = f"{name}{_version_mark(version)}"
    # a clone of the same year is another version under the same decision; a new year's is issued by a new one
    decision_ref = source.decision_ref if year == source.year else ""
    return {"year": year, "key": key, "name": name, "decision_ref": decision_ref}


def clone_name(*, source: IndicatorSet, year: int) -> str:
    """A clone's name when none is typed: the source's (without its own version's mark), naming the clone's year;
    with the clone's version when a set of that year and kind already has that name."""
    return str(indicator_set_clone_proposal(source=source, year=year)["name"])


def indicator_set_clone_proposal(*, source: IndicatorSet, year: int | None = None) -> dict[str, Any]:
    """What the clone form offers for `year` (by default the next year): the key and the name naming that year (a
    key without a year gets it appended once; the source's own version marks, -v2 and «(phiên bản 2)», left out),
    the key made free with the clone's version in that year (-v2) when taken, the name marked with that version
    when a set of that year and kind has it; the decision reference kept in the source's year (a new version under
    the same decision), blank in another (a new decision). Two queries."""
    year = source.year + 1 if year is None else year
    return _proposal(source, year, _SetsTaken.read(unit_kind=source.unit_kind, years=range(year, year + 1)))


def indicator_set_clone_proposals(*, source: IndicatorSet) -> dict[int, dict[str, Any]]:
    """`indicator_set_clone_proposal` for every year the clone form takes, by year: what the form's script proposes
    as the year typed changes. Two queries."""
    taken = _SetsTaken.read(unit_kind=source.unit_kind)
    return {year: _proposal(source, year, taken) for year in CLONE_YEARS}


MSG_CLONE_PROPOSAL_FOLLOWED = gettext_lazy(
    "Năm áp dụng đã đổi thành %(year)s nên mã, tên và quyết định ban hành đề xuất cho năm %(year)s đã được điền lại "
    "(những ô anh/chị tự sửa được giữ nguyên); chưa nhân bản. Hãy xem lại rồi bấm «Nhân bản»."
)
CLONE_FOLLOWERS = ("key", "name", "decision_ref")  # the clone form's fields that follow the year until edited


def indicator_set_clone_followed(
    *, proposals: Mapping[int, Mapping[str, Any]], values: Mapping[str, Any], shown_year: int | None,
) -> dict[str, Any] | None:
    """The clone form's values as they should read for the year posted (`values["year"]`) when the page proposed
    another year's (`shown_year`: the year whose proposal the page last showed, None when unknown): the key, the
    name and the decision still equal to that year's proposal (not edited by hand) get the posted year's. None when
    nothing changes: the year is the one shown, or each of those fields was edited, so the form is saved as posted.
    Reads nothing (`proposals`: `indicator_set_clone_proposals`)."""
    year = values.get("year")
    shown = proposals.get(shown_year) if shown_year is not None else None
    wanted = proposals.get(year) if isinstance(year, int) else None
    if shown is None or wanted is None or shown_year == year:
        return None
    followed = dict(values)
    for name in CLONE_FOLLOWERS:
        if (values.get(name) or "") == shown[name]:
            followed[name] = wanted[name]
    return followed if any(followed[name] != values.get(name) for name in CLONE_FOLLOWERS) else None


@transaction.atomic
def indicator_set_clone(
    *, source: IndicatorSet, key: str, year: int, actor: Any, name: str = "", decision_ref: str | None = None
) -> IndicatorSet:
    """Copy a set with its whole tree into a new draft (a new year, or a new version of the same year); without a
    name, named as `clone_name` (the source's naming the new year, told apart by its version if needed). Each copy
    keeps the criterion it was copied from (`Indicator.cloned_from`: what the comparison pairs them by)."""
    key = nfc(key).lower()
    version = next_version(year=year, unit_kind=source.unit_kind)
    _check_identity(key=key, year=year, unit_kind=source.unit_kind, version=version)
    clone = IndicatorSet.objects.create(
        key=key,
        year=year,
        version=version,
        unit_kind=source.unit_kind,
        name=visible_text(name, field="name") or clone_name(source=source, year=year),
        decision_ref=source.decision_ref if decision_ref is None else nfc(decision_ref),
        standard_max=source.standard_max,
        index_mode=source.index_mode,
        bonus_cap=source.bonus_cap,
        penalty_cap=source.penalty_cap,
        classification_bands=list(source.classification_bands or []),
        source_note=source.source_note,
        status=IndicatorSet.Status.DRAFT,
        cloned_from=source,
    )
    nodes = list(source.indicators.order_by("level", "order"))
    copies: dict[int, Indicator] = {}
    for node in nodes:  # by level: a parent is copied before its children
        copies[node.pk] = Indicator.objects.create(
            indicator_set=clone,
            parent=copies[node.parent_id] if node.parent_id else None,
            order=node.order,
            level=node.level,
            is_leaf=node.is_leaf,
            cloned_from=node,
            **{name: getattr(node, name) for name in INDICATOR_FIELDS},
        )
    _audit_set(
        actor,
        "indicator_set.clone",
        clone,
        {
            "key": {"old": None, "new": key},
            "source": {"old": None, "new": source.key},
            "indicators": {"old": 0, "new": len(nodes)},
        },
    )
    return clone


def _assign(obj: Any, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the given fields on `obj` (unsaved) and return the audit changes {field: {old, new}}."""
    changes = {
        name: {"old": _display(getattr(obj, name)), "new": _display(value)}
        for name, value in values.items()
        if getattr(obj, name) != value
    }
    for name, value in values.items():
        setattr(obj, name, value)
    return changes


@transaction.atomic
def indicator_set_update(
    *, indicator_set: IndicatorSet, data: Mapping[str, Any], actor: Any, expected_version: str | None = None
) -> IndicatorSet:
    """Change a draft set's key (when given, not blank: validated as at creation, unique), name, decision,
    standard maximum, caps and classification bands. Audited as `indicator_set.update`.

    `expected_version` (the set's page): the `indicator_set_version` the change was based on; refused (`stale`,
    nothing written) when the set's information changed since, or when it is empty. None: no condition (the API)."""
    if expected_version is not None:
        indicator_set = locked_at_version(
            IndicatorSet.objects.all(), indicator_set.pk, expected=expected_version, version_of=indicator_set_version,
            missing=MSG_SET_VERSION_MISSING, changed=MSG_SET_CHANGED,
        )
    _ensure_editable(indicator_set)
    meta = _check_set_meta(data)
    if data.get("key"):  # the set's page (a draft nothing uses: `_ensure_editable`); none or blank: kept
        key = nfc(data["key"]).lower()
        if key != indicator_set.key:
            _check_key(key, exclude=indicator_set.pk)
            meta["key"] = key
    if "classification_bands" in data:
        meta["classification_bands"] = list(data["classification_bands"])
    # checked against the standard as saved, whether the bands or the standard changed
    _check_bands(meta.get("classification_bands", indicator_set.classification_bands), meta)
    changes = _assign(indicator_set, meta)
    indicator_set.save()
    if changes:
        _audit_set(actor, "indicator_set.update", indicator_set, changes)
    return indicator_set


@dataclass(frozen=True)
class SetActivation:
    """What applying a set for a unit kind in a cycle did, for the caller to tell: the set applied, the set it
    replaced (None: the kind had none, or already this one), how many of the kind's assessments moved to it, what
    the appraisal team's assignments did (remapped by code, and what was dropped), and whether the replaced set
    went back to draft."""

    indicator_set: IndicatorSet
    replaced: IndicatorSet | None = None
    moved: int = 0
    assignments: AssignmentsFollowed = field(default_factory=AssignmentsFollowed)
    back_to_draft: bool = False


APPLIED_NONE = "0"
MSG_APPLIED_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang bộ chỉ số đang áp dụng cho kỳ và loại đơn vị đã chọn nên chưa áp dụng gì; hãy tải lại "
    "trang rồi áp dụng lại."
)


def applied_set_version(current: CycleSet | None) -> str:
    """The version of a kind's set in a cycle for optimistic concurrency on the set's «Áp dụng cho kỳ» form: the id
    of the set applied (`APPLIED_NONE`: none yet). Any replacement by a colleague changes it."""
    return str(current.indicator_set_id) if current is not None else APPLIED_NONE


def _check_applied_version(*, cycle: Cycle, kind: UnitKind, expected: str) -> None:
    """Refuse (nothing written) a replacement based on a kind's set in the cycle other than the one applied now."""
    if not expected:
        raise ValidationFailed(MSG_APPLIED_VERSION_MISSING, code="version_required")
    # the cycle locked: two replacements at once do not both pass this check
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    current = CycleSet.objects.filter(cycle=cycle, unit_kind=kind).select_related("indicator_set").first()
    if applied_set_version(current) == expected:
        return
    if current is None:
        now = _("hiện chưa có bộ chỉ số nào được áp dụng cho loại này")
    else:
        now = _("bộ đang áp dụng là «%(key)s» (%(name)s)") % {
            "key": current.indicator_set.key, "name": current.indicator_set.name}
    raise StaleVersion(
        _("Bộ chỉ số của «%(kind)s» trong %(cycle)s đã được đổi ở nơi khác (người khác hoặc một thẻ khác của "
          "anh/chị) từ khi trang này được mở nên chưa áp dụng gì: %(now)s. Hãy xem lại rồi bấm «Áp dụng bộ chỉ số» "
          "nếu vẫn muốn thay.") % {"kind": kind.name, "cycle": cycle.name, "now": now},
        code="stale",
    )


@transaction.atomic
def indicator_set_activate(
    *, indicator_set: IndicatorSet, cycle: Cycle, actor: Any, unit_kind: UnitKind | None = None,
    expected_applied: str | None = None,
) -> SetActivation:
    """Use a valid set in a cycle for its own unit kind, or for `unit_kind` (a kind may be scored on a set made for
    another: the vertical agencies on the departments' set); from then on it is frozen. The set a kind uses can
    be replaced as long as nobody did anything on that kind's assessments opened on it: they are then moved to
    the new set, their lines rebuilt (`assessments_move_to_set`; refused 409 `cycle_in_use` naming how many have
    work), and the appraisal team's assignments follow it by code (`appraisal_assignments_follow_set`). Audited as
    `indicator_set.activate` (with the number of assessments moved). The replaced set, when no cycle uses it any
    more, goes back to draft (`indicator_set_back_to_draft_if_unused`). Returns what was done (`SetActivation`):
    the assignments remapped and dropped are those of the replacement itself, in its transaction.

    `expected_applied` (the set's check-report page): the `applied_set_version` of the kind in the cycle the page
    showed; refused (`stale`, 409, nothing written, naming the set applied now) when a colleague applied or
    replaced the kind's set since, or when it is empty. None: no condition."""
    from scoring.administration.selectors import indicator_set_report

    report = indicator_set_report(indicator_set=indicator_set)
    if not report.ok:
        raise ValidationFailed(
            ngettext("Bộ chỉ số còn %(n)s lỗi; chưa thể áp dụng.", "Bộ chỉ số còn %(n)s lỗi; chưa thể áp dụng.",
                     len(report.problems)) % {"n": len(report.problems)},
            code="set_invalid",
            details=report.problems,
        )
    if cycle.year != indicator_set.year:
        raise ValidationFailed(
            _("Bộ chỉ số năm %(a)s không dùng được cho kỳ đánh giá năm %(b)s.")
            % {"a": indicator_set.year, "b": cycle.year}
        )
    kind = unit_kind or indicator_set.unit_kind
    if expected_applied is not None:
        _check_applied_version(cycle=cycle, kind=kind, expected=expected_applied)
    current = CycleSet.objects.filter(cycle=cycle, unit_kind=kind).select_related("indicator_set").first()
    old_key = current.indicator_set.key if current else None
    in_use = current is not None and current.indicator_set.status == IndicatorSet.Status.ACTIVE
    if in_use and current is not None and current.indicator_set_id == indicator_set.pk:
        # already this kind's set in this cycle: nothing to change or record
        return SetActivation(indicator_set=current.indicator_set)
    moved = 0
    released: IndicatorSet | None = None
    followed = AssignmentsFollowed()
    current_set = current.indicator_set if current else None
    if current and current.indicator_set_id != indicator_set.pk:
        # this kind's assessments opened on the current set follow it when untouched (another kind's may share
        # the set: they stay on it)
        moved = assessments_move_to_set(
            cycle=cycle, unit_kind=kind, old=current.indicator_set, new=indicator_set, actor=actor
        )
        # the appraisal team's areas follow, by code (each assignment changed audited)
        followed = appraisal_assignments_follow_set(cycle=cycle, unit_kind=kind, old=current.indicator_set,
                                                    new=indicator_set, actor=actor)
        current.indicator_set = indicator_set
        current.save(update_fields=["indicator_set"])
        released = current_set
    elif current is None:
        CycleSet.objects.create(cycle=cycle, unit_kind=kind, indicator_set=indicator_set)
    old_status = indicator_set.status
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(status=IndicatorSet.Status.ACTIVE)
    indicator_set.status = IndicatorSet.Status.ACTIVE
    _audit_set(
        actor,
        "indicator_set.activate",
        indicator_set,
        {
            "status": {"old": old_status, "new": indicator_set.status},
            "cycle": {"old": None, "new": cycle.year},
            "unit_kind": {"old": None, "new": kind.code},
            "replaced": {"old": old_key, "new": indicator_set.key},
            **({"units": {"old": None, "new": moved}} if moved else {}),
        },
    )
    back_to_draft = released is not None and indicator_set_back_to_draft_if_unused(
        indicator_set=released, replacement=SetReplaced(by_key=indicator_set.key, cycle_year=cycle.year,
                                                        unit_kind_code=kind.code),
        actor=actor)
    return SetActivation(indicator_set=indicator_set, replaced=released, moved=moved, assignments=followed,
                         back_to_draft=back_to_draft)


@dataclass(frozen=True)
class SetReplaced:
    """A replacement of a set for a unit kind in a cycle, as `indicator_set.activate` records it (its `replaced`,
    `cycle` and `unit_kind`): the set that replaced it by key, the cycle by year, the kind by code."""

    by_key: str
    cycle_year: int | None
    unit_kind_code: str | None


def indicator_set_back_to_draft_if_unused(
    *, indicator_set: IndicatorSet, replacement: SetReplaced, actor: Any, reason: str = ""
) -> bool:
    """After `indicator_set` was replaced (`replacement`): an active set that no cycle uses any more and no
    assessment is opened on goes back to draft, so that it can be edited or deleted. It was never scored (a
    replacement is refused while an assessment on it has work, and its assessments moved to the new set). Audited
    as `indicator_set.back_to_draft` (with `reason` when given). Returns whether it went back. Called right after a
    replacement (`indicator_set_activate`) and for the sets replaced before that (`sets_back_to_draft` command:
    the caller locks the set's row first)."""
    if (
        indicator_set.status != IndicatorSet.Status.ACTIVE
        or indicator_set.cycle_sets.exists()
        or Assessment.objects.filter(indicator_set=indicator_set).exists()
    ):
        return False
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(status=IndicatorSet.Status.DRAFT)
    indicator_set.status = IndicatorSet.Status.DRAFT
    _audit_set(
        actor,
        "indicator_set.back_to_draft",
        indicator_set,
        {
            "status": {"old": IndicatorSet.Status.ACTIVE, "new": IndicatorSet.Status.DRAFT},
            "cycle": {"old": replacement.cycle_year, "new": None},
            "unit_kind": {"old": replacement.unit_kind_code, "new": None},
            "replaced": {"old": indicator_set.key, "new": replacement.by_key},
        },
        reason,
    )
    return True


@transaction.atomic
def indicator_set_delete(*, indicator_set: IndicatorSet, actor: Any) -> None:
    """Delete a draft set that nothing uses. One in use is refused (`set_frozen`, as every write to it) with a
    message of its own: why it cannot be deleted and what to do instead, naming the cycles it is applied to."""
    if set_is_frozen(indicator_set):
        cycles = sorted({cs.cycle.name for cs in indicator_set.cycle_sets.select_related("cycle")})
        raise StateConflict(
            MSG_SET_IN_USE_DELETE % {"key": indicator_set.key, "cycles": f" ({'; '.join(cycles)})" if cycles else ""},
            code="set_frozen",  # the API documents this code for a set in use, whatever is refused
        )
    key, pk = indicator_set.key, indicator_set.pk
    indicator_set.delete()
    audit_record(
        actor=actor,
        action="indicator_set.delete",
        object_type="IndicatorSet",
        object_id=pk,
        changes={"key": {"old": key, "new": None}},
    )
