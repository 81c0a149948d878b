"""Engine inputs built from the database, and the sets' trees: rules, summaries, stale results."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from scoring import engine
from scoring.models import Assessment, Indicator, IndicatorSet, ScoreLine


def leaf_rule(indicator: Indicator) -> engine.LeafRule:
    return engine.LeafRule(
        method=indicator.method,
        params=indicator.params or {},
        max_points=indicator.max_points,
        floor=indicator.floor,
        kind=indicator.kind,
    )


def _bands(raw: list[dict[str, str]] | None) -> tuple[engine.Band, ...]:
    return tuple(engine.Band(min=Decimal(str(b["min"])), label=str(b["label"])) for b in raw or [])


def set_rules(indicator_set: IndicatorSet, indicators: list[Indicator] | None = None) -> engine.SetRules:
    """The engine's view of a set. Pass `indicators` when already loaded to avoid a query."""
    if indicators is None:
        indicators = list(indicator_set.indicators.select_related("parent").order_by("order"))
    codes = {ind.id: ind.code for ind in indicators}
    nodes = tuple(
        engine.Node(
            code=ind.code,
            parent_code=codes.get(ind.parent_id) if ind.parent_id else None,
            kind=ind.kind,
            max_points=ind.max_points,
            name=ind.name,
        )
        for ind in indicators
    )
    return engine.SetRules(
        nodes=nodes,
        standard_max=indicator_set.standard_max,
        index_mode=indicator_set.index_mode,
        bonus_cap=indicator_set.bonus_cap,
        penalty_cap=indicator_set.penalty_cap,
        classification_bands=_bands(indicator_set.classification_bands),
    )


def indicators_of_set(*, indicator_set: IndicatorSet) -> QuerySet[Indicator]:
    return indicator_set.indicators.select_related("parent").order_by("order")


def score_lines_of_assessment(*, assessment: Assessment) -> QuerySet[ScoreLine]:
    return assessment.lines.select_related("indicator").order_by("indicator__order")


def stale_assessment_ids() -> list[int]:
    """Signed-off assessments whose result is missing, marked stale or older than the assessment."""
    from django.db.models import F, Q

    return list(
        Assessment.objects.filter(state=Assessment.State.SIGNED_OFF)
        .filter(
            Q(result__isnull=True)
            | Q(result__stale=True)
            | Q(result__computed_from_version__lt=F("version"))
        )
        .values_list("id", flat=True)
    )


def public_indicator_sets() -> QuerySet[IndicatorSet]:
    """The sets the public pages show: those issued (in use in a cycle, or retired since). A draft is a set the
    province is still editing before its decision is issued: only the administration pages show it."""
    return IndicatorSet.objects.exclude(status=IndicatorSet.Status.DRAFT)


def indicator_set_public(*, key: str) -> IndicatorSet | None:
    """The set of `key` if the public pages may show it (`public_indicator_sets`); None otherwise."""
    return public_indicator_sets().select_related("unit_kind").filter(key=key).first()


def indicator_set_summaries() -> list[dict[str, object]]:
    """Each public set (`public_indicator_sets`) with its areas and the number of criteria and scored leaves per
    area (two queries)."""
    sets = list(public_indicator_sets().select_related("unit_kind").order_by("-year", "unit_kind__order", "version"))
    nodes = list(
        Indicator.objects.filter(indicator_set__in=sets)
        .only("indicator_set_id", "parent_id", "code", "name", "level", "order", "is_leaf", "max_points")
        .order_by("level")
    )
    area_of: dict[int, int] = {}
    for node in nodes:  # ordered by level, so a parent's area is known before its children
        area_of[node.pk] = node.pk if node.parent_id is None else area_of.get(node.parent_id, 0)
    out: list[dict[str, object]] = []
    for indicator_set in sets:
        own = [n for n in nodes if n.indicator_set_id == indicator_set.pk]
        areas = [
            {
                "code": area.code,
                "name": area.name,
                "max_points": area.max_points,
                "criteria": sum(1 for n in own if n.level == 2 and n.parent_id == area.pk),
                "leaves": sum(1 for n in own if n.is_leaf and area_of.get(n.pk) == area.pk),
            }
            for area in sorted((n for n in own if n.parent_id is None), key=lambda n: n.order)
        ]
        out.append(
            {
                "set": indicator_set,
                "areas": areas,
                "criteria": sum(int(str(a["criteria"])) for a in areas),
                "leaves": sum(int(str(a["leaves"])) for a in areas),
            }
        )
    return out


def indicator_tree(*, indicator_set: IndicatorSet) -> list[dict[str, object]]:
    """The set's nodes in order, each with its depth, for display (one query)."""
    return [
        {"node": ind, "depth": ind.level}
        for ind in indicator_set.indicators.order_by("order")
    ]
