"""Pages of the scoring app, split by topic: public pages, the self-assessment sheet, submission,
the report, and the Excel round trip."""

from scoring.views.public import favicon, healthz, home, indicator_set_detail

__all__ = ["favicon", "healthz", "home", "indicator_set_detail"]
