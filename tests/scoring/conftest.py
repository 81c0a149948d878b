"""Fixtures of the scoring tests shared with other apps' tests."""

from tests.appraisal.conftest import team  # noqa: F401  (re-exported: the appraiser appraises the unit's area 2)
