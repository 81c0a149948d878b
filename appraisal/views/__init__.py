"""Appraisal pages, one module per topic: review (the workbench), rounds (lead and administrator decisions),
unit (the unit's explanation page), oversight (dashboard, survey import)."""
