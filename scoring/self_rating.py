"""The one rule of how the unit's own figures read while its self-assessment is incomplete.

While some criteria the unit scores are unscored, the engine counts them as 0: the index is provisional («tạm tính»)
and no class is given, for «Yếu» on a blank or half-scored sheet reads as the unit's verdict. Every place showing
the unit's self-assessed index and class asks `self_rating`: the sheet (page and autosave), the check before
submitting, the report (page and workbook), the «Phiếu tự chấm»'s «Tổng hợp» and the Excel import's preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from scoring.templatetags.scoring_tags import band, index_score

if TYPE_CHECKING:
    from scoring.selectors import AssessmentSheet


@dataclass(frozen=True)
class SelfRating:
    index: Decimal
    classification: str  # as shown, in the active language: the band's name, or a dash saying why there is none
    provisional: bool  # criteria unscored (counted as 0): the index is marked «tạm tính», no class given

    @property
    def index_shown(self) -> str:
        """The index as the pages write it, «12,50 (tạm tính)» while provisional."""
        return provisional_text(index_score(self.index)) if self.provisional else index_score(self.index)


def provisional_text(text: str) -> str:
    """`text` (an index) marked provisional, in the active language: «12,50 (tạm tính)»."""
    return _("%(index)s (tạm tính)") % {"index": text}


def self_rating(*, index: Decimal, classification: str | None, scored: int, total: int) -> SelfRating:
    """The unit's index and class as shown, `scored` of the `total` criteria it scores itself being scored (a
    «không phát sinh» criterion counts as scored)."""
    if scored < total:
        shown = _("— (chưa chấm tiêu chí nào)") if not scored else _("— (xếp loại khi đã chấm đủ các tiêu chí)")
        return SelfRating(index=index, classification=shown, provisional=True)
    return SelfRating(index=index, classification=band(classification) if classification else "—",
                      provisional=False)


def sheet_rating(sheet: AssessmentSheet) -> SelfRating:
    """`self_rating` of a sheet as stored."""
    comp, progress = sheet.computation, sheet.progress
    return self_rating(index=comp.index, classification=comp.classification, scored=progress.scored,
                       total=progress.total)
