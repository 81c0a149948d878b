"""Deterministic demo inputs for every scoring method (used by the demo loader and the tests)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from scoring.models import Indicator


def sample_value(indicator: Indicator, rng: random.Random, quality: float) -> dict[str, Any]:
    """A valid input for the leaf's method; `quality` in [0, 1] leans toward better scores."""
    p = indicator.params or {}
    good = rng.random() < quality
    method = indicator.method
    if method in ("manual", "survey"):
        step = Decimal(str(p.get("step", "0.25"))) if method == "manual" else Decimal("0.25")
        steps = int(indicator.max_points / step)
        pick = steps if good else rng.randint(0, steps)
        return {"points": str(step * pick)}
    if method == "levels":
        options = sorted(p["options"], key=lambda o: Decimal(str(o["points"])), reverse=True)
        return {"option": options[0]["key"] if good else rng.choice(options)["key"]}
    if method == "yes_no":
        return {"value": good or rng.random() < 0.5}
    if method in ("ratio_bands", "proportional"):
        denominator = rng.randint(20, 400)
        share = rng.uniform(0.9, 1.0) if good else rng.uniform(0.5, 1.0)
        return {"numerator": min(denominator, round(denominator * share)), "denominator": denominator}
    if method == "formula":
        names = [v["name"] for v in p["variables"]]
        total = rng.randint(4, 20)
        counts = {name: rng.randint(0, total) for name in names}
        counts[names[0]] = total
        if len(names) >= 3:
            done = total if good else rng.randint(0, total)
            counts[names[1]] = done
            counts[names[2]] = rng.randint(0, total - done)
        return {"counts": counts}
    if method == "per_occurrence":
        items = p["items"]
        if indicator.kind == "bonus":
            return {"counts": {i["key"]: rng.randint(0, 2) for i in items}}
        return {"counts": {i["key"]: (0 if good else rng.randint(0, 2)) for i in items}}
    raise ValueError(f"unknown method {method}")
