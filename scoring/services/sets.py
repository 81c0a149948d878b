"""Indicator sets: import a whole set from its JSON/Excel form, validated by the engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring import engine
from scoring.administration.validators import step_problem
from scoring.errors import (
    MSG_INVALID_SET,
    ValidationFailed,
    engine_text,
    in_language,
)
from scoring.models import (
    Indicator,
    IndicatorSet,
    UnitKind,
)
from scoring.services.common import POINTS_LIMIT, _nfc, audit_record, has_at_most_two_decimals, logger
from scoring.text import visible_text

VERSION_LIMIT = 1000  # a set's versions in one year for one kind: a few, never thousands


def _points(raw: Any, *, field: str, code: str, problems: list[str]) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "."))
    except (InvalidOperation, ValueError):
        problems.append(
            _("%(code)s: %(field)s «%(raw)s» không phải là số.") % {"code": code, "field": field, "raw": raw}
        )
        return Decimal("0")
    if not value.is_finite():
        problems.append(_("%(code)s: %(field)s phải là số hữu hạn.") % {"code": code, "field": field})
        return Decimal("0")
    if abs(value) >= POINTS_LIMIT or not has_at_most_two_decimals(value):
        # what the points columns hold (7 digits, 2 decimals): never a value the database would round or refuse
        problems.append(_("%(code)s: %(field)s phải nhỏ hơn 100.000 và có tối đa 2 chữ số thập phân.")
                        % {"code": code, "field": field})
        return Decimal("0")
    return value


def _one_line(raw: Any, *, code: str, problems: list[str]) -> str:
    """A name as the editor stores it (`visible_text`: one line, nothing hidden); what is wrong is a problem of
    the criterion (or the set) `code`."""
    try:
        return visible_text(raw, field="name")
    except ValidationFailed as exc:
        problems.append(f"{code}: {exc.message}")
        return _nfc(raw) or "?"


@transaction.atomic
def indicator_set_import(*, data: Mapping[str, Any], actor: Any) -> IndicatorSet:
    """Create a set and its whole tree from the set file format (docs/scoring-methods.md).

    Validates every leaf's method with the engine (and a direct-points leaf's maximum against its step, as the
    criterion editor does) and the tree's sums; writes nothing unless all is valid.
    """
    problems: list[str] = []
    key = _nfc(data.get("key"))
    if not key:
        problems.append(_("Thiếu mã bộ chỉ số (key)."))
    elif IndicatorSet.objects.filter(key=key).exists():
        problems.append(_("Bộ chỉ số mã «%(key)s» đã tồn tại.") % {"key": key})
    kind = UnitKind.objects.filter(code=data.get("unit_kind")).first()
    if kind is None:
        problems.append(_("Loại đơn vị «%(kind)s» không tồn tại.") % {"kind": data.get("unit_kind")})
    try:
        year = int(data.get("year", 0))
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        problems.append(_("Năm không hợp lệ."))
    try:
        version = int(data.get("version", 1))
    except (TypeError, ValueError):
        version = 0
    if not 1 <= version <= VERSION_LIMIT:
        problems.append(_("Phiên bản phải là số nguyên từ 1 đến %(n)s.") % {"n": VERSION_LIMIT})
    elif kind is not None and IndicatorSet.objects.filter(year=year, unit_kind=kind, version=version).exists():
        problems.append(
            _("Đã có bộ chỉ số năm %(year)s, phiên bản %(version)s cho loại đơn vị «%(kind)s».")
            % {"year": year, "version": version, "kind": kind}
        )

    flat: list[tuple[dict[str, Any], str | None, int]] = []

    def walk(nodes: Iterable[Mapping[str, Any]], parent_code: str | None, level: int, inherited: str) -> None:
        for raw in nodes:
            if not isinstance(raw, Mapping):
                problems.append(_("Mỗi tiêu chí phải là một đối tượng (có code, name…), không phải «%(v)s».")
                                % {"v": str(raw)[:40]})
                continue
            code = _nfc(raw.get("code"))
            children = raw.get("children") or []
            if not isinstance(children, list):
                problems.append(_("%(code)s: children phải là danh sách các tiêu chí con.") % {"code": code})
                children = []
            dept = _nfc(raw.get("coordinating_department")) or inherited
            node: dict[str, Any] = {
                "code": code,
                "name": _one_line(raw.get("name"), code=code, problems=problems),
                "kind": raw.get("kind", "normal"),
                "max_points": _points(raw.get("max_points"), field="max_points", code=code, problems=problems),
                "floor": _points(raw.get("floor", "0"), field="floor", code=code, problems=problems),
                "is_leaf": not children,
                "method": raw.get("method", "") if not children else "",
                "params": raw.get("params") or {} if not children else {},
                "evidence_required": bool(raw.get("evidence_required", not children)),
                "allow_not_applicable": bool(raw.get("allow_not_applicable", False)),
                "on_time_submission": bool(raw.get("on_time_submission", False)) and not children,
                "guidance": _nfc(raw.get("guidance")),
                "source": raw.get("source", "self"),
                "coordinating_department": dept,
            }
            if not code:
                problems.append(_("Có tiêu chí thiếu mã."))
            if not node["name"]:
                problems.append(_("%(code)s: thiếu nội dung.") % {"code": code})
            if node["kind"] not in Indicator.Kind.values:
                problems.append(_("%(code)s: loại «%(kind)s» không hợp lệ.") % {"code": code, "kind": node["kind"]})
            if node["source"] not in Indicator.Source.values:
                problems.append(_("%(code)s: nguồn điểm không hợp lệ.") % {"code": code})
            if node["is_leaf"]:
                try:
                    engine.validate_params(
                        engine.LeafRule(
                            method=node["method"],
                            params=node["params"],
                            max_points=node["max_points"],
                            floor=node["floor"],
                            kind=node["kind"],
                        )
                    )
                except engine.EngineError as exc:
                    problems.append(f"{code}: {engine_text(exc)}")
                else:
                    if node["method"] == Indicator.Method.MANUAL and (unreachable := step_problem(
                        max_points=node["max_points"], floor=node["floor"], step=node["params"].get("step"),
                    )):
                        # the criterion editor's rule (administration.services.tree.clean_indicator): a maximum
                        # the step cannot reach is out of every unit's reach
                        problems.append(f"{code}: {unreachable}")
            flat.append((node, parent_code, level))
            walk(children, code, level + 1, dept)

    set_name = _one_line(data.get("name"), code=key, problems=problems)
    walk(data.get("indicators") or [], None, 1, "")
    bands = data.get("classification_bands") or []
    rules = engine.SetRules(
        nodes=tuple(
            engine.Node(code=n["code"], parent_code=p, kind=n["kind"], max_points=n["max_points"], name=n["name"])
            for n, p, _lvl in flat
        ),
        standard_max=_points(data.get("standard_max", "100"), field="standard_max", code=key, problems=problems),
        index_mode=data.get("index_mode", "points"),
        bonus_cap=_points(data["bonus_cap"], field="bonus_cap", code=key, problems=problems)
        if data.get("bonus_cap") is not None
        else None,
        penalty_cap=_points(data["penalty_cap"], field="penalty_cap", code=key, problems=problems)
        if data.get("penalty_cap") is not None
        else None,
        classification_bands=tuple(
            engine.Band(min=_points(b.get("min"), field="min", code=key, problems=problems), label=_nfc(b.get("label")))
            for b in bands
        ),
    )
    if not flat:
        problems.append(_("Bộ chỉ số chưa có tiêu chí nào."))
    problems.extend(str(in_language(p)) for p in engine.validate_tree(rules))
    if problems:
        raise ValidationFailed(MSG_INVALID_SET, code="invalid_set", details=problems)

    assert kind is not None
    indicator_set = IndicatorSet.objects.create(
        key=key,
        year=year,
        version=version,
        unit_kind=kind,
        name=set_name,
        decision_ref=_nfc(data.get("decision_ref")),
        standard_max=rules.standard_max,
        index_mode=rules.index_mode,
        bonus_cap=rules.bonus_cap,
        penalty_cap=rules.penalty_cap,
        classification_bands=[{"min": str(b.min), "label": b.label} for b in rules.classification_bands],
        source_note=_nfc(data.get("source_note")),
        status=data.get("status", IndicatorSet.Status.DRAFT),
    )
    by_code: dict[str, Indicator] = {}
    for order, (node, parent_code, level) in enumerate(flat, start=1):
        by_code[node["code"]] = Indicator.objects.create(
            indicator_set=indicator_set,
            parent=by_code[parent_code] if parent_code else None,
            order=order,
            level=level,
            **node,
        )
    audit_record(
        actor=actor,
        action="indicator_set.import",
        object_type="IndicatorSet",
        object_id=indicator_set.pk,
        changes={"key": {"old": None, "new": key}, "indicators": {"old": 0, "new": len(flat)}},
    )
    logger.info("imported indicator set %s", key, extra={"indicator_set": key, "indicators": len(flat)})
    return indicator_set
