"""Vietnamese names of the audit log's codes (actions such as `score_line.self`, object types such as
`ScoreLine`) for the audit pages. A code not listed here is shown as it is recorded."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

ACTION_LABELS = {
    "api_token.issue": _l("Cấp mã truy cập"),
    "api_token.revoke": _l("Thu hồi mã truy cập"),
    "appraisal_assignment.delete": _l("Bỏ phân công thẩm định"),
    "appraisal_assignment.save": _l("Phân công thẩm định"),
    "assessment.difficulties": _l("Ghi khó khăn, vướng mắc"),
    "assessment.explanation_deadline": _l("Đổi hạn giải trình"),
    "assessment.explanation_request": _l("Yêu cầu giải trình"),
    "assessment.explanation_withdraw": _l("Rút yêu cầu giải trình"),
    "assessment.extend_deadline": _l("Gia hạn tự đánh giá"),
    "assessment.import_self": _l("Nhập phiếu tự chấm từ Excel"),
    "assessment.open": _l("Mở bản đánh giá"),
    "assessment.remove": _l("Gỡ đơn vị khỏi kỳ đánh giá (xoá bản đánh giá chưa có dữ liệu)"),
    "assessment.remove_deadline": _l("Bỏ hạn riêng"),
    "assessment.round": _l("Đóng vòng giải trình"),
    "assessment.state": _l("Chuyển trạng thái bản đánh giá"),
    "cycle.create": _l("Tạo kỳ đánh giá"),
    "cycle.deadlines": _l("Đổi các hạn của kỳ"),
    "cycle.phase": _l("Chuyển giai đoạn của kỳ"),
    "evidence.delete": _l("Xoá tài liệu kiểm chứng"),
    "extension_request.create": _l("Đề nghị gia hạn tự đánh giá"),
    "extension_request.grant": _l("Chấp thuận đề nghị gia hạn"),
    "extension_request.refuse": _l("Không chấp thuận đề nghị gia hạn"),
    "extension_request.withdraw": _l("Rút đề nghị gia hạn"),
    "evidence.link": _l("Gắn tài liệu kiểm chứng"),
    "evidence.unlink": _l("Gỡ tài liệu kiểm chứng"),
    "evidence.upload": _l("Tải lên tài liệu kiểm chứng"),
    "index_result.stale": _l("Đánh dấu kết quả cần tính lại"),
    "indicator.create": _l("Thêm tiêu chí"),
    "indicator.delete": _l("Xoá tiêu chí"),
    "indicator.move": _l("Đổi thứ tự tiêu chí"),
    "indicator.reparent": _l("Chuyển tiêu chí sang tiêu chí cha khác"),
    "indicator.update": _l("Sửa tiêu chí"),
    "indicator_mapping.delete": _l("Xoá đối chiếu tiêu chí"),
    "indicator_mapping.save": _l("Lưu đối chiếu tiêu chí"),
    "indicator_set.activate": _l("Áp dụng bộ chỉ số cho kỳ"),
    "indicator_set.back_to_draft": _l("Đưa bộ chỉ số bị thay về dự thảo"),
    "indicator_set.clone": _l("Nhân bản bộ chỉ số"),
    "indicator_set.create": _l("Tạo bộ chỉ số"),
    "indicator_set.delete": _l("Xoá bộ chỉ số"),
    "indicator_set.import": _l("Nạp bộ chỉ số"),
    "indicator_set.import_xlsx": _l("Nhập cây tiêu chí từ Excel"),
    "indicator_set.update": _l("Sửa thông tin bộ chỉ số"),
    "publication.correct": _l("Đính chính kết quả công bố"),
    "publication.publish": _l("Công bố kết quả"),
    "ranking_group.create": _l("Thêm khối xếp hạng"),
    "ranking_group.rename": _l("Đổi tên khối xếp hạng"),
    "ranking_group.reorder": _l("Đổi thứ tự khối xếp hạng"),
    "role.assign": _l("Gán vai trò"),
    "role.remove": _l("Bỏ vai trò"),
    "score_line.accept_not_applicable": _l("Chấp nhận «không phát sinh»"),
    "score_line.appraise": _l("Thẩm định điểm"),
    "score_line.explain": _l("Giải trình"),
    "score_line.agree": _l("Đồng ý với kết quả thẩm định"),
    "score_line.explanation_seen": _l("Tổ thẩm định đã xem giải trình"),
    "score_line.self": _l("Tự chấm điểm"),
    "survey_import.apply": _l("Áp dụng kết quả điều tra xã hội học"),
    "survey_import.preview": _l("Xem trước kết quả điều tra xã hội học"),
    "unit.activate": _l("Mở lại đơn vị"),
    "unit.create": _l("Thêm đơn vị"),
    "unit.deactivate": _l("Ngừng hoạt động đơn vị"),
    "unit.merge": _l("Sáp nhập đơn vị"),
    "unit.update": _l("Sửa đơn vị"),
    "unit_kind.create": _l("Thêm loại đơn vị"),
    "unit_kind.rename": _l("Đổi tên loại đơn vị"),
    "unit_kind.reorder": _l("Đổi thứ tự loại đơn vị"),
    "user.activate": _l("Mở khoá tài khoản"),
    "user.create": _l("Tạo tài khoản"),
    "user.deactivate": _l("Khoá tài khoản"),
    "user.password_changed": _l("Tự đổi mật khẩu"),
    "user.password_reset": _l("Đặt lại mật khẩu"),
    "user.update": _l("Sửa họ tên, thư điện tử"),
    "user_import.confirm": _l("Xác nhận nhập tài khoản từ Excel"),
}

OBJECT_TYPE_LABELS = {
    "AppraisalAssignment": _l("Phân công thẩm định"),
    "Assessment": _l("Bản đánh giá"),
    "Cycle": _l("Kỳ đánh giá"),
    "EvidenceFile": _l("Tài liệu kiểm chứng"),
    "ExtensionRequest": _l("Đề nghị gia hạn"),
    "IndexResult": _l("Kết quả chỉ số"),
    "Indicator": _l("Tiêu chí"),
    "IndicatorMapping": _l("Đối chiếu tiêu chí"),
    "IndicatorSet": _l("Bộ chỉ số"),
    "Publication": _l("Công bố kết quả"),
    "RankingGroup": _l("Khối xếp hạng"),
    "ScoreLine": _l("Điểm tiêu chí"),
    "SurveyImport": _l("Kết quả điều tra xã hội học"),
    "Unit": _l("Đơn vị"),
    "UnitKind": _l("Loại đơn vị"),
    "User": _l("Người dùng"),
    "UserImport": _l("Lần nhập tài khoản"),
}


# The fields most often seen in the "Thay đổi" column; a field not listed is shown by its recorded name.
FIELD_LABELS = {
    "active": _l("Đang hoạt động"),
    "agreed": _l("Đồng ý với kết quả thẩm định"),
    "allow_not_applicable": _l("Cho phép «không phát sinh»"),
    "on_time_submission": _l("Tiêu chí về thời hạn gửi báo cáo tự đánh giá"),
    "appraisal_round": _l("Vòng thẩm định"),
    "areas": _l("Lĩnh vực"),
    "children_moved": _l("Số đơn vị cấp dưới chuyển sang"),
    "cycle": _l("Kỳ đánh giá"),
    "documents_requested": _l("Tiêu chí yêu cầu bổ sung tài liệu kiểm chứng"),
    "from": _l("Tiêu chí nguồn"),
    "mapping": _l("Đối chiếu"),
    "nodes": _l("Số tiêu chí"),
    "order": _l("Thứ tự"),
    "position": _l("Vị trí"),
    "problems": _l("Số dòng có lỗi"),
    "rank": _l("Thứ hạng"),
    "replaced": _l("Bộ chỉ số áp dụng (thay bộ cũ)"),
    "stale": _l("Cần tính lại"),
    "to": _l("Tiêu chí đích"),
    "user": _l("Người dùng"),
    "coordinating_department": _l("Cơ quan phối hợp"),
    "difficulties": _l("Khó khăn, vướng mắc"),
    "document": _l("Văn bản công bố"),
    "explanation_requested": _l("Yêu cầu giải trình"),
    "extension_status": _l("Trạng thái đề nghị gia hạn"),
    "granted_deadline": _l("Hạn được chấp thuận"),
    "requested_deadline": _l("Hạn đề nghị"),
    "guidance": _l("Hướng dẫn"),
    "index_mode": _l("Cách tính chỉ số"),
    "indicators": _l("Số tiêu chí"),
    "indicators_added": _l("Tiêu chí thêm mới"),
    "indicators_modified": _l("Tiêu chí được sửa"),
    "indicators_moved": _l("Tiêu chí đổi vị trí"),
    "indicators_removed": _l("Tiêu chí bị xoá"),
    "is_staff": _l("Vào trang quản trị Django"),
    "is_superuser": _l("Toàn quyền quản trị"),
    "merged_into": _l("Sáp nhập vào"),
    "must_change_password": _l("Phải đổi mật khẩu khi đăng nhập"),
    "na_overruled": _l("Không chấp nhận «không phát sinh»"),
    "password": _l("Mật khẩu"),
    "questions": _l("Câu hỏi cho từng tiêu chí"),
    "revision": _l("Lần công bố"),
    "roles_moved": _l("Số vai trò chuyển sang"),
    "sets": _l("Bộ chỉ số theo loại đơn vị"),
    "source": _l("Nguồn"),
    "source_note": _l("Ghi chú nguồn"),
    "token": _l("Mã truy cập"),
    "unit_kind": _l("Loại đơn vị"),
    "units": _l("Số đơn vị"),
    "rows": _l("Số dòng"),
    "rows_changed": _l("Số dòng có thay đổi"),
    "file": _l("Tệp"),
    "download": _l("Mã của tệp Excel đã tải về"),
    "versions": _l("Phiên bản các dòng được ghi từ tệp"),
    "file_set": _l("Tệp xuất từ bộ chỉ số khác"),
    "evidence": _l("Tài liệu kiểm chứng"),
    "appraised_note": _l("Ý kiến thẩm định"),
    "appraised_score": _l("Điểm thẩm định"),
    "appraised_value": _l("Số liệu thẩm định"),
    "appraisal_deadline": _l("Hạn thẩm định"),
    "bonus_cap": _l("Điểm cộng tối đa"),
    "classification_bands": _l("Thang xếp loại"),
    "code": _l("Mã"),
    "deadline": _l("Hạn"),
    "deadline_override": _l("Hạn riêng của đơn vị"),
    "deadline_cut_confirmed": _l("Xác nhận hạn đã qua hoặc còn chưa đến 24 giờ"),
    "decision_ref": _l("Quyết định ban hành"),
    "email": _l("Thư điện tử"),
    "evidence_required": _l("Bắt buộc tài liệu kiểm chứng"),
    "explanation": _l("Giải trình"),
    "explanation_deadline": _l("Hạn giải trình"),
    "finalisation_deadline": _l("Hạn hoàn thiện"),
    "floor": _l("Điểm tối thiểu"),
    "full_name": _l("Họ và tên"),
    "is_active": _l("Đang hoạt động"),
    "is_lead": _l("Tổ trưởng"),
    "key": _l("Mã bộ"),
    "kind": _l("Loại"),
    "max_points": _l("Điểm tối đa"),
    "method": _l("Phương pháp chấm"),
    "name": _l("Tên"),
    "not_applicable": _l("Không phát sinh"),
    "not_applicable_reason": _l("Lý do không phát sinh"),
    "params": _l("Tham số"),
    "parent": _l("Cấp trên"),
    "parent_method": _l("Phương pháp chấm của tiêu chí cha (đã bỏ)"),
    "parent_params": _l("Tham số của tiêu chí cha (đã bỏ)"),
    "penalty_cap": _l("Điểm trừ tối đa"),
    "phase": _l("Giai đoạn"),
    "ranking_group": _l("Khối xếp hạng"),
    "role": _l("Vai trò"),
    "self_assessment_deadline": _l("Hạn tự đánh giá"),
    "self_note": _l("Ghi chú"),
    "self_score": _l("Điểm tự chấm"),
    "self_value": _l("Số liệu tự chấm"),
    "short_name": _l("Tên viết tắt"),
    "standard_max": _l("Điểm chuẩn"),
    "state": _l("Trạng thái"),
    "status": _l("Trạng thái"),
    "superior_body": _l("Cơ quan chủ quản"),
    "unit": _l("Đơn vị"),
    "username": _l("Tên đăng nhập"),
    "year": _l("Năm"),
}

# A field's label where the object it belongs to calls it otherwise (a criterion's parent is a criterion).
OBJECT_FIELD_LABELS = {
    "Indicator": {"parent": _l("Tiêu chí cha"), "source": _l("Nguồn điểm"), "kind": _l("Loại tiêu chí")},
    "IndicatorSet": {"source": _l("Bộ nguồn")},
    "Unit": {"kind": _l("Loại đơn vị")},
    # an assignment's units are its units' codes (elsewhere «units» counts them); its user is the appraiser
    "AppraisalAssignment": {"units": _l("Đơn vị được phân công"), "user": _l("Thành viên Tổ thẩm định")},
}
# The keys inside a recorded value (a leaf's input, an evidence file), as a person names them.
VALUE_KEY_LABELS = {
    "name": _l("tên"), "sha256": "SHA-256", "size": _l("dung lượng (byte)"), "file_id": _l("mã tệp"),
    "numerator": _l("tử số"), "denominator": _l("mẫu số"), "points": _l("điểm"), "option": _l("lựa chọn"),
    "counts": _l("số lần"),
}
# The keys inside a criterion's parameters' entries (its levels, counted items, variables, rate bands), as the
# criterion editor names them; the parameters themselves by the editor's labels (`services.tree.PARAM_LABELS`).
PARAM_ENTRY_KEY_LABELS = {
    "key": _l("mã"), "label": _l("nhãn"), "name": _l("tên"), "points": _l("điểm"), "min": _l("ngưỡng (%)"),
    "inclusive": _l("tính cả ngưỡng"),
}
# The parameters (and their entries' keys) that are numbers: «1.000» is shown as 1, «0.50» as 0,5.
PARAM_NUMBER_KEYS = frozenset({
    "step", "yes_points", "no_points", "threshold", "below_points", "on_zero_division", "base", "points", "min",
})
# The fields recorded as a criterion's parameters.
PARAMS_FIELDS = frozenset({"params", "parent_params"})
# The fields recorded as scores or points (a leaf's score, a criterion's maximum and floor, a set's standard and
# caps, an index and its totals): written as the leaf's pages write a score, with the page's decimal mark and two
# decimals (0,50 → 1,00; more only when recorded with more). Any other text is shown as recorded (a criterion's
# code «1.1» is not the number 1,1).
NUMBER_FIELDS = frozenset({
    "appraised_score", "self_score", "bonus_cap", "penalty_cap", "standard_max", "max_points", "floor", "index",
    "normal_total", "total", "bonus", "penalty", "applicable_max",
})
# The keys inside a recorded list's entries that are scores, by the field they are recorded in: a classification
# band's threshold is an index («Xuất sắc» from 90,00).
SCORE_ENTRY_KEYS = {"classification_bands": frozenset({"min"})}
# The keys inside a leaf's recorded input that are numbers as the unit typed them (the history shows «0,5 điểm»).
INPUT_NUMBER_KEYS = frozenset({"points"})

# The fields recorded as a unit's code: shown as «name (code)» when the unit exists.
UNIT_CODE_FIELDS = frozenset({"merged_into", "unit"})
# The fields recorded as a list of units' codes, by the object they belong to.
UNIT_CODE_LIST_FIELDS = {"AppraisalAssignment": frozenset({"units"})}
# The fields recorded as a list of areas' and criteria's codes (an assignment's): shown with their names where the
# assignment's cycle is known, the same code of two sets once (`_areas_shown`).
AREA_CODE_FIELDS = {"AppraisalAssignment": frozenset({"areas"})}
# The fields shown even when old and new are recorded alike: the value is not recorded («•» for a password).
UNRECORDED_FIELDS = frozenset({"password"})
# A leaf's recorded input (`self_value`, `appraised_value`): its option and its counted items are codes of the
# criterion's parameters, shown by their labels (`leaf_input_labels`).
LEAF_INPUT_FIELDS = frozenset({"self_value", "appraised_value"})

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class DataLabel(str):
    """A recorded code's label that is Vietnamese data (a unit's, a unit kind's or a ranking group's name), not a
    label of the interface (a state, a role): marked as data where a value is written for a page (`_HtmlWriter`)."""

    __slots__ = ()


class _Writer:
    """How a recorded value's parts are put together: plain text, for the export and the stored labels."""

    def text(self, value: Any) -> str:
        """A part in the interface's language (a label, Có/Không, a state, a date, a number)."""
        return str(value)

    def data(self, value: Any) -> str:
        """A part that is Vietnamese data (a name, a text someone wrote)."""
        return str(value)

    def join(self, separator: str, parts: Iterable[str]) -> str:
        return separator.join(parts)

    def format(self, template: str, *args: Any) -> str:
        """`template` («{} ({})», never a translated text) with the parts given."""
        return template.format(*args)

    def translated(self, message: str, values: dict[str, Any]) -> str:
        """A translated message with %(name)s placeholders filled with parts."""
        return message % values


class _HtmlWriter(_Writer):
    """For a page: data marked `lang="vi"` on a page in another language (the `vi` filter), the rest in the page's
    language; each part escaped once (a part already written is not escaped again)."""

    def text(self, value: Any) -> str:
        return conditional_escape(value)

    def data(self, value: Any) -> str:
        from scoring.templatetags.data_language import vi

        return vi(value)

    def join(self, separator: str, parts: Iterable[str]) -> str:
        return format_html_join(separator, "{}", ((part,) for part in parts))

    def format(self, template: str, *args: Any) -> str:
        return format_html(template, *args)

    def translated(self, message: str, values: dict[str, Any]) -> str:
        escaped = {k: conditional_escape(v) for k, v in values.items()}
        return mark_safe(conditional_escape(message) % escaped)  # noqa: S308 — the message and its parts escaped


PLAIN = _Writer()
HTML = _HtmlWriter()


def _choices(choices: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in choices}


def _value_labels() -> dict[str, dict[str, str]]:
    """The labels of the recorded codes, by field; «Object.field» where an object's field has its own (a
    criterion's kind is not a unit's)."""
    from scoring.models import (
        Assessment,
        Cycle,
        ExtensionRequest,
        Indicator,
        IndicatorSet,
        RankingGroup,
        RoleAssignment,
        UnitKind,
    )

    method = _choices(Indicator.Method.choices)
    kinds: dict[str, str] = {code: DataLabel(name) for code, name in UnitKind.objects.values_list("code", "name")}
    groups: dict[str, str] = {code: DataLabel(name) for code, name in RankingGroup.objects.values_list("code", "name")}
    return {
        "role": _choices(RoleAssignment.Role.choices),
        "state": _choices(Assessment.State.choices),
        "phase": _choices(Cycle.Phase.choices),
        "method": method,
        "parent_method": method,
        "status": _choices(IndicatorSet.Status.choices),
        "extension_status": _choices(ExtensionRequest.Status.choices),
        "index_mode": _choices(IndicatorSet.IndexMode.choices),
        "unit_kind": kinds,
        "Unit.kind": kinds,
        "ranking_group": groups,
        "Indicator.kind": _choices(Indicator.Kind.choices),
        "Indicator.source": _choices(Indicator.Source.choices),
    }


def _for_object(labels: dict[str, dict[str, str]], object_type: str) -> dict[str, dict[str, str]]:
    """`labels` with the object's own («Unit.kind» as «kind» for a unit)."""
    prefix = f"{object_type}."
    own = {key[len(prefix):]: known for key, known in labels.items() if object_type and key.startswith(prefix)}
    return {**labels, **own} if own else labels


def leaf_input_labels(params: Any) -> dict[str, str]:
    """A criterion's input codes and their labels: its levels' options, its counted items, its formula's
    variables (`params` as stored)."""
    found: dict[str, str] = {}
    if not isinstance(params, dict):
        return found
    for group, key in (("options", "key"), ("items", "key"), ("variables", "name")):
        for item in params.get(group) or []:
            if isinstance(item, dict) and item.get(key) is not None and item.get("label"):
                found[str(item[key])] = str(item["label"])
    return found


def change_value(
    field: str, value: Any, labels: dict[str, dict[str, str]] | None = None, inputs: dict[str, str] | None = None,
    *, writer: _Writer = PLAIN,
) -> str:
    """A recorded old or new value as a person reads it: Có/Không, a role's or a state's name, a local date,
    a decimal comma; a recorded input such as {"value": true} by its content, its option and counted items by
    their labels (`inputs`: `leaf_input_labels` of its criterion). With `writer=HTML`, for a page: its Vietnamese
    data (names, labels of a criterion's inputs, texts of `DATA_TEXT_FIELDS`) marked as such, the rest in the
    page's language."""
    w = writer
    if value is None or value == "":
        return w.text("—")
    if isinstance(value, bool):
        return w.text(_("Có") if value else _("Không"))
    if field in PARAMS_FIELDS and isinstance(value, dict):
        return _params_value(value, w)
    if isinstance(value, dict):
        if set(value) == {"value"}:
            return change_value(field, value["value"], labels, inputs, writer=w)
        scores = SCORE_ENTRY_KEYS.get(field, frozenset())
        return w.join("; ", (
            w.format("{}: {}", _value_key(field, str(k), inputs, w),
                     w.text(_score_mark(v)) if str(k) in scores and _is_number(v)
                     else change_value(str(k), v, labels, inputs, writer=w))
            for k, v in value.items()
        ))
    if isinstance(value, list):
        return w.join(", ", [change_value(field, v, labels, inputs, writer=w) for v in value]) or w.text("—")
    if field in NUMBER_FIELDS and _is_number(value):
        return w.text(_score_mark(value))
    if isinstance(value, float | Decimal):
        return w.text(str(value))
    text = str(value)
    if field == "option" and inputs and text in inputs:
        return w.data(inputs[text])
    known = (labels if labels is not None else _value_labels()).get(field, {})
    if text in known:
        label = known[text]
        return w.data(label) if isinstance(label, DataLabel) or field in DATA_TEXT_FIELDS else w.text(label)
    if _ISO_DATETIME.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return w.text(text)
        from scoring.templatetags.scoring_tags import dmy  # the pages' one way of writing a moment

        return w.text(dmy(moment))
    if field in INPUT_NUMBER_KEYS and _DECIMAL.match(text):
        return w.text(text.replace(".", str(get_format("DECIMAL_SEPARATOR"))))
    return w.data(text) if field in DATA_TEXT_FIELDS else w.text(text)


def _value_key(field: str, key: str, inputs: dict[str, str] | None, w: _Writer) -> str:
    """A key inside a recorded value: a counted item by its criterion's label (data), the others as a person
    names them (`VALUE_KEY_LABELS`)."""
    if field == "counts":
        return w.data(inputs[key]) if inputs and key in inputs else w.text(key)
    return w.text(VALUE_KEY_LABELS.get(key, key))


def _is_number(value: Any) -> bool:
    """A recorded number: an int, a float, a Decimal or its text («0.50», «1»); not Có/Không."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float | Decimal) or (isinstance(value, str) and bool(_NUMBER.match(value)))


def _score_mark(value: Any) -> str:
    """A recorded score or points («0.5», «1.000», 1) as the leaf's pages write a score: two decimals with the
    page's decimal mark, 0,50 and 1,00 in Vietnamese, 0.50 and 1.00 in English; a value recorded with more
    meaningful decimals (an index) keeps them."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    number = number.normalize()
    if int(number.as_tuple().exponent) > -2:
        number = number.quantize(Decimal("0.01"))
    return format(number, "f").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _decimal_mark(text: str) -> str:
    """A recorded number other than a score (a criterion's parameter) with the page's decimal mark and no
    meaningless trailing zeros («0.50», «1.000»): 0,5 and 1 in Vietnamese (where «1.000» would read as a
    thousand), 0.5 and 1 in English."""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return text
    if not number.is_finite():
        return text
    shown = format(number.normalize(), "f")
    return shown.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _param_text(key: str, value: Any, w: _Writer = PLAIN) -> str:
    """One value inside a criterion's parameters: a number (a point, a threshold) as `_decimal_mark`, Có/Không, an
    entry of a list by its labelled keys; a level's or an item's label as data."""
    if value is None or value == "":
        return w.text("—")
    if isinstance(value, bool):
        return w.text(_("Có") if value else _("Không"))
    if isinstance(value, dict):
        return w.join("; ", (
            w.format("{}: {}", w.text(PARAM_ENTRY_KEY_LABELS.get(str(k), k)), _param_text(str(k), v, w))
            for k, v in value.items()
        ))
    if isinstance(value, list):
        # entries in parentheses: their own keys are separated by «;»
        return w.join(", ", [w.format("({})", _param_text(key, v, w)) if isinstance(v, dict)
                             else _param_text(key, v, w) for v in value]) or w.text("—")
    text = str(value)
    if key in PARAM_NUMBER_KEYS and (isinstance(value, int | float | Decimal) or _NUMBER.match(text)):
        return w.text(_decimal_mark(text))
    return w.data(text) if key in PARAM_DATA_KEYS else w.text(text)


# The texts inside a criterion's parameters that are Vietnamese data: its levels', items' and variables' labels.
PARAM_DATA_KEYS = frozenset({"label"})


def _params_value(params: dict[str, Any], w: _Writer = PLAIN) -> str:
    """A criterion's recorded parameters as the editor names them: «Biến số: (tên: a; nhãn: Số văn bản); Công thức:
    a / b; Điểm khi chia cho 0: 1» (not «variables: name: a; …; on_zero_division: 1.000»)."""
    from scoring.administration.services.tree import PARAM_LABELS

    if not params:
        return w.text("—")
    return w.join("; ", (w.format("{}: {}", w.text(PARAM_LABELS.get(str(k), k)), _param_text(str(k), v, w))
                         for k, v in params.items()))


# A tree import's lists of criteria ({"codes": [...], "more": n}): the side of the arrow each is shown on.
CODE_LIST_FIELDS = {
    "indicators_added": "new", "indicators_removed": "old", "indicators_modified": "new", "indicators_moved": "new",
}


def _code_list(change: Any, labels: dict[str, dict[str, str]] | None = None, w: _Writer = PLAIN) -> str | None:
    """A recorded list of criteria as a person reads it: «1.1, 1.2 … và 3 tiêu chí khác»; a modified criterion
    with the fields that changed, «1.1.2 (Điểm tối đa, Tham số)», and their values where recorded (`changes`):
    «1.1.2 (Điểm tối đa: 2,00 → 2,50)». None when it is not such a list."""
    if not isinstance(change, dict) or not isinstance(change.get("codes"), list):
        return None
    indicator_labels = OBJECT_FIELD_LABELS["Indicator"]
    shown = []
    for item in change["codes"]:
        if isinstance(item, dict):
            values: dict[str, Any] = item["changes"] if isinstance(item.get("changes"), dict) else {}
            if values and labels is None:
                labels = _value_labels()
            if values:  # a criterion's values by its own labels (its kind is not a unit's)
                labels = _for_object(labels or {}, "Indicator")
            parts = []
            for f in item.get("fields") or []:
                label = w.text(indicator_labels.get(f) or FIELD_LABELS.get(f, f))
                value = values.get(f)
                if isinstance(value, dict) and {"old", "new"} >= set(value):
                    label = w.format("{}: {} → {}", label, change_value(f, value.get("old"), labels, writer=w),
                                     change_value(f, value.get("new"), labels, writer=w))
                parts.append(label)
            fields = w.join(", " if not values else "; ", parts)
            code = w.text(item.get("code"))
            shown.append(w.format("{} ({})", code, fields) if fields else code)
        else:
            shown.append(w.text(item))
    text = w.join("; " if any(isinstance(item, dict) for item in change["codes"]) else ", ", shown)
    more = change.get("more")
    if isinstance(more, int) and more > 0:
        more_text = w.text(_("… và %(n)s tiêu chí khác") % {"n": more})
        text = w.format("{} {}", text, more_text) if text else more_text
    return text


def _areas_shown(codes: Any, names: dict[str, str], w: _Writer = PLAIN) -> str:
    """An assignment's recorded areas and criteria («1», «1», «2»: the same area of two sets recorded twice) by code
    and name where known, each once: «1 Công tác chỉ đạo (2 bộ chỉ số); 2 Văn bản QPPL»."""
    if not isinstance(codes, list):
        return change_value("areas", codes, writer=w)
    shown = []
    for code, times in Counter(str(c) for c in codes).items():
        text = w.format("{} {}", w.text(code), w.data(names[code])) if names.get(code) else w.text(code)
        shown.append(w.translated(_("%(area)s (%(n)s bộ chỉ số)"), {"area": text, "n": times}) if times > 1
                     else text)
    return w.join("; " if names else ", ", shown) or w.text("—")


# Recorded fields whose values are texts people wrote or names of records, in Vietnamese whatever the page's
# language (marked so on a page in English); the others are shown in the page's language (Có/Không, states, dates).
DATA_TEXT_FIELDS = frozenset({
    "name", "short_name", "full_name", "self_note", "appraised_note", "explanation", "not_applicable_reason",
    "difficulties", "guidance", "coordinating_department", "decision_ref", "source_note", "document", "questions",
    "message", "question", "unit_kind", "ranking_group", "merged_into",
})


def change_rows(
    changes: Any, labels: dict[str, dict[str, str]] | None = None, object_type: str = "",
    inputs: dict[str, str] | None = None, *, html: bool = False,
) -> list[tuple[str, str, str, str]]:
    """(field, label, old, new) per recorded change, for the audit table and its export; a field recorded with the
    same old and new value (a set made active again), or with values shown alike (a deadline saved again, to the
    second; «1.00» and «1»), is no change and has no line. `inputs`: the labels of the
    criterion's input codes, for a score line's entry (`leaf_input_labels`). With `html`, old and new are written
    for a page (`HTML`: Vietnamese data marked `lang="vi"` on a page in another language, escaped once)."""
    if not isinstance(changes, dict):
        return []
    labels = _for_object(labels if labels is not None else _value_labels(), object_type)
    own = OBJECT_FIELD_LABELS.get(object_type, {})
    rows = []
    for name, change in changes.items():
        if name in CODE_LIST_FIELDS and (listed := _code_list(change, labels)) is not None:
            if listed:  # an empty list (nothing added, say) is not a change worth a line
                label = str(FIELD_LABELS[name])
                side = CODE_LIST_FIELDS[name]
                if html:
                    listed = _code_list(change, labels, HTML) or ""
                none = HTML.text("—") if html else "—"
                rows.append((str(name), label, listed if side == "old" else none, listed if side == "new" else none))
            continue
        if isinstance(change, dict) and {"old", "new"} >= set(change):
            old, new = change.get("old"), change.get("new")
        else:
            old, new = None, change
        if old == new and name not in UNRECORDED_FIELDS:
            continue
        label = str(own.get(name) or FIELD_LABELS.get(name, name))

        def shown_as(w: _Writer, old: Any = old, new: Any = new, name: str = name) -> tuple[str, str]:
            if name in AREA_CODE_FIELDS.get(object_type, ()):
                return _areas_shown(old, labels.get(name, {}), w), _areas_shown(new, labels.get(name, {}), w)
            return change_value(name, old, labels, inputs, writer=w), change_value(name, new, labels, inputs, writer=w)

        shown = shown_as(PLAIN)
        if shown[0] == shown[1] and name not in UNRECORDED_FIELDS:
            continue  # alike as shown: a deadline saved again to the second, «1.00» and «1»
        rows.append((str(name), label, *(shown_as(HTML) if html else shown)))
    return rows


def action_codes_matching(text: str) -> list[str]:
    """The known actions whose Vietnamese label contains `text` (any case, NFC), for the action filter."""
    key = unicodedata.normalize("NFC", text).casefold().strip()
    if not key:
        return []
    return [code for code, label in ACTION_LABELS.items() if key in unicodedata.normalize("NFC", str(label)).casefold()]


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every known action, by label."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda pair: pair[1])


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(code, code))


def object_shown(entry: Any, names: dict[tuple[str, str], ObjectName]) -> str:
    """«Tiêu chí 1.1 Xây dựng kế hoạch (tg-2020)», «Điểm tiêu chí 1.1.2 · Sở Tư pháp» (`names`: `object_names`);
    once the object is gone, the label the entry kept of it when recorded; «Tiêu chí #356» for an entry recorded
    before labels were kept whose object is gone."""
    label = object_type_label(entry.object_type)
    known = names.get((entry.object_type, str(entry.object_id)))
    if known is not None:
        return f"{label} {known.text}"
    kept = getattr(entry, "object_label", "")
    return f"{label} {kept}" if kept else f"{label} #{entry.object_id}"


def object_name(entry: Any, names: dict[tuple[str, str], ObjectName]) -> str:
    """What `object_shown` writes after the object's type: its code and name as recorded, data in Vietnamese
    («1.1.2 · Sở Tư pháp»); empty when only its id is known."""
    known = names.get((entry.object_type, str(entry.object_id)))
    if known is not None:
        return known.text
    return getattr(entry, "object_label", "") or ""


def object_type_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) for the object type filter, by label."""
    return sorted(((code, object_type_label(code)) for code in codes), key=lambda pair: pair[1])


def _unit_codes_in(entry: Any) -> list[str]:
    """The unit codes an entry's changes name: a unit merged into another, an assignment's units."""
    if not isinstance(entry.changes, dict):
        return []
    fields = UNIT_CODE_FIELDS | (UNIT_CODE_LIST_FIELDS.get(entry.object_type) or frozenset())
    found = []
    for name, change in entry.changes.items():
        if name not in fields or not isinstance(change, dict):
            continue
        for side in (change.get("old"), change.get("new")):
            found += [str(code) for code in (side if isinstance(side, list) else [side]) if isinstance(code, str)
                      and code]
    return found


def _unit_names(entries: list[Any]) -> dict[str, str]:
    """«name (code)» of the units the entries name by code (one query)."""
    from scoring.models import Unit

    codes = {code for entry in entries for code in _unit_codes_in(entry)}
    if not codes:
        return {}
    return {code: DataLabel(f"{name} ({code})")
            for code, name in Unit.objects.filter(code__in=codes).values_list("code", "name")}


def _ids(entries: list[Any], object_type: str) -> set[int]:
    return {int(e.object_id) for e in entries if e.object_type == object_type and str(e.object_id).isdigit()
            and 0 < int(e.object_id) < 2**63}


def _person(full_name: str, username: str) -> str:
    return f"{full_name} ({username})" if full_name and full_name != username else username


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1].rstrip()}…"


def _score_lines(entries: list[Any]) -> tuple[dict[str, ObjectName], dict[str, dict[str, str]]]:
    """For the score lines the entries name, by id: «<criterion code> · <unit short name or name>», and the
    `leaf_input_labels` of their criterion (one query)."""
    from scoring.models import ScoreLine

    ids = _ids(entries, "ScoreLine")
    if not ids:
        return {}, {}
    rows = ScoreLine.objects.filter(pk__in=ids).values_list(
        "pk", "indicator__code", "indicator__params", "assessment__unit__short_name", "assessment__unit__name"
    )
    names, inputs = {}, {}
    for pk, code, params, short_name, name in rows:
        names[str(pk)] = ObjectName(f"{code} · {short_name or name}", code)
        inputs[str(pk)] = leaf_input_labels(params)
    return names, inputs


@dataclasses.dataclass(frozen=True)
class ObjectName:
    """What a person knows an audited object by (`text`, after its type: «1.1.2 Mức độ … (tg-2021-so)») and the
    object's own code, if it has one, for the «Mã đối tượng» filter (a criterion's «1.1.2», a set's key, a unit's
    code, an account's username)."""

    text: str
    code: str = ""


@dataclasses.dataclass
class _Assignments:
    """The appraisal assignments the entries name: their names, and each one's cycle's areas by code."""

    names: dict[int, ObjectName] = dataclasses.field(default_factory=dict)
    area_names: dict[int, dict[str, str]] = dataclasses.field(default_factory=dict)


def _assignments(ids: set[int], *, area_names: bool) -> _Assignments:
    """«<appraiser> — <cycle>, lĩnh vực 1, 2 (tg-2021-so); 1 (tg-2021-huyen)» per assignment (a code means nothing
    without its set), and with `area_names` the names of the areas and criteria of its cycle's sets by code (two
    queries, three with the names)."""
    from appraisal.models import AppraisalAssignment
    from scoring.models import Indicator

    found = _Assignments()
    rows = AppraisalAssignment.objects.filter(pk__in=ids).values_list(
        "pk", "cycle_id", "cycle__name", "user__username", "user__first_name", "user__last_name")
    if not rows:
        return found
    through = AppraisalAssignment.areas.through.objects.filter(appraisalassignment_id__in=ids).order_by(
        "indicator__indicator_set__key", "indicator__order").values_list(
        "appraisalassignment_id", "indicator__indicator_set__key", "indicator__code")
    areas: dict[int, dict[str, list[str]]] = {}
    for pk, key, code in through:
        areas.setdefault(pk, {}).setdefault(key, []).append(code)
    cycles = {}
    for pk, cycle_id, cycle, username, first, last in rows:
        person = " ".join(p for p in (first, last) if p) or username
        by_set = "; ".join(f"{', '.join(codes)} ({key})" for key, codes in areas.get(pk, {}).items())
        text = (_("%(person)s — %(cycle)s, lĩnh vực %(areas)s") % {"person": person, "cycle": cycle, "areas": by_set}
                if by_set else f"{person} — {cycle}")
        found.names[pk] = ObjectName(text, username)
        cycles[pk] = cycle_id
    if not area_names:
        return found
    nodes: dict[int, dict[str, set[str]]] = {}
    for cycle_id, code, name in Indicator.objects.filter(
        indicator_set__cycle_sets__cycle_id__in=set(cycles.values()), level__lte=2
    ).values_list("indicator_set__cycle_sets__cycle_id", "code", "name"):
        nodes.setdefault(cycle_id, {}).setdefault(code, set()).add(_shorten(name, 60))
    for pk, cycle_id in cycles.items():
        found.area_names[pk] = {code: " / ".join(sorted(names)) for code, names in nodes.get(cycle_id, {}).items()}
    return found


def _resolvers() -> dict[str, Any]:
    """Per type of object: ids → {id: ObjectName}, one query each (the assignments and the score lines apart:
    `_resolved`)."""
    from django.contrib.auth import get_user_model

    from evidence.models import EvidenceFile
    from scoring.models import (
        Assessment,
        Cycle,
        Indicator,
        IndicatorMapping,
        IndicatorSet,
        RankingGroup,
        Unit,
        UnitKind,
    )

    def users(ids: set[int]) -> dict[int, ObjectName]:
        rows = get_user_model()._default_manager.filter(pk__in=ids).values_list(
            "pk", "username", "first_name", "last_name")
        return {pk: ObjectName(_person(" ".join(p for p in (first, last) if p), username), username)
                for pk, username, first, last in rows}

    return {
        "Indicator": lambda ids: {
            pk: ObjectName(f"{code} {_shorten(name)} ({key})", code)
            for pk, code, name, key in Indicator.objects.filter(pk__in=ids).values_list(
                "pk", "code", "name", "indicator_set__key")
        },
        "IndicatorSet": lambda ids: {
            pk: ObjectName(f"{name} ({key})", key) for pk, key, name in IndicatorSet.objects.filter(
                pk__in=ids).values_list("pk", "key", "name")
        },
        "User": users,
        "Unit": lambda ids: {
            pk: ObjectName(f"{name} ({code})", code)
            for pk, code, name in Unit.objects.filter(pk__in=ids).values_list("pk", "code", "name")
        },
        "UnitKind": lambda ids: {pk: ObjectName(name, code) for pk, code, name in UnitKind.objects.filter(
            pk__in=ids).values_list("pk", "code", "name")},
        "RankingGroup": lambda ids: {pk: ObjectName(name, code) for pk, code, name in RankingGroup.objects.filter(
            pk__in=ids).values_list("pk", "code", "name")},
        "Cycle": lambda ids: {pk: ObjectName(name) for pk, name in Cycle.objects.filter(pk__in=ids).values_list(
            "pk", "name")},
        "Assessment": lambda ids: {
            pk: ObjectName(f"{short_name or name} · {year}")
            for pk, short_name, name, year in Assessment.objects.filter(pk__in=ids).values_list(
                "pk", "unit__short_name", "unit__name", "cycle__year")
        },
        "EvidenceFile": lambda ids: {pk: ObjectName(name) for pk, name in EvidenceFile.objects.filter(
            pk__in=ids).values_list("pk", "original_name")},
        "IndicatorMapping": lambda ids: {
            pk: ObjectName(f"{from_code} ({from_key}) → {to_code} ({to_key})")
            for pk, from_code, from_key, to_code, to_key in IndicatorMapping.objects.filter(pk__in=ids).values_list(
                "pk", "from_code", "from_set__key", "to_code", "to_set__key")
        },
    }


def object_names(entries: Iterable[Any]) -> dict[tuple[str, str], ObjectName]:
    """What a person knows each entry's object by, keyed by (object type, id): a criterion by «<code> <name> (<set
    key>)», a set by «name (key)», a person by «full name (username)», a unit by «name (code)», an appraisal
    assignment by its appraiser, cycle and areas… One query per type of object named (`_resolvers`, the score
    lines: `_score_lines`, the assignments: `_assignments`); an object gone is left out. The one rule for the audit
    page and for the label an entry keeps when it is recorded (`label_when_recorded`)."""
    return _resolved(list(entries), details=False)[0]


def _resolved(entries: list[Any], *, details: bool) -> tuple[
    dict[tuple[str, str], ObjectName], dict[str, dict[str, str]], dict[int, dict[str, str]]
]:
    """`object_names`, and with `details` what the changes of the page need besides: the score lines' input labels
    (`leaf_input_labels`) and the assignments' area names (`_assignments`), each by id."""
    found: dict[tuple[str, str], ObjectName] = {}
    for object_type, resolve in _resolvers().items():
        ids = _ids(entries, object_type)
        if ids:
            found.update({(object_type, str(pk)): name for pk, name in resolve(ids).items()})
    assignments = _Assignments()
    if ids := _ids(entries, "AppraisalAssignment"):
        assignments = _assignments(ids, area_names=details)
        found.update({("AppraisalAssignment", str(pk)): name for pk, name in assignments.names.items()})
    lines, inputs = _score_lines(entries)
    found.update({("ScoreLine", pk): name for pk, name in lines.items()})
    return found, inputs, assignments.area_names


# The objects an entry keeps the label of when it is recorded: all those the page names but a score line, which
# outlives its entries (its criterion is protected, its assessment goes only while nothing was scored) and whose
# entries are the busiest writes, kept to their round trips (the page still names it from the database).
LABELLED_WHEN_RECORDED = frozenset({
    "Indicator", "IndicatorSet", "User", "Unit", "UnitKind", "RankingGroup", "Cycle", "Assessment",
    "AppraisalAssignment", "EvidenceFile", "IndicatorMapping",
})
# An object deleted before its entry is written: the recorded field that names it (its old value).
_NAMED_BY_CHANGE = {"Indicator": ("code", ""), "IndicatorSet": ("key", ""), "EvidenceFile": ("file", "name"),
                    "IndicatorMapping": ("mapping", "")}


def _named_by_changes(entry: Any) -> ObjectName | None:
    """A deleted criterion by the code its deletion records («9.9»), a set by its key, a file by its name."""
    field_name, key = _NAMED_BY_CHANGE.get(entry.object_type, ("", ""))
    change = entry.changes.get(field_name) if field_name and isinstance(entry.changes, dict) else None
    old = change.get("old") if isinstance(change, dict) else None
    if key and isinstance(old, dict):
        old = old.get(key)
    if not isinstance(old, str | int) or isinstance(old, bool) or old == "":
        return None
    code = str(old) if entry.object_type in {"Indicator", "IndicatorSet"} else ""
    return ObjectName(str(old), code)


def label_when_recorded(entries: Iterable[Any]) -> None:
    """Give each new entry (`AuditEntry`, unsaved) the label and code of its object as it is now (`object_names`),
    in the site's language as the system's reasons are; an object already deleted by the change is named by what
    the entry records of it. Side effect: one query per type of object (none for a score line)."""
    from django.conf import settings

    todo = [e for e in entries if e.object_type in LABELLED_WHEN_RECORDED]
    if not todo:
        return
    with translation.override(settings.LANGUAGE_CODE):
        names = object_names(todo)
    for entry in todo:
        name = names.get((entry.object_type, str(entry.object_id))) or _named_by_changes(entry)
        if name is None:
            continue
        entry.object_label = _shorten(name.text, LABEL_LIMIT)
        entry.object_code = name.code if len(name.code) <= CODE_LIMIT else ""


LABEL_LIMIT, CODE_LIMIT = 255, 60  # AuditEntry.object_label's and object_code's max_length


# What an object's code is, by type of object, for the «Mã đối tượng» filter on entries recorded before labels were
# kept (the field of the object, or of what it belongs to, holding the code).
_CODE_FIELDS = {
    "Indicator": ("scoring.Indicator", "code"),
    "IndicatorSet": ("scoring.IndicatorSet", "key"),
    "Unit": ("scoring.Unit", "code"),
    "UnitKind": ("scoring.UnitKind", "code"),
    "RankingGroup": ("scoring.RankingGroup", "code"),
    "User": ("", "username"),
    "ScoreLine": ("scoring.ScoreLine", "indicator__code"),
    "AppraisalAssignment": ("appraisal.AppraisalAssignment", "user__username"),
}


def object_matching(text: str, object_type: str = "") -> Q:
    """The entries whose object is `text`: by its id, as recorded (the filter's first meaning), or by its code
    («1.1.2», a set's key, a unit's code, a username): the code the entry kept (its object may be gone), or the
    code of its object now, where it still exists (an entry recorded before codes were kept, a criterion renumbered
    since): a subquery per type of object, or only `object_type`'s."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    text = unicodedata.normalize("NFC", text).strip()
    matching = Q(object_id=text) | Q(object_code=text)
    for kind, (label, field_name) in _CODE_FIELDS.items():
        if object_type and kind != object_type:
            continue
        model = apps.get_model(label) if label else get_user_model()
        ids = model._default_manager.filter(**{field_name: text}).annotate(
            text_id=Cast("pk", output_field=CharField())).values("text_id")
        matching |= Q(object_type=kind, object_id__in=ids)
    return matching


def labelled(entries: Iterable[Any], *, html: bool = False) -> list[Any]:
    """The entries, each given `action_label`, `object_type_label`, `object_shown` and `change_rows` for the audit
    table (a few queries whatever their number: the kinds and groups, the units named by code, the score lines
    with their criteria and units, one per other type of object named). With `html`, the change rows' values are
    written for a page (`change_rows`), the export's are plain text."""
    out = list(entries)
    values = _value_labels()
    units = _unit_names(out)
    values.update({name: units for name in UNIT_CODE_FIELDS})
    values.update({f"{kind}.{name}": units for kind, names in UNIT_CODE_LIST_FIELDS.items() for name in names})
    names, inputs, areas = _resolved(out, details=True)
    for entry in out:
        entry.action_label = action_label(entry.action)
        entry.object_type_label = object_type_label(entry.object_type)
        entry.object_shown = object_shown(entry, names)
        entry.object_name = object_name(entry, names)
        own_values = values
        if entry.object_type == "AppraisalAssignment" and str(entry.object_id).isdigit():
            own_values = {**values, "areas": areas.get(int(entry.object_id), {})}
        entry.change_rows = change_rows(
            entry.changes, own_values, entry.object_type,
            inputs.get(str(entry.object_id)) if entry.object_type == "ScoreLine" else None, html=html,
        )
        # the system's own reasons are stored in Vietnamese and read in the page's language; a person's as written
        entry.reason_shown = _(entry.reason) if entry.reason else ""
        entry.reason_is_data = bool(entry.reason) and entry.reason_shown == entry.reason  # not the system's, translated
    return out
