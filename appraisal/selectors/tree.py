"""A set's tree for the appraisal pages: areas, their leaves, the states an appraisal works in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from appraisal import permissions
from scoring.models import Assessment, Indicator, IndicatorSet, ScoreLine

WORK_STATES = (
    Assessment.State.SUBMITTED,
    Assessment.State.IN_APPRAISAL,
    Assessment.State.EXPLANATION,
    Assessment.State.SIGNED_OFF,
)


# --- the tree of a set ----------------------------------------------------------------------------------


@dataclass
class SetTree:
    """A set's nodes with each node's area, each leaf's criterion and the leaves of each area (one query)."""

    nodes: dict[int, Indicator]
    areas: list[Indicator]
    area_of: dict[int, int]
    leaves_by_area: dict[int, list[int]]

    @cached_property
    def parent_of(self) -> dict[int, int | None]:
        return {pk: node.parent_id for pk, node in self.nodes.items()}

    def area_has_assigned(self, allowed: set[int] | None, area_id: int) -> bool:
        """The area, or one of its criteria, is assigned."""
        return allowed is None or any(self.area_of.get(node) == area_id for node in allowed)

    def leaf_is_theirs(self, allowed: set[int] | None, leaf_id: int) -> bool:
        """Whether a user who may appraise below `allowed` (`permissions.area_ids_for`; None: every node) appraises
        the leaf: its area or one of its criteria is assigned (`permissions.may_appraise_node`), and the survey does
        not score it (the survey import does). The one rule of the leaves the review page makes editable and of
        every count of new explanations: the review page's, the API's `explanation_new` and the «Đã xem» answers'
        `remaining` (`selectors.explanation.new_explanations_for`), the queue's rows and area columns. No query."""
        node = self.nodes.get(leaf_id)
        return (node is not None and node.source != Indicator.Source.SURVEY
                and permissions.may_appraise_node(allowed, leaf_id, self.parent_of))

    def leaves_theirs(self, allowed: set[int] | None) -> set[int]:
        """The set's leaves `leaf_is_theirs` keeps for `allowed`. No query."""
        return {leaf for leaves in self.leaves_by_area.values() for leaf in leaves
                if self.leaf_is_theirs(allowed, leaf)}

    def criterion_of(self, leaf: Indicator) -> Indicator | None:
        return self.nodes.get(leaf.parent_id) if leaf.parent_id else None

    def path_of(self, leaf: Indicator) -> list[Indicator]:
        """The leaf's ancestors below its area, top first (criterion, sub-criterion groups…)."""
        path: list[Indicator] = []
        current = self.nodes.get(leaf.parent_id) if leaf.parent_id else None
        while current is not None and current.parent_id is not None:
            path.append(current)
            current = self.nodes.get(current.parent_id)
        return list(reversed(path))


def line_to_appraise(user: Any, assessment_id: int, line_id: int) -> tuple[Assessment, ScoreLine]:
    """The assessment under review and one of its lines; 403 unless the user may appraise the line's area."""
    assessment = permissions.review_get_for_user(user=user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    allowed = permissions.area_ids_for(user, assessment)
    if not permissions.may_appraise_node(allowed, line.indicator_id, set_tree(assessment.indicator_set_id).parent_of):
        values = {"code": line.indicator.code}
        raise permissions.AssignmentRefused(permissions.MSG_LEAF_NOT_ASSIGNED % values,
                                            api_message=permissions.MSG_API_LEAF_NOT_ASSIGNED % values)
    return assessment, line


def leaves_to_appraise(user: Any, assessment: Assessment) -> set[int] | None:
    """The leaves (indicator ids) of the assessment the user may appraise; None: every one. PermissionDenied when
    none is theirs."""
    allowed = permissions.area_ids_for(user, assessment)
    if allowed is permissions.ALL_AREAS:
        return None
    tree = set_tree(assessment.indicator_set_id)
    leaves = {leaf for leaves in tree.leaves_by_area.values() for leaf in leaves
              if permissions.may_appraise_node(allowed, leaf, tree.parent_of)}
    if not leaves:
        raise permissions.AssignmentRefused(permissions.MSG_NOTHING_ASSIGNED,
                                            api_message=permissions.MSG_API_NOTHING_ASSIGNED)
    return leaves


def area_to_accept(user: Any, assessment: Assessment, area_id: int) -> tuple[Indicator, set[int] | None]:
    """The area of the assessment's set a reviewer accepts at once, and the leaves of it they may accept (None:
    all of them). 404 for an area not of this set; PermissionDenied when none of its criteria is theirs."""
    area = get_object_or_404(Indicator, pk=area_id, indicator_set_id=assessment.indicator_set_id, parent__isnull=True)
    allowed = permissions.area_ids_for(user, assessment)
    tree = set_tree(assessment.indicator_set_id)
    if not tree.area_has_assigned(allowed, area.pk):
        values = {"code": area.code}
        raise permissions.AssignmentRefused(permissions.MSG_AREA_NOT_ASSIGNED % values,
                                            api_message=permissions.MSG_API_AREA_NOT_ASSIGNED % values)
    if permissions.may_appraise_area(allowed, area.pk):
        return area, None
    leaves = tree.leaves_by_area.get(area.pk, [])
    return area, {leaf for leaf in leaves if permissions.may_appraise_node(allowed, leaf, tree.parent_of)}


def set_tree(indicator_set: IndicatorSet | int) -> SetTree:
    set_id = indicator_set if isinstance(indicator_set, int) else indicator_set.pk
    nodes = {n.pk: n for n in Indicator.objects.filter(indicator_set_id=set_id).order_by("level", "order")}
    area_of: dict[int, int] = {}
    for node in nodes.values():  # ordered by level: a parent's area is known before its children's
        area_of[node.pk] = node.pk if node.parent_id is None else area_of[node.parent_id]
    areas = sorted((n for n in nodes.values() if n.parent_id is None), key=lambda n: n.order)
    leaves_by_area: dict[int, list[int]] = {a.pk: [] for a in areas}
    for node in sorted(nodes.values(), key=lambda n: n.order):
        if node.is_leaf:
            leaves_by_area[area_of[node.pk]].append(node.pk)
    return SetTree(nodes=nodes, areas=areas, area_of=area_of, leaves_by_area=leaves_by_area)


def _area_case(trees: Iterable[SetTree]) -> Case:
    """SQL: a score line's area id, from its indicator id (one WHEN per area)."""
    whens = [
        When(indicator_id__in=leaf_ids, then=Value(area_id))
        for tree in trees
        for area_id, leaf_ids in tree.leaves_by_area.items()
        if leaf_ids
    ]
    return Case(*whens, default=Value(0), output_field=BigIntegerField())
