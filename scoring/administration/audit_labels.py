"""Vietnamese names of the audit log's codes (actions such as `score_line.self`, object types such as
`ScoreLine`) for the audit pages. A code not listed here is shown as it is recorded."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _l

ACTION_LABELS = {
    "api_token.issue": _l("Cấp khoá API"),
    "api_token.revoke": _l("Thu hồi khoá API"),
    "appraisal_assignment.delete": _l("Bỏ phân công thẩm định"),
    "appraisal_assignment.save": _l("Phân công thẩm định"),
    "assessment.difficulties": _l("Ghi khó khăn, vướng mắc"),
    "assessment.explanation_request": _l("Yêu cầu giải trình"),
    "assessment.extend_deadline": _l("Gia hạn tự đánh giá"),
    "assessment.import_self": _l("Nhập phiếu tự chấm từ Excel"),
    "assessment.open": _l("Mở bản đánh giá"),
    "assessment.round": _l("Đóng vòng giải trình"),
    "assessment.state": _l("Chuyển trạng thái bản đánh giá"),
    "cycle.create": _l("Tạo kỳ đánh giá"),
    "cycle.deadlines": _l("Đổi các hạn của kỳ"),
    "cycle.phase": _l("Chuyển giai đoạn của kỳ"),
    "evidence.delete": _l("Xoá tài liệu kiểm chứng"),
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
    "role.assign": _l("Gán vai trò"),
    "role.remove": _l("Bỏ vai trò"),
    "score_line.accept_not_applicable": _l("Chấp nhận «không phát sinh»"),
    "score_line.appraise": _l("Thẩm định điểm"),
    "score_line.explain": _l("Giải trình"),
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
    "user.activate": _l("Mở khoá tài khoản"),
    "user.create": _l("Tạo tài khoản"),
    "user.deactivate": _l("Khoá tài khoản"),
    "user.password_reset": _l("Đặt lại mật khẩu"),
}

OBJECT_TYPE_LABELS = {
    "AppraisalAssignment": _l("Phân công thẩm định"),
    "Assessment": _l("Bản đánh giá"),
    "Cycle": _l("Kỳ đánh giá"),
    "EvidenceFile": _l("Tài liệu kiểm chứng"),
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
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(code, code))


def object_type_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) for the object type filter, by label."""
    return sorted(((code, object_type_label(code)) for code in codes), key=lambda pair: pair[1])


def labelled(entries: Iterable[Any]) -> list[Any]:
    """The entries, each given `action_label` and `object_type_label` for the audit table."""
    out = list(entries)
    for entry in out:
        entry.action_label = action_label(entry.action)
        entry.object_type_label = object_type_label(entry.object_type)
    return out
