"""Shared by the appraisal services: the messages, the lock on an assessment, the engine score of an input."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy, ngettext_lazy

from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.errors import StateConflict, engine_failure
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.text import user_text

logger = logging.getLogger("appraisal.services")

MSG_NOT_APPRAISING = gettext_lazy("Bản đánh giá ở trạng thái «%(state)s»: không thẩm định được.")

# A save from a page loaded before the leaf was appraised elsewhere: by somebody else, or by the same person in
# another tab (the page cannot tell which).
MSG_LINE_STALE = gettext_lazy(
    "Tiêu chí này vừa được thẩm định ở nơi khác (người khác hoặc một thẻ khác của anh/chị). Hãy xem giá trị "
    "đang lưu rồi chọn giữ giá trị nào."
)

MSG_REASON_REQUIRED = gettext_lazy("Điểm thẩm định khác điểm tự chấm: hãy nêu lý do.")
# a new round: the score changed from the previous round's, with no reason or that round's (which argued the old one)
MSG_ROUND_REASON_REQUIRED = gettext_lazy(
    "Điểm thẩm định khác kết quả vòng trước: hãy ghi lý do của vòng này (lý do vòng trước nêu cho điểm cũ).")

MSG_VALUE_REQUIRED = gettext_lazy("Hãy nhập số liệu thẩm định.")

MSG_SURVEY_IMPORT_ONLY = gettext_lazy(
    "Tiêu chí này lấy điểm từ điều tra xã hội học: điểm được nhập từ tệp kết quả điều tra."
)

MSG_NA_OVERRULE_REASON = gettext_lazy(
    "Đơn vị chọn «không phát sinh» ở tiêu chí này: để không chấp nhận và chấm điểm, hãy nêu lý do."
)

MSG_NOT_SELF_SCORED = gettext_lazy("Đơn vị chưa tự chấm tiêu chí này nên không thể chấp nhận điểm tự chấm.")

MSG_NOTHING_FLAGGED = gettext_lazy("Hãy chọn ít nhất một tiêu chí cần giải trình.")

MSG_DEADLINE_IN_PAST = gettext_lazy("Hạn giải trình phải sau thời điểm hiện tại.")

MSG_NOT_FLAGGED = gettext_lazy("Tiêu chí này không nằm trong yêu cầu giải trình.")

MSG_DEADLINE_PASSED = gettext_lazy("Đã hết hạn giải trình.")

MSG_EXPLANATION_REQUIRED = gettext_lazy("Hãy nhập nội dung giải trình.")

# a document added in the round is no answer by itself: the team reads the unit's words on each leaf it asked about
MSG_EXPLANATIONS_MISSING = ngettext_lazy(
    "Còn %(n)s tiêu chí chưa được giải trình trong vòng này. Mỗi tiêu chí được yêu cầu cần có nội dung giải trình "
    "(chỉ bổ sung tài liệu kiểm chứng là chưa đủ) hoặc chọn «Đồng ý với kết quả thẩm định».",
    "Còn %(n)s tiêu chí chưa được giải trình trong vòng này. Mỗi tiêu chí được yêu cầu cần có nội dung giải trình "
    "(chỉ bổ sung tài liệu kiểm chứng là chưa đủ) hoặc chọn «Đồng ý với kết quả thẩm định».",
    "n",
)

MSG_EXPLANATION_UNCHANGED = gettext_lazy(
    "Nội dung này là giải trình đã có trước khi Tổ thẩm định yêu cầu giải trình: hãy viết giải trình cho yêu cầu "
    "của vòng này."
)

MSG_ALREADY_RESUBMITTED = gettext_lazy(
    "Đơn vị đã gửi giải trình cho Tổ thẩm định lúc %(at)s; vòng giải trình đã kết thúc."
)

MSG_ROUND_ENDED = gettext_lazy("Vòng giải trình đã kết thúc: không sửa hoặc gửi giải trình được nữa.")

MSG_NO_OPEN_ROUND = gettext_lazy("Bản đánh giá ở trạng thái «%(state)s»: không có vòng giải trình nào đang mở.")

MSG_UNKNOWN_LINE = gettext_lazy("Có tiêu chí không thuộc bản đánh giá này.")

MSG_DEADLINE_AFTER_CYCLE = gettext_lazy(
    "Hạn giải trình (%(date)s) không được sau hạn giải trình của kỳ đánh giá (%(limit)s); quản trị hệ thống "
    "có thể đổi hạn của kỳ."
)

MSG_DEADLINE_TOO_LATE = gettext_lazy("Hạn giải trình (%(date)s) quá xa: muộn nhất là ngày %(limit)s.")

MSG_DEADLINE_NOT_PASSED = gettext_lazy("Chưa hết hạn giải trình: đơn vị vẫn đang giải trình.")

MSG_REASON_FOR_REOPEN = gettext_lazy("Hãy nêu lý do mở lại bản đánh giá.")

MSG_AWAITING_EXPLANATION = gettext_lazy(
    "Tiêu chí %(code)s đang chờ đơn vị giải trình (vòng giải trình đang mở): thẩm định lại tiêu chí này khi vòng "
    "giải trình kết thúc. Các tiêu chí không yêu cầu giải trình vẫn thẩm định được."
)

# The whole assessment under appraisal: the lead's decisions (return it for explanation, sign it off) and the
# appraisal's bookkeeping (new explanations read) ask this.
APPRAISING_STATES = (Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL)
# A leaf the team may decide: also during an explanation round, for the leaves the round did not flag (the flagged
# ones wait for the unit's explanation: `_require_leaf_appraising`). Sign-off stays refused while a round is open.
LEAF_APPRAISING_STATES = (*APPRAISING_STATES, Assessment.State.EXPLANATION)

TEXT_LIMIT = 5000  # characters of a note, an explanation or a reason: the unit side's limit (its textareas' maxlength)


def _nfc(value: Any, *, field: str | None = None) -> str:
    """Typed text as stored; refuses control and direction-override characters and more than TEXT_LIMIT
    characters (scoring.text), naming ``field`` for the page to mark."""
    return user_text(value, limit=TEXT_LIMIT, field=field)


def _lock(assessment_id: int) -> Assessment:
    """The assessment row locked (only it: a join must not lock the unit, set or cycle for everybody)."""
    return Assessment.objects.select_for_update(of=("self",)).select_related("unit", "cycle", "indicator_set").get(
        pk=assessment_id
    )


def _require_appraising(assessment: Assessment) -> None:
    if assessment.state not in APPRAISING_STATES:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": assessment.get_state_display()}, code="not_appraising")


def _require_leaf_appraising(assessment: Assessment, line: ScoreLine) -> None:
    """The team may decide this leaf now: the assessment is under appraisal, or in an explanation round that did not
    flag the leaf (during a round, `explanation_requested` marks the round's leaves). Refused (409) otherwise:
    `not_appraising`, or `awaiting_explanation` for a leaf the unit is explaining."""
    if assessment.state not in LEAF_APPRAISING_STATES:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": assessment.get_state_display()}, code="not_appraising")
    if awaiting_explanation(assessment, line):
        raise StateConflict(MSG_AWAITING_EXPLANATION % {"code": line.indicator.code},
                            code="awaiting_explanation")


def awaiting_explanation(assessment: Assessment, line: ScoreLine) -> bool:
    """The leaf waits for the unit's explanation: flagged in the explanation round now open."""
    return assessment.state == Assessment.State.EXPLANATION and line.explanation_requested


def _engine_score(indicator: Indicator, value: Mapping[str, Any]) -> Decimal:
    try:
        return engine.score_leaf(scoring_selectors.leaf_rule(indicator), value)
    except engine.EngineError as exc:
        raise engine_failure(exc) from exc
