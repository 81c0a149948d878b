"""The pure scoring engine of the CCHC index (see docs/scoring-methods.md, the specification).

Plain dataclasses and `Decimal` in, results out: no Django, no ORM, no I/O. Every number is a `Decimal`
(floats are converted through their decimal text, never used in arithmetic). Leaf scores have two
decimals; aggregates are exact sums; the index is rounded half-up to two decimals once, at the end.

Errors carry a stable `code`, a Vietnamese `message` (shown to users), an English `message_en` (logs)
and the `field` concerned, if any.

A package by topic (base, params, formula, leaf, index, ranking); import from `scoring.engine`.
"""

from __future__ import annotations

from scoring.engine.base import (
    TWO_PLACES,
    EngineError,
    IndexMode,
    Kind,
    Method,
    ParamsError,
    Said,
    ScoringInputError,
    round_half_up,
    to_count,
    to_decimal,
)
from scoring.engine.formula import normalize_expression
from scoring.engine.index import (
    Band,
    IndexComputation,
    LeafScore,
    Node,
    SetRules,
    classify,
    compute_index,
    lowest_band_label,
    validate_tree,
)
from scoring.engine.leaf import (
    normalize_value,
    score_and_normalize,
    score_leaf,
)
from scoring.engine.params import (
    LeafRule,
    input_fields,
    validate_params,
)
from scoring.engine.ranking import (
    Ranked,
    RankEntry,
    rank,
)

__all__ = [
    "TWO_PLACES",
    "Band",
    "EngineError",
    "IndexComputation",
    "IndexMode",
    "Kind",
    "LeafRule",
    "LeafScore",
    "Method",
    "Node",
    "ParamsError",
    "RankEntry",
    "Ranked",
    "Said",
    "ScoringInputError",
    "SetRules",
    "classify",
    "compute_index",
    "input_fields",
    "lowest_band_label",
    "normalize_expression",
    "normalize_value",
    "rank",
    "round_half_up",
    "score_and_normalize",
    "score_leaf",
    "to_count",
    "to_decimal",
    "validate_params",
    "validate_tree",
]
