"""Administration writes (Sở Nội vụ): indicator sets and their tree, mappings, units, cycles, users.

Each service is one transaction, takes the acting administrator, validates everything before writing
and leaves one audit record per change. A set that a cycle uses is frozen: a change needs a clone.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scoring import engine
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorMapping,
    IndicatorSet,
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
    UnitSuccession,
)
from scoring.services import audit_record, cycle_create, cycle_set_phase
from scoring.text import user_text

MSG_FROZEN = _(
    "Bộ chỉ số «%(key)s» đang được kỳ đánh giá sử dụng nên không sửa trực tiếp được; "
    "hãy nhân bản thành phiên bản mới rồi sửa bản đó."
)
INDICATOR_FIELDS = (
    "code",
    "name",
    "kind",
    "max_points",
    "floor",
    "method",
    "params",
    "evidence_required",
    "allow_not_applicable",
    "guidance",
    "source",
    "coordinating_department",
)
SET_FIELDS = ("name", "decision_ref", "standard_max", "index_mode", "bonus_cap", "penalty_cap", "source_note")


def nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value if value is not None else "")).strip()


def to_points(raw: Any, *, label: str) -> Decimal:
    """A number typed by a person ("0,5" or "0.5"); a clear Vietnamese refusal otherwise."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = nfc(raw).replace(",", ".")
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationFailed(
                _("%(label)s «%(raw)s» không phải là số.") % {"label": label, "raw": raw}, code="not_a_number"
            ) from None
    if not value.is_finite() or abs(value) >= Decimal("100000"):
        raise ValidationFailed(_("%(label)s không hợp lệ.") % {"label": label}, code="not_a_number")
    return value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value


def _display(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def set_is_frozen(indicator_set: IndicatorSet) -> bool:
    return (
        indicator_set.status != IndicatorSet.Status.DRAFT
        or indicator_set.cycle_sets.exists()
        or Assessment.objects.filter(indicator_set=indicator_set).exists()
    )


def _ensure_editable(indicator_set: IndicatorSet) -> None:
    if set_is_frozen(indicator_set):
        raise StateConflict(MSG_FROZEN % {"key": indicator_set.key}, code="set_frozen")


def _audit_set(
    actor: Any, action: str, indicator_set: IndicatorSet, changes: Mapping[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="IndicatorSet",
        object_id=indicator_set.pk,
        changes=changes,
        reason=reason,
    )


# --- indicator sets --------------------------------------------------------------------------------------


def _check_set_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {
        "name": user_text(data.get("name"), field="name"),
        "decision_ref": user_text(data.get("decision_ref"), field="decision_ref"),
        "standard_max": to_points(data.get("standard_max") or "100", label=_("Điểm chuẩn")),
        "index_mode": data.get("index_mode") or IndicatorSet.IndexMode.POINTS,
        "bonus_cap": None,
        "penalty_cap": None,
        "source_note": nfc(data.get("source_note")),
    }
    for name, label in (("bonus_cap", _("Trần điểm cộng")), ("penalty_cap", _("Trần điểm trừ"))):
        raw = data.get(name)
        if raw not in (None, ""):
            clean[name] = to_points(raw, label=label)
            if clean[name] < 0:
                raise ValidationFailed(_("%(label)s không được âm.") % {"label": label})
    if not clean["name"]:
        raise ValidationFailed(_("Hãy nhập tên bộ chỉ số."), code="name_required")
    if clean["standard_max"] <= 0:
        raise ValidationFailed(_("Điểm chuẩn phải lớn hơn 0."))
    if clean["index_mode"] not in IndicatorSet.IndexMode.values:
        raise ValidationFailed(_("Cách tính chỉ số không hợp lệ."))
    return clean


def _check_identity(*, key: str, year: int, unit_kind: UnitKind, version: int) -> None:
    if not key:
        raise ValidationFailed(_("Hãy nhập mã bộ chỉ số."), code="key_required")
    if IndicatorSet.objects.filter(key=key).exists():
        raise ValidationFailed(_("Bộ chỉ số mã «%(key)s» đã tồn tại.") % {"key": key}, code="duplicate_key")
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
    key = nfc(key)
    _check_identity(key=key, year=year, unit_kind=unit_kind, version=version)
    meta = _check_set_meta(data)
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


@transaction.atomic
def indicator_set_clone(
    *, source: IndicatorSet, key: str, year: int, actor: Any, name: str = "", decision_ref: str | None = None
) -> IndicatorSet:
    """Copy a set with its whole tree into a new draft (a new year, or a new version of the same year)."""
    key = nfc(key)
    version = next_version(year=year, unit_kind=source.unit_kind)
    _check_identity(key=key, year=year, unit_kind=source.unit_kind, version=version)
    clone = IndicatorSet.objects.create(
        key=key,
        year=year,
        version=version,
        unit_kind=source.unit_kind,
        name=nfc(name) or source.name,
        decision_ref=source.decision_ref if decision_ref is None else nfc(decision_ref),
        standard_max=source.standard_max,
        index_mode=source.index_mode,
        bonus_cap=source.bonus_cap,
        penalty_cap=source.penalty_cap,
        classification_bands=list(source.classification_bands or []),
        source_note=source.source_note,
        status=IndicatorSet.Status.DRAFT,
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
def indicator_set_update(*, indicator_set: IndicatorSet, data: Mapping[str, Any], actor: Any) -> IndicatorSet:
    """Change a draft set's name, decision, standard maximum, caps and classification bands."""
    _ensure_editable(indicator_set)
    meta = _check_set_meta(data)
    if "classification_bands" in data:
        meta["classification_bands"] = list(data["classification_bands"])
    changes = _assign(indicator_set, meta)
    indicator_set.save()
    if changes:
        _audit_set(actor, "indicator_set.update", indicator_set, changes)
    return indicator_set


@transaction.atomic
def indicator_set_activate(*, indicator_set: IndicatorSet, cycle: Cycle, actor: Any) -> IndicatorSet:
    """Use a valid set for its unit kind in a cycle; from then on it is frozen."""
    from scoring.administration.selectors import indicator_set_report

    report = indicator_set_report(indicator_set=indicator_set)
    if not report.ok:
        raise ValidationFailed(
            _("Bộ chỉ số còn %(n)s lỗi; chưa thể áp dụng.") % {"n": len(report.problems)},
            code="set_invalid",
            details=report.problems,
        )
    if cycle.year != indicator_set.year:
        raise ValidationFailed(
            _("Bộ chỉ số năm %(a)s không dùng được cho kỳ đánh giá năm %(b)s.")
            % {"a": indicator_set.year, "b": cycle.year}
        )
    current = (
        CycleSet.objects.filter(cycle=cycle, unit_kind=indicator_set.unit_kind).select_related("indicator_set").first()
    )
    old_key = current.indicator_set.key if current else None
    if current and current.indicator_set_id != indicator_set.pk:
        if Assessment.objects.filter(cycle=cycle, indicator_set=current.indicator_set).exists():
            raise StateConflict(
                _("Kỳ đánh giá đã mở đánh giá theo bộ «%(key)s»; không thay bộ khác được.") % {"key": old_key},
                code="cycle_in_use",
            )
        current.indicator_set = indicator_set
        current.save(update_fields=["indicator_set"])
    elif current is None:
        CycleSet.objects.create(cycle=cycle, unit_kind=indicator_set.unit_kind, indicator_set=indicator_set)
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
            "replaced": {"old": old_key, "new": indicator_set.key},
        },
    )
    return indicator_set


@transaction.atomic
def indicator_set_delete(*, indicator_set: IndicatorSet, actor: Any) -> None:
    """Delete a draft set that nothing uses."""
    _ensure_editable(indicator_set)
    key, pk = indicator_set.key, indicator_set.pk
    indicator_set.delete()
    audit_record(
        actor=actor,
        action="indicator_set.delete",
        object_type="IndicatorSet",
        object_id=pk,
        changes={"key": {"old": key, "new": None}},
    )


# --- the tree ------------------------------------------------------------------------------------------


def _renumber(indicator_set: IndicatorSet) -> None:
    """Rewrite `order` (pre-order through the tree, siblings by their order) and `level` of every node."""
    nodes = list(indicator_set.indicators.order_by("order", "pk"))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    changed: list[Indicator] = []
    counter = 0

    def walk(parent_id: int | None, level: int) -> None:
        nonlocal counter
        for node in children.get(parent_id, []):
            counter += 1
            leaf = node.pk not in children
            if (node.order, node.level, node.is_leaf) != (counter, level, leaf):
                node.order, node.level, node.is_leaf = counter, level, leaf
                changed.append(node)
            walk(node.pk, level + 1)

    walk(None, 1)
    Indicator.objects.bulk_update(changed, ["order", "level", "is_leaf"])


def clean_indicator(
    *, indicator_set: IndicatorSet, data: Mapping[str, Any], leaf: bool, instance: Indicator | None = None
) -> dict[str, Any]:
    """The node's fields, checked: unique code, numbers, kind and (for a leaf) the method, by the engine."""
    clean: dict[str, Any] = {
        "code": nfc(data.get("code")),
        "name": user_text(data.get("name"), field="name"),
        "kind": data.get("kind") or Indicator.Kind.NORMAL,
        "max_points": to_points(data.get("max_points"), label=_("Điểm tối đa")),
        "floor": to_points(
            data.get("floor") if data.get("floor") not in (None, "") else "0", label=_("Điểm tối thiểu")
        ),
        "method": (data.get("method") or "") if leaf else "",
        "params": dict(data.get("params") or {}) if leaf else {},
        "evidence_required": bool(data.get("evidence_required", leaf)),
        "allow_not_applicable": bool(data.get("allow_not_applicable", False)),
        "guidance": user_text(data.get("guidance"), field="guidance"),
        "source": data.get("source") or Indicator.Source.SELF,
        "coordinating_department": user_text(data.get("coordinating_department"), field="coordinating_department"),
    }
    if not clean["code"]:
        raise ValidationFailed(_("Hãy nhập mã tiêu chí."), code="code_required")
    if len(clean["code"]) > 30:
        raise ValidationFailed(_("Mã tiêu chí dài quá 30 ký tự."))
    if not clean["name"]:
        raise ValidationFailed(_("Hãy nhập nội dung tiêu chí."), code="name_required")
    clash = indicator_set.indicators.filter(code=clean["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(
            _("Mã «%(code)s» đã có trong bộ chỉ số.") % {"code": clean["code"]}, code="duplicate_code"
        )
    if clean["kind"] not in Indicator.Kind.values:
        raise ValidationFailed(_("Loại tiêu chí không hợp lệ."), code="invalid_kind")
    if clean["source"] not in Indicator.Source.values:
        raise ValidationFailed(_("Nguồn điểm không hợp lệ."))
    if clean["max_points"] < 0:
        raise ValidationFailed(_("Điểm tối đa không được âm."), code="negative_max")
    if clean["floor"] > clean["max_points"]:
        raise ValidationFailed(_("Điểm tối thiểu không được lớn hơn điểm tối đa."), code="floor_above_max")
    if leaf:
        if clean["method"] not in Indicator.Method.values:
            raise ValidationFailed(
                _("Phương pháp chấm «%(m)s» không hợp lệ.") % {"m": clean["method"] or "—"}, code="unknown_method"
            )
        try:
            engine.validate_params(
                engine.LeafRule(
                    method=clean["method"],
                    params=clean["params"],
                    max_points=clean["max_points"],
                    floor=clean["floor"],
                    kind=clean["kind"],
                )
            )
        except engine.EngineError as exc:
            raise ValidationFailed(exc.message, code=exc.code, details={"field": exc.field}) from None
    return clean


@transaction.atomic
def indicator_create(
    *, indicator_set: IndicatorSet, parent: Indicator | None, data: Mapping[str, Any], actor: Any
) -> Indicator:
    """Add a node as the last child of `parent` (an area when None). A leaf parent becomes a group:
    its method and parameters are dropped (only leaves are scored)."""
    _ensure_editable(indicator_set)
    if parent is not None and parent.indicator_set_id != indicator_set.pk:
        raise ValidationFailed(_("Tiêu chí cha không thuộc bộ chỉ số này."))
    clean = clean_indicator(indicator_set=indicator_set, data=data, leaf=True)
    if parent is not None and parent.is_leaf:
        Indicator.objects.filter(pk=parent.pk).update(is_leaf=False, method="", params={})
    last = indicator_set.indicators.aggregate(m=Max("order"))["m"] or 0
    node = Indicator.objects.create(
        indicator_set=indicator_set,
        parent=parent,
        order=last + 1,
        level=parent.level + 1 if parent else 1,
        is_leaf=True,
        **clean,
    )
    _renumber(indicator_set)
    node.refresh_from_db()
    audit_record(
        actor=actor,
        action="indicator.create",
        object_type="Indicator",
        object_id=node.pk,
        changes={f: {"old": None, "new": _display(clean[f])} for f in ("code", "name", "max_points", "method")},
    )
    return node


@transaction.atomic
def indicator_update(*, indicator: Indicator, data: Mapping[str, Any], actor: Any) -> Indicator:
    """Change a node's fields; a leaf's method and parameters are validated by the engine."""
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    clean = clean_indicator(indicator_set=indicator_set, data=data, leaf=indicator.is_leaf, instance=indicator)
    changes = _assign(indicator, clean)
    indicator.save()
    if changes:
        audit_record(
            actor=actor, action="indicator.update", object_type="Indicator", object_id=indicator.pk, changes=changes
        )
    return indicator


def _make_leaf_if_childless(parent_id: int | None) -> None:
    """A group left without children becomes a leaf scored by hand (the report shows it for review)."""
    if parent_id is None or Indicator.objects.filter(parent_id=parent_id).exists():
        return
    Indicator.objects.filter(pk=parent_id, method="").update(is_leaf=True, method=Indicator.Method.MANUAL, params={})


@transaction.atomic
def indicator_move(*, indicator: Indicator, direction: str, actor: Any) -> Indicator:
    """Swap a node with its previous ("up") or next ("down") sibling."""
    _ensure_editable(indicator.indicator_set)
    siblings = list(
        Indicator.objects.filter(indicator_set_id=indicator.indicator_set_id, parent_id=indicator.parent_id).order_by(
            "order"
        )
    )
    at = next(i for i, s in enumerate(siblings) if s.pk == indicator.pk)
    other = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        return indicator
    siblings[at], siblings[other] = siblings[other], siblings[at]
    # Give siblings the orders they held between them, then renumber the subtrees after them.
    orders = sorted(s.order for s in siblings)
    for s, order in zip(siblings, orders, strict=True):
        s.order = order
    Indicator.objects.bulk_update(siblings, ["order"])
    _renumber(indicator.indicator_set)
    audit_record(
        actor=actor,
        action="indicator.move",
        object_type="Indicator",
        object_id=indicator.pk,
        changes={"position": {"old": at + 1, "new": other + 1}},
    )
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_reparent(*, indicator: Indicator, new_parent: Indicator | None, actor: Any) -> Indicator:
    """Move a node (with its subtree) under another parent, as its last child. Refuses a move into itself."""
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    if new_parent is not None:
        if new_parent.indicator_set_id != indicator_set.pk:
            raise ValidationFailed(_("Tiêu chí cha không thuộc bộ chỉ số này."))
        ancestor: Indicator | None = new_parent
        while ancestor is not None:
            if ancestor.pk == indicator.pk:
                raise ValidationFailed(
                    _("Không thể chuyển «%(code)s» vào chính nó hoặc tiêu chí con của nó (vòng lặp cha – con).")
                    % {"code": indicator.code},
                    code="tree_cycle",
                )
            ancestor = ancestor.parent
    old_parent_id = indicator.parent_id
    old_code = indicator.parent.code if indicator.parent else None
    if new_parent is not None and new_parent.is_leaf:
        Indicator.objects.filter(pk=new_parent.pk).update(is_leaf=False, method="", params={})
    last = indicator_set.indicators.aggregate(m=Max("order"))["m"] or 0
    Indicator.objects.filter(pk=indicator.pk).update(parent=new_parent, order=last + 1)
    _make_leaf_if_childless(old_parent_id)
    _renumber(indicator_set)
    audit_record(
        actor=actor,
        action="indicator.reparent",
        object_type="Indicator",
        object_id=indicator.pk,
        changes={"parent": {"old": old_code, "new": new_parent.code if new_parent else None}},
    )
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, actor: Any) -> None:
    """Delete a node and its subtree."""
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    parent_id, pk, code = indicator.parent_id, indicator.pk, indicator.code
    removed = 1 + _descendant_count(indicator)
    indicator.delete()
    _make_leaf_if_childless(parent_id)
    _renumber(indicator_set)
    audit_record(
        actor=actor,
        action="indicator.delete",
        object_type="Indicator",
        object_id=pk,
        changes={"code": {"old": code, "new": None}, "nodes": {"old": removed, "new": 0}},
    )


def _descendant_count(indicator: Indicator) -> int:
    return sum(1 + _descendant_count(child) for child in indicator.children.all())


# --- renumbered criteria -----------------------------------------------------------------------------------


@transaction.atomic
def indicator_mapping_save(
    *, from_set: IndicatorSet, to_set: IndicatorSet, from_code: str, to_code: str, actor: Any
) -> IndicatorMapping:
    """Record that criterion `from_code` of the old set is `to_code` in the new one (replacing an earlier pairing)."""
    from_code, to_code = nfc(from_code), nfc(to_code)
    if from_set.pk == to_set.pk:
        raise ValidationFailed(_("Hãy chọn hai bộ chỉ số khác nhau."))
    if not from_set.indicators.filter(code=from_code).exists():
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": from_set.key, "code": from_code})
    if not to_set.indicators.filter(code=to_code).exists():
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": to_set.key, "code": to_code})
    existing = IndicatorMapping.objects.filter(from_set=from_set, to_set=to_set)
    old = existing.filter(from_code=from_code).first()
    existing.filter(from_code=from_code).delete()
    existing.filter(to_code=to_code).delete()
    mapping = IndicatorMapping.objects.create(from_set=from_set, to_set=to_set, from_code=from_code, to_code=to_code)
    audit_record(
        actor=actor,
        action="indicator_mapping.save",
        object_type="IndicatorMapping",
        object_id=mapping.pk,
        changes={
            "from": {"old": None, "new": f"{from_set.key}:{from_code}"},
            "to": {"old": old.to_code if old else None, "new": f"{to_set.key}:{to_code}"},
        },
    )
    return mapping


@transaction.atomic
def indicator_mapping_delete(*, mapping: IndicatorMapping, actor: Any) -> None:
    pk, text = mapping.pk, str(mapping)
    mapping.delete()
    audit_record(
        actor=actor,
        action="indicator_mapping.delete",
        object_type="IndicatorMapping",
        object_id=pk,
        changes={"mapping": {"old": text, "new": None}},
    )


# --- units -----------------------------------------------------------------------------------------------


def _clean_unit(data: Mapping[str, Any], *, instance: Unit | None = None) -> dict[str, Any]:
    clean: dict[str, Any] = {
        "code": nfc(data.get("code")).lower(),
        "name": user_text(data.get("name"), field="name"),
        "short_name": user_text(data.get("short_name"), field="short_name"),
        "kind": data.get("kind"),
        "ranking_group": data.get("ranking_group"),
        "parent": data.get("parent"),
    }
    if not clean["code"] or not clean["name"]:
        raise ValidationFailed(_("Hãy nhập mã và tên đơn vị."), code="unit_required")
    if not isinstance(clean["kind"], UnitKind):
        raise ValidationFailed(_("Hãy chọn loại đơn vị."), code="unit_kind_required")
    clash = Unit.objects.filter(code=clean["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(_("Mã đơn vị «%(code)s» đã tồn tại.") % {"code": clean["code"]}, code="duplicate_unit")
    parent: Unit | None = clean["parent"]
    while instance is not None and parent is not None:
        if parent.pk == instance.pk:
            raise ValidationFailed(_("Đơn vị cấp trên không thể là chính nó hoặc đơn vị cấp dưới của nó."))
        parent = parent.parent
    return clean


@transaction.atomic
def unit_create(*, data: Mapping[str, Any], actor: Any) -> Unit:
    clean = _clean_unit(data)
    unit = Unit.objects.create(**clean)
    audit_record(
        actor=actor,
        action="unit.create",
        object_type="Unit",
        object_id=unit.pk,
        unit=unit,
        changes={"name": {"old": None, "new": unit.name}, "code": {"old": None, "new": unit.code}},
    )
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, data: Mapping[str, Any], actor: Any) -> Unit:
    """Rename, regroup or re-parent a unit (its past assessments keep pointing at it)."""
    clean = _clean_unit(data, instance=unit)
    changes = {
        name: {"old": str(getattr(unit, name) or ""), "new": str(value or "")}
        for name, value in clean.items()
        if getattr(unit, name) != value
    }
    for name, value in clean.items():
        setattr(unit, name, value)
    unit.save()
    if changes:
        audit_record(
            actor=actor, action="unit.update", object_type="Unit", object_id=unit.pk, unit=unit, changes=changes
        )
    return unit


@transaction.atomic
def unit_set_active(*, unit: Unit, active: bool, actor: Any, reason: str = "") -> Unit:
    if unit.active != active:
        Unit.objects.filter(pk=unit.pk).update(active=active)
        audit_record(
            actor=actor,
            action="unit.activate" if active else "unit.deactivate",
            object_type="Unit",
            object_id=unit.pk,
            unit=unit,
            changes={"active": {"old": unit.active, "new": active}},
            reason=nfc(reason),
        )
        unit.active = active
    return unit


@transaction.atomic
def unit_merge(*, unit: Unit, into: Unit, actor: Any, reason: str = "") -> UnitSuccession:
    """Merge `unit` into `into`: the old unit is deactivated and its people move to the successor; its past
    assessments stay its own (history kept), and the succession is recorded."""
    if unit.pk == into.pk:
        raise ValidationFailed(_("Hãy chọn hai đơn vị khác nhau."), code="same_unit")
    if not into.active:
        raise ValidationFailed(_("Đơn vị nhận sáp nhập «%(u)s» đã ngừng hoạt động.") % {"u": into})
    if UnitSuccession.objects.filter(predecessor=unit).exists():
        raise ValidationFailed(_("Đơn vị «%(u)s» đã được sáp nhập trước đây.") % {"u": unit}, code="already_merged")
    open_states = [
        Assessment.State.DRAFT,
        Assessment.State.SUBMITTED,
        Assessment.State.IN_APPRAISAL,
        Assessment.State.EXPLANATION,
    ]
    if Assessment.objects.filter(unit=unit, state__in=open_states).exclude(cycle__phase=Cycle.Phase.PUBLISHED).exists():
        raise StateConflict(
            _("Đơn vị «%(u)s» còn bản đánh giá đang thực hiện; hãy hoàn tất hoặc đóng kỳ trước khi sáp nhập.")
            % {"u": unit},
            code="unit_busy",
        )
    succession = UnitSuccession.objects.create(predecessor=unit, successor=into, reason=nfc(reason))
    moved = 0
    for role in RoleAssignment.objects.filter(unit=unit):
        if not RoleAssignment.objects.filter(user_id=role.user_id, role=role.role, unit=into).exists():
            RoleAssignment.objects.create(user_id=role.user_id, role=role.role, unit=into)
            moved += 1
    RoleAssignment.objects.filter(unit=unit).delete()
    Unit.objects.filter(pk=unit.pk).update(active=False)
    unit.active = False
    audit_record(
        actor=actor,
        action="unit.merge",
        object_type="Unit",
        object_id=unit.pk,
        unit=unit,
        changes={
            "active": {"old": True, "new": False},
            "merged_into": {"old": None, "new": into.code},
            "roles_moved": {"old": 0, "new": moved},
        },
        reason=nfc(reason),
    )
    return succession


def _coded_create(model: Any, *, action: str, code: str, name: str, actor: Any) -> Any:
    """Create a unit kind or a ranking group (both: unique code, name, next order), audited."""
    code, name = nfc(code).lower(), nfc(name)
    if not code or not name:
        raise ValidationFailed(_("Hãy nhập mã và tên."))
    if model.objects.filter(code=code).exists():
        raise ValidationFailed(_("Mã «%(code)s» đã tồn tại.") % {"code": code})
    order = (model.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    obj = model.objects.create(code=code, name=name, order=order)
    audit_record(
        actor=actor,
        action=action,
        object_type=model.__name__,
        object_id=obj.pk,
        changes={"name": {"old": None, "new": name}},
    )
    return obj


@transaction.atomic
def unit_kind_create(*, code: str, name: str, actor: Any) -> UnitKind:
    kind: UnitKind = _coded_create(UnitKind, action="unit_kind.create", code=code, name=name, actor=actor)
    return kind


@transaction.atomic
def ranking_group_create(*, code: str, name: str, actor: Any) -> RankingGroup:
    group: RankingGroup = _coded_create(RankingGroup, action="ranking_group.create", code=code, name=name, actor=actor)
    return group


def _coded_rename(obj: Any, *, action: str, name: str, actor: Any) -> Any:
    """Rename a unit kind or a ranking group, audited. The code stays: import files and the API name them by it."""
    name = nfc(name)
    if not name:
        raise ValidationFailed(_("Hãy nhập tên."), code="name_required")
    if len(name) > 200:
        raise ValidationFailed(_("Tên dài quá 200 ký tự."), code="name_too_long")
    old = obj.name
    if name == old:
        return obj
    type(obj).objects.filter(pk=obj.pk).update(name=name)
    obj.name = name
    audit_record(actor=actor, action=action, object_type=type(obj).__name__, object_id=obj.pk,
                 changes={"name": {"old": old, "new": name}})
    return obj


@transaction.atomic
def unit_kind_rename(*, kind: UnitKind, name: str, actor: Any) -> UnitKind:
    renamed: UnitKind = _coded_rename(kind, action="unit_kind.rename", name=name, actor=actor)
    return renamed


@transaction.atomic
def ranking_group_rename(*, group: RankingGroup, name: str, actor: Any) -> RankingGroup:
    renamed: RankingGroup = _coded_rename(group, action="ranking_group.rename", name=name, actor=actor)
    return renamed


# --- cycles ----------------------------------------------------------------------------------------------

DEADLINE_FIELDS = ("self_assessment_deadline", "appraisal_deadline", "explanation_deadline", "finalisation_deadline")


@transaction.atomic
def cycle_open(
    *, year: int, name: str, sets: Mapping[UnitKind, IndicatorSet], deadlines: Mapping[str, datetime | None], actor: Any
) -> Cycle:
    """Create a cycle with a valid set per unit kind (each set is frozen from then on)."""
    from scoring.administration.selectors import indicator_set_report

    for kind, indicator_set in sets.items():
        if indicator_set.unit_kind_id != kind.pk:
            raise ValidationFailed(
                _("Bộ «%(key)s» không dành cho loại đơn vị «%(kind)s».") % {"key": indicator_set.key, "kind": kind}
            )
        if indicator_set.year != year:
            raise ValidationFailed(
                _("Bộ «%(key)s» không phải bộ chỉ số năm %(year)s.") % {"key": indicator_set.key, "year": year}
            )
        if not indicator_set_report(indicator_set=indicator_set).ok:
            raise ValidationFailed(_("Bộ «%(key)s» chưa hợp lệ; xem báo cáo kiểm tra.") % {"key": indicator_set.key})
    _check_deadlines(deadlines)
    return cycle_create(
        year=year,
        name=name,
        sets=dict(sets),
        actor=actor,
        **{k: v for k, v in deadlines.items() if k in DEADLINE_FIELDS},
    )


def _check_deadlines(deadlines: Mapping[str, datetime | None]) -> None:
    given = [deadlines.get(name) for name in DEADLINE_FIELDS]
    known = [d for d in given if d is not None]
    if any(b < a for a, b in itertools.pairwise(known)):
        raise ValidationFailed(_("Các hạn phải theo đúng thứ tự các giai đoạn."), code="deadline_order")


@transaction.atomic
def cycle_update_deadlines(*, cycle: Cycle, deadlines: Mapping[str, datetime | None], actor: Any) -> Cycle:
    _check_deadlines(deadlines)
    changes: dict[str, Any] = {}
    for name in DEADLINE_FIELDS:
        new = deadlines.get(name)
        old = getattr(cycle, name)
        if old != new:
            changes[name] = {"old": old.isoformat() if old else None, "new": new.isoformat() if new else None}
            setattr(cycle, name, new)
    if changes:
        cycle.save(update_fields=list(changes))
        audit_record(actor=actor, action="cycle.deadlines", object_type="Cycle", object_id=cycle.pk, changes=changes)
    return cycle


def cycle_move_phase(*, cycle: Cycle, phase: str, actor: Any) -> Cycle:
    """Open the next phase (or go back one); closing a phase is opening the next."""
    phases = list(Cycle.Phase.values)
    if phase not in phases or abs(phases.index(phase) - phases.index(cycle.phase)) != 1:
        raise ValidationFailed(
            _("Chỉ chuyển sang giai đoạn kế tiếp hoặc quay lại giai đoạn trước."),
            code="phase_not_adjacent",
            details={"field": "phase"},
        )
    return cycle_set_phase(cycle=cycle, phase=phase, actor=actor)


@transaction.atomic
def assessment_extend_deadline(
    *, assessment: Assessment, deadline: datetime | None, actor: Any, reason: str
) -> Assessment:
    """Give one unit its own self-assessment deadline (or remove it with None)."""
    if not nfc(reason):
        raise ValidationFailed(_("Hãy ghi lý do gia hạn."), code="reason_required")
    old = assessment.deadline_override
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=deadline)
    assessment.deadline_override = deadline
    audit_record(
        actor=actor,
        action="assessment.extend_deadline",
        object_type="Assessment",
        object_id=assessment.pk,
        unit=assessment.unit,
        assessment=assessment,
        changes={
            "deadline_override": {
                "old": old.isoformat() if old else None,
                "new": deadline.isoformat() if deadline else None,
            }
        },
        reason=nfc(reason),
    )
    return assessment


# --- users and roles -------------------------------------------------------------------------------------

UNIT_ROLES = {RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD}


def _check_role(role: str, unit: Unit | None) -> None:
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role}, code="invalid_role")
    if role in UNIT_ROLES and unit is None:
        raise ValidationFailed(_("Vai trò này cần chọn đơn vị."), code="unit_required")
    if unit is not None and not unit.active:
        raise ValidationFailed(_("Đơn vị «%(u)s» đã ngừng hoạt động.") % {"u": unit})


@transaction.atomic
def user_create(
    *, username: str, full_name: str, email: str, password: str, role: str, unit: Unit | None, actor: Any
) -> Any:
    """Create an account with its first role (a unit's editor or head needs the unit)."""
    user_model = get_user_model()
    username = nfc(username)
    if not username:
        raise ValidationFailed(_("Hãy nhập tên đăng nhập."), code="username_required")
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("Tên đăng nhập «%(u)s» đã có.") % {"u": username}, code="duplicate_user")
    _check_role(role, unit)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password") from None
    parts = nfc(full_name).rsplit(" ", 1)
    user = user_model.objects.create_user(
        username=username,
        email=nfc(email),
        password=password,
        first_name=parts[0] if len(parts) > 1 else "",
        last_name=parts[-1],
    )
    RoleAssignment.objects.create(user=user, role=role, unit=unit if role in UNIT_ROLES or unit else None)
    audit_record(
        actor=actor,
        action="user.create",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes={"username": {"old": None, "new": username}, "role": {"old": None, "new": role}},
    )
    return user


@transaction.atomic
def user_set_active(*, user: Any, active: bool, actor: Any) -> Any:
    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationFailed(_("Không thể tự khoá tài khoản của chính mình."), code="self_deactivate")
    if user.is_active != active:
        old = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            object_type="User",
            object_id=user.pk,
            changes={"is_active": {"old": old, "new": active}},
        )
    return user


@transaction.atomic
def role_assign(*, user: Any, role: str, unit: Unit | None, actor: Any) -> RoleAssignment:
    _check_role(role, unit)
    if role not in UNIT_ROLES and role != RoleAssignment.Role.APPRAISER and role != RoleAssignment.Role.APPRAISAL_LEAD:
        unit = None
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationFailed(_("Người dùng đã có vai trò này."), code="duplicate_role")
    assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
    audit_record(
        actor=actor,
        action="role.assign",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes={"role": {"old": None, "new": role}, "unit": {"old": None, "new": unit.code if unit else None}},
    )
    return assignment


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, actor: Any) -> None:
    if assignment.role == RoleAssignment.Role.ADMINISTRATOR and getattr(actor, "pk", None) == assignment.user_id:
        raise ValidationFailed(_("Không thể tự bỏ quyền quản trị của chính mình."), code="self_demote")
    user_id, role, unit = assignment.user_id, assignment.role, assignment.unit
    assignment.delete()
    audit_record(
        actor=actor,
        action="role.remove",
        object_type="User",
        object_id=user_id,
        unit=unit,
        changes={"role": {"old": role, "new": None}, "unit": {"old": unit.code if unit else None, "new": None}},
    )


# --- bulk imports (rows already read and checked for shape by administration.xlsx) -------------------------


@dataclass
class RowProblem:
    row: int
    messages: list[str] = field(default_factory=list)


def _formula_problems(row: Mapping[str, Any]) -> list[str]:
    """A cell that held a spreadsheet formula is refused (it is never evaluated)."""
    from scoring.administration.xlsx import Formula

    return [
        _("Ô «%(col)s» chứa công thức Excel; chỉ nhận giá trị.") % {"col": name}
        for name, value in row.items()
        if isinstance(value, Formula)
    ]


def _raise_rows(problems: list[RowProblem]) -> None:
    bad = [p for p in problems if p.messages]
    if bad:
        raise ValidationFailed(
            ngettext(
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                len(bad),
            )
            % {"n": len(bad)},
            code="invalid_rows",
            details=[{"row": p.row, "messages": p.messages} for p in bad],
        )


@transaction.atomic
def units_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create units from rows {row, code, name, short_name, kind, group, parent}; all rows valid or nothing."""
    rows = list(rows)
    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    existing = {u.code: u for u in Unit.objects.all()}
    seen: set[str] = set()
    problems: list[RowProblem] = []
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        code = nfc(row.get("code")).lower()
        if not code or not nfc(row.get("name")):
            p.messages.append(_("Thiếu mã hoặc tên đơn vị."))
        if code in existing or code in seen:
            p.messages.append(_("Mã đơn vị «%(code)s» bị trùng.") % {"code": code})
        seen.add(code)
        if nfc(row.get("kind")) not in kinds:
            p.messages.append(_("Loại đơn vị «%(k)s» không tồn tại.") % {"k": row.get("kind")})
        if nfc(row.get("group")) and nfc(row.get("group")) not in groups:
            p.messages.append(_("Khối xếp hạng «%(g)s» không tồn tại.") % {"g": row.get("group")})
        parent = nfc(row.get("parent")).lower()
        if parent and parent not in existing and parent not in seen:
            p.messages.append(_("Đơn vị cấp trên «%(p)s» không tồn tại (phải đứng trước).") % {"p": parent})
        problems.append(p)
    _raise_rows(problems)
    for row in rows:
        parent_code = nfc(row.get("parent")).lower()
        unit = Unit.objects.create(
            code=nfc(row["code"]).lower(),
            name=nfc(row["name"]),
            short_name=nfc(row.get("short_name")),
            kind=kinds[nfc(row["kind"])],
            ranking_group=groups.get(nfc(row.get("group"))),
            parent=existing.get(parent_code) if parent_code else None,
        )
        existing[unit.code] = unit
        audit_record(
            actor=actor,
            action="unit.create",
            object_type="Unit",
            object_id=unit.pk,
            unit=unit,
            changes={"name": {"old": None, "new": unit.name}},
            reason="import",
        )
    return len(rows)


@transaction.atomic
def users_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create users from rows {row, username, full_name, email, password, role, unit}; all valid or nothing."""
    rows = list(rows)
    user_model = get_user_model()
    units = {u.code: u for u in Unit.objects.filter(active=True)}
    taken = {name.lower() for name in user_model.objects.values_list("username", flat=True)}
    problems: list[RowProblem] = []
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        username = nfc(row.get("username"))
        if not username:
            p.messages.append(_("Thiếu tên đăng nhập."))
        elif username.lower() in taken:
            p.messages.append(_("Tên đăng nhập «%(u)s» bị trùng.") % {"u": username})
        taken.add(username.lower())
        unit_code = nfc(row.get("unit")).lower()
        unit = units.get(unit_code)
        if unit_code and unit is None:
            p.messages.append(_("Đơn vị «%(u)s» không tồn tại hoặc đã ngừng hoạt động.") % {"u": unit_code})
        role = nfc(row.get("role"))
        if role not in RoleAssignment.Role.values:
            p.messages.append(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role})
        elif role in UNIT_ROLES and unit is None:
            p.messages.append(_("Vai trò này cần mã đơn vị."))
        try:
            validate_password(str(row.get("password") or ""))
        except ValidationError as exc:
            p.messages.extend(exc.messages)
        problems.append(p)
    _raise_rows(problems)
    for row in rows:
        unit_code = nfc(row.get("unit")).lower()
        user_create(
            username=row["username"],
            full_name=row.get("full_name", ""),
            email=row.get("email", ""),
            password=str(row["password"]),
            role=nfc(row["role"]),
            unit=units.get(unit_code),
            actor=actor,
        )
    return len(rows)


# --- a set's tree from Excel (django-import-export) ---------------------------------------------------------


@dataclass
class TreeImport:
    """The outcome of an import or its dry run: per-row problems, warnings on the whole tree, rows read."""

    rows: int
    created: int = 0
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.row_errors


def indicator_set_tree_import(
    *, indicator_set: IndicatorSet, rows: Iterable[Mapping[str, Any]], actor: Any, dry_run: bool
) -> TreeImport:
    """Replace a draft set's whole tree with the rows of an Excel file (the official annex).

    Every row is checked first; the resource then imports inside a savepoint that is rolled back on a dry
    run or when any row failed, so nothing is written unless every row is valid.
    """
    import tablib

    from scoring.administration.resources import COLUMNS, IndicatorResource, clean_rows
    from scoring.administration.selectors import indicator_set_report

    rows = list(rows)
    with transaction.atomic():
        _ensure_editable(indicator_set)
        clean, errors = clean_rows(rows)
        outcome = TreeImport(rows=len(rows), dry_run=dry_run)
        if not rows:
            outcome.row_errors.append({"row": 0, "messages": [_("Tệp không có dòng dữ liệu nào.")]})
            return outcome
        headers = ["row", *COLUMNS]
        dataset = tablib.Dataset(*[[r[h] for h in headers] for r in clean], headers=headers)
        savepoint = transaction.savepoint()
        old_count = indicator_set.indicators.count()
        indicator_set.indicators.all().delete()
        resource = IndicatorResource(indicator_set=indicator_set, row_errors=errors)
        result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=False)
        for invalid in result.invalid_rows:
            messages = [str(m) for ms in invalid.error_dict.values() for m in ms]
            outcome.row_errors.append({"row": int(dataset[invalid.number - 1][0]), "messages": messages})
        for number, row_errors in result.row_errors():
            outcome.row_errors.append(
                {"row": int(dataset[number - 1][0]), "messages": [str(e.error) for e in row_errors]}
            )
        outcome.row_errors.sort(key=lambda e: e["row"])
        if outcome.ok:
            outcome.created = indicator_set.indicators.count()
            outcome.warnings = indicator_set_report(indicator_set=indicator_set).problems
        if dry_run or not outcome.ok:
            transaction.savepoint_rollback(savepoint)
            return outcome
        transaction.savepoint_commit(savepoint)
        _renumber(indicator_set)
        _audit_set(
            actor,
            "indicator_set.import_xlsx",
            indicator_set,
            {"indicators": {"old": old_count, "new": outcome.created}},
        )
    return outcome
