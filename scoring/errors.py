"""Domain errors raised by services; views and the API map them to HTTP in one place."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MSG_STALE_VERSION = _(
    "Dữ liệu vừa được thay đổi ở nơi khác (người khác hoặc một thẻ khác của anh/chị). Hãy xem giá trị mới nhất rồi "
    "chọn giữ giá trị nào."
)
MSG_NOT_EDITABLE = _("Bản đánh giá ở trạng thái «%(state)s» nên không thể sửa.")
MSG_NA_NOT_ALLOWED = _("Tiêu chí này không cho phép chọn «không phát sinh».")
MSG_NA_REASON_REQUIRED = _("Hãy nêu lý do không phát sinh.")
MSG_NA_REASON_WITHOUT_NA = _(
    "Lý do không phát sinh chỉ được lưu khi đánh dấu «Không phát sinh». Hãy đánh dấu ô đó, hoặc xoá lý do."
)
MSG_NOT_A_LEAF = _("Chỉ chấm điểm ở tiêu chí thành phần.")
MSG_SURVEY_NOT_SELF_SCORED = _("Tiêu chí này lấy điểm từ điều tra xã hội học, đơn vị không tự chấm.")
MSG_INVALID_SET = _("Bộ chỉ số không hợp lệ.")
MSG_NO_SET_FOR_KIND = _("Kỳ đánh giá chưa có bộ chỉ số cho loại đơn vị «%(kind)s».")
MSG_ALREADY_SUBMITTED = _("Bản đánh giá đã được gửi (trạng thái «%(state)s»); không gửi lại.")
MSG_DEADLINE_PASSED = _(
    "Đã quá hạn tự đánh giá; bản đánh giá chỉ còn xem. Nếu đơn vị cần thêm thời gian, thủ trưởng đơn vị gửi đề nghị "
    "gia hạn (trang «Đề nghị gia hạn» của bản đánh giá)."
)
MSG_CYCLE_NOT_OPEN = _("Kỳ đánh giá chưa mở tự đánh giá (giai đoạn «Chuẩn bị»); bản đánh giá chỉ xem được.")
MSG_CYCLE_PUBLISHED = _("Kết quả của kỳ đánh giá đã được công bố; bản đánh giá chỉ còn xem.")
MSG_NOT_READY = _("Chưa thể gửi: còn %(n)s vấn đề cần xử lý.")
MSG_CANNOT_WITHDRAW = _(
    "Chỉ rút lại được khi bản đánh giá đã gửi và chưa bắt đầu thẩm định (trạng thái hiện tại: «%(state)s»)."
)
MSG_DIFFICULTIES_CHANGED = _(
    "Nội dung khó khăn, kiến nghị vừa được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị). Hãy xem bản "
    "mới nhất rồi sửa lại."
)
MSG_IMPORT_STALE = _("Có %(n)s dòng đã được sửa trên hệ thống sau khi tải tệp Excel về; không ghi dòng nào.")
MSG_UNKNOWN_LINE = _("Dòng không thuộc bản đánh giá này.")


class DomainError(Exception):
    """A refusal with a stable code and a translated message; changes nothing."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"


class StateConflict(DomainError):
    status = 409
    code = "invalid_state"


class StaleVersion(DomainError):
    """The write was based on an older version; `details` carries the stored line."""

    status = 409
    code = "stale_version"


class LeafProblem(str):
    """A leaf named in a refusal's details: its criterion code (the text itself, as the pages list the codes),
    with its line, the problem's kind and its message, which the API gives in `problem_details`."""

    code: str
    line_id: int | None
    kind: str
    message: str

    def __new__(cls, code: str, *, line_id: int | None, kind: str, message: Any) -> LeafProblem:
        problem = super().__new__(cls, code)
        problem.code, problem.line_id, problem.kind, problem.message = code, line_id, kind, str(message)
        return problem


def _in_language(vietnamese: str, english: str) -> str:
    return english if (get_language() or "").startswith("en") else vietnamese


_engine_text = lazy(_in_language, str)


def engine_text(exc: Any) -> Any:
    """An engine refusal's message in the language of the page it is shown on. The engine is plain Python (no
    Django): it words each refusal in Vietnamese and in English, and this picks one when the text is rendered."""
    return _engine_text(exc.message, exc.message_en)


def in_language(problem: Any) -> Any:
    """A problem the engine words in both languages (`engine.Said`), or an engine refusal, in the page's
    language; any other text as it is."""
    if isinstance(problem, Exception) and hasattr(problem, "message_en"):
        return engine_text(problem)
    english = getattr(problem, "en", None)
    return _engine_text(str(problem), english) if english is not None else problem


def engine_failure(exc: Any) -> ValidationFailed:
    """The service's refusal for an engine error: its code, its field, its message in the page's language."""
    return ValidationFailed(engine_text(exc), code=exc.code, details={"field": exc.field})


def cycle_closed_message(cycle: Any) -> Any:
    """Why a cycle takes no self-scores now (its phase), or None when it does."""
    from scoring.models import Cycle

    if cycle.phase == Cycle.Phase.SETUP:
        return MSG_CYCLE_NOT_OPEN
    if cycle.phase == Cycle.Phase.PUBLISHED:
        return MSG_CYCLE_PUBLISHED
    return None


def self_edit_refusal(assessment: Any) -> tuple[str, str]:
    """Why the unit's own people may not edit their assessment now, as (message, code): its state, the cycle's
    phase, or else its deadline. Shared by every page that refuses a unit's edit (sheet, evidence)."""
    from scoring.models import Assessment

    if assessment.state != Assessment.State.DRAFT:
        return str(MSG_NOT_EDITABLE % {"state": assessment.get_state_display()}), "not_editable"
    closed = cycle_closed_message(assessment.cycle)
    if closed is not None:
        return str(closed), "cycle_closed"
    return str(MSG_DEADLINE_PASSED), "deadline_passed"
