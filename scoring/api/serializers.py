"""Output serializers of the scoring API (and the input of the unit's own writes)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from cchc.api import ErrorSerializer
from scoring import selectors
from scoring.api.common import InputSerializer, ScoreValueInput, value_key_errors
from scoring.models import Assessment, Cycle, Indicator, IndicatorSet, RankingGroup, ScoreLine, Unit

# --- serializers ------------------------------------------------------------------------------------------


class RankingGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = RankingGroup
        fields = ["id", "code", "name", "order"]


class UnitSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=gettext_lazy("Loại đơn vị"), help_text=gettext_lazy("Mã loại đơn vị.")
    )
    ranking_group = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label=gettext_lazy("Khối xếp hạng"),
        help_text=gettext_lazy("Mã khối xếp hạng."),
    )
    # `parent` stays the id it has always been; the code is what a PATCH and the `parent` filter take.
    parent_code = serializers.SlugRelatedField(
        source="parent", slug_field="code", read_only=True, allow_null=True,
        label=gettext_lazy("Mã đơn vị cấp trên"), help_text=gettext_lazy("Như trường `parent` của PATCH."),
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "ranking_group", "parent", "parent_code", "active",
                  "superior_body"]


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # null: an area

    class Meta:
        model = Indicator
        fields = [
            "id", "code", "name", "parent", "level", "order", "is_leaf", "kind", "max_points", "floor", "method",
            "params", "evidence_required", "allow_not_applicable", "guidance", "source",
        ]


class IndicatorSetSerializer(serializers.ModelSerializer):
    unit_kind = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = IndicatorSet
        fields = [
            "id", "key", "year", "version", "unit_kind", "name", "decision_ref", "standard_max", "index_mode",
            "bonus_cap", "penalty_cap", "classification_bands", "status",
        ]


class IndicatorSetDetailSerializer(IndicatorSetSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(IndicatorSetSerializer.Meta):
        fields = [*IndicatorSetSerializer.Meta.fields, "indicators"]

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, obj: IndicatorSet) -> list[dict[str, Any]]:
        rows = selectors.indicator_tree(indicator_set=obj)
        return IndicatorSerializer([r["node"] for r in rows], many=True).data  # type: ignore[return-value]


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = [
            "id", "year", "name", "phase", "self_assessment_deadline", "appraisal_deadline",
            "explanation_deadline", "finalisation_deadline",
        ]


class HandOverSerializer(serializers.Serializer):
    """How an assessment the unit never submitted reached the appraisal team (`scoring.selectors.handover`)."""

    at = serializers.DateTimeField(help_text=gettext_lazy("Lúc chuyển bản đánh giá cho Tổ thẩm định."))
    by_username = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Tên đăng nhập người chuyển; null nếu nhật ký không ghi ai."))
    by_name = serializers.CharField(help_text=gettext_lazy("Họ tên (hoặc tên đăng nhập) người chuyển; rỗng nếu "
                                                           "nhật ký không ghi ai."))
    reason = serializers.CharField(help_text=gettext_lazy("Lý do ghi khi chuyển."))


class AssessmentListSerializer(serializers.ListSerializer):
    """A list of assessments: their hand-overs read at once for the whole list (one query, none when no assessment
    of it was ever submitted), not once per row."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = list(data.all() if hasattr(data, "all") else data)
        _handovers_known(self.child.context if self.child else {}, rows)
        return super().to_representation(rows)


def _handovers_known(context: Any, assessments: list[Assessment]) -> dict[int, Any]:
    """The context's hand-overs (`handover_entries`), read once for the assessments not known yet; only those ever
    submitted can have been handed over (no query for drafts never sent)."""
    from scoring.selectors.handover import handover_entries

    known: dict[int, Any] = context.setdefault("_handovers", {}) if isinstance(context, dict) else {}
    wanted = [a.pk for a in assessments if a.pk not in known and a.submitted_at is not None]
    if wanted:
        found = handover_entries(wanted)
        known.update({pk: found.get(pk) for pk in wanted})
    return known


class AssessmentSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)
    cycle = serializers.SlugRelatedField(slug_field="year", read_only=True)
    indicator_set = serializers.SlugRelatedField(slug_field="key", read_only=True)
    effective_deadline = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Hạn tự đánh giá đang áp dụng cho đơn vị: hạn muộn hơn giữa hạn riêng (`deadline_override`) và hạn của "
            "kỳ; null khi chưa đặt hạn nào."
        ),
    )

    # A draft has no submission being considered (never submitted, or withdrawn by the unit head to edit it again):
    # its `submitted_at` is null, as the pages say nothing of a submission then; the latest one is `last_submitted_at`.
    submitted_at = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Lúc gửi bản tự đánh giá đang được xét (đã gửi, đang thẩm định, giải trình hoặc đã thông qua); null khi "
            "bản đánh giá là bản nháp: chưa gửi, hoặc thủ trưởng đơn vị đã rút lại để chỉnh sửa (lần gửi đó ở "
            "`last_submitted_at`). Với bản đánh giá đơn vị không gửi mà được chuyển cho Tổ thẩm định khi quá hạn "
            "(`handed_over` khác null), đây là lúc chuyển, không phải lúc đơn vị gửi: đơn vị không gửi."
        ),
    )
    last_submitted_at = serializers.DateTimeField(
        source="submitted_at", read_only=True, allow_null=True,
        help_text=gettext_lazy(
            "Lúc gửi bản tự đánh giá lần gần nhất, kể cả lần đã được rút lại (bản nháp); null khi chưa gửi lần nào. "
            "Các lần gửi và rút lại đều ghi trong nhật ký. Khi lần đó là một lần chuyển cho Tổ thẩm định thay đơn vị "
            "(`handed_over` khác null), đây là lúc chuyển."
        ),
    )
    # The unit's own submission and the administrator's hand-over of an overdue draft both set `submitted_at`
    # (the moment the team received it); which one it was is in the audit of that state change.
    handed_over = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Đơn vị không gửi bản tự đánh giá: quá hạn mà chưa gửi, bản đánh giá được quản trị viên chuyển cho Tổ "
            "thẩm định như đơn vị để lại (như «Đơn vị không gửi» của trang thẩm định và `not_submitted` của dữ liệu "
            "đã công bố): lúc chuyển, người chuyển và lý do. Nói về lần gửi ở `last_submitted_at`; null khi đơn vị "
            "tự gửi, hoặc chưa gửi lần nào."
        ),
    )
    # Likewise a reopened assessment is no longer signed off (the pages treat it as under appraisal again): its
    # `signed_off_at` is null; the stored moment, which publication reads, stays readable as `last_signed_off_at`.
    signed_off_at = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Lúc bản đánh giá được thông qua, khi bản đánh giá đang ở trạng thái đã thông qua; null khi chưa thông "
            "qua, hoặc đã được mở lại để thẩm định tiếp (lần thông qua đó ở `last_signed_off_at`)."
        ),
    )
    last_signed_off_at = serializers.DateTimeField(
        read_only=True, allow_null=True, source="signed_off_at",
        help_text=gettext_lazy(
            "Lúc bản đánh giá được thông qua lần gần nhất, kể cả khi sau đó đã được mở lại; null khi chưa thông qua "
            "lần nào. Các lần thông qua và mở lại đều ghi trong nhật ký."
        ),
    )

    # After a merger, the successor unit's people read the signed-off assessments of the units merged into theirs,
    # read-only (`permissions.reads_as_successor`): the list and the detail say which ones those are.
    read_as_successor = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Người hỏi chỉ được xem bản đánh giá này vì đơn vị của nó đã sáp nhập vào đơn vị của người hỏi (trực "
            "tiếp hoặc qua nhiều lần sáp nhập): bản đã thông qua của đơn vị trước sáp nhập, chỉ được đọc, không sửa, "
            "gửi hay tải tài liệu lên được (như «Bản đánh giá của đơn vị trước sáp nhập» của trang chủ); đơn vị cũ "
            "ở `unit`. false với bản đánh giá của chính đơn vị người hỏi, với người xem vì vai trò khác (quản trị "
            "viên, Tổ thẩm định) và trong câu trả lời của một thao tác."
        ),
    )

    class Meta:
        model = Assessment
        fields = [
            "id", "cycle", "unit", "indicator_set", "state", "version", "deadline_override", "effective_deadline",
            "appraisal_round", "explanation_deadline", "submitted_at", "last_submitted_at", "signed_off_at",
            "last_signed_off_at", "handed_over", "read_as_successor",
        ]
        list_serializer_class = AssessmentListSerializer

    @extend_schema_field(serializers.BooleanField(read_only=True))
    def get_read_as_successor(self, obj: Assessment) -> bool:
        known = getattr(obj, "successor_read", None)  # the list's rows say it (`assessments_visible_to`)
        if known is not None:
            return bool(known)
        request = self.context.get("request") if isinstance(self.context, dict) else None
        user = getattr(request, "user", None)
        return user is not None and read_only_as_successor(user, obj)

    @extend_schema_field(HandOverSerializer(allow_null=True, read_only=True))
    def get_handed_over(self, obj: Assessment) -> dict[str, Any] | None:
        entry = _handovers_known(self.context, [obj]).get(obj.pk)
        if entry is None:
            return None
        actor = entry.actor
        return HandOverSerializer({
            "at": obj.submitted_at or entry.at,  # as the review page says it (`assessment_handover`)
            "by_username": actor.get_username() if actor else None,
            "by_name": (actor.get_full_name() or actor.get_username()) if actor else "",
            "reason": entry.reason or "",
        }).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True, read_only=True))
    def get_effective_deadline(self, obj: Assessment) -> str | None:
        from scoring import permissions

        deadline = permissions.self_assessment_deadline(obj)
        return serializers.DateTimeField().to_representation(deadline) if deadline is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True, read_only=True))
    def get_submitted_at(self, obj: Assessment) -> str | None:
        if obj.state == Assessment.State.DRAFT or obj.submitted_at is None:
            return None
        return serializers.DateTimeField().to_representation(obj.submitted_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True, read_only=True))
    def get_signed_off_at(self, obj: Assessment) -> str | None:
        if obj.state != Assessment.State.SIGNED_OFF or obj.signed_off_at is None:
            return None
        return serializers.DateTimeField().to_representation(obj.signed_off_at)


def read_only_as_successor(user: Any, assessment: Assessment) -> bool:
    """Whether `user` sees the assessment only as a person of a unit it was merged into
    (`permissions.reads_as_successor`), the last of `permissions.can_view_assessment`'s reasons: not an
    administrator, not the unit's own person, not the team member who appraises it. No query for the unit's own
    people; the walk of the mergers, once a request, for the others reading a signed-off assessment."""
    from appraisal.permissions import is_assigned
    from scoring import permissions

    if permissions.is_administrator(user) or permissions.is_unit_member(user, assessment.unit_id):
        return False
    if not permissions.reads_as_successor(user, assessment):
        return False
    return not (permissions.team_may_see(user, assessment) and is_assigned(user, assessment))


APPRAISAL_FIELDS = (
    "appraised_value", "appraised_score", "appraised_note", "na_overruled", "na_accepted", "credited_appraised_score",
)


def hides_appraisal(user: Any, assessment: Any) -> bool:
    """Whether `user` reads the assessment's lines without the appraisal: the unit's own people until the
    assessment is signed off, even those on the team for other units (`appraisal.permissions.appraisal_hidden_from`,
    as the pages); administrators see it. The appraisal in
    progress is the team's; the unit hears of it through an explanation request's reasons, as on the pages."""
    from appraisal.permissions import appraisal_hidden_from

    return assessment.state != Assessment.State.SIGNED_OFF and appraisal_hidden_from(user, assessment)


def credited_scores(line: ScoreLine, assessment: Assessment) -> tuple[Decimal | None, Decimal | None]:
    """(self, appraised): the points the leaf counts for in the totals of the self-assessment and of the appraisal,
    by the one rule the team's workbook uses too (`appraisal.selectors.review.credited_scores`). No query: the line's
    indicator and the assessment's set are read with them."""
    from appraisal.selectors.review import credited_scores as credited

    return credited(line, state=assessment.state, index_mode=assessment.indicator_set.index_mode)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else serializers.DecimalField(max_digits=7, decimal_places=2).to_representation(value)


class ScoreLineSerializer(serializers.ModelSerializer):
    """A line; with the context's `hide_appraisal`, the appraisal's fields are null (see `hides_appraisal`)."""

    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    na_overruled = serializers.BooleanField(
        read_only=True, allow_null=True, label=gettext_lazy("Không chấp nhận «không phát sinh»"),
        help_text=gettext_lazy(
            "Tổ thẩm định không chấp nhận «không phát sinh» của đơn vị (tiêu chí được tính theo điểm thẩm định). "
            "null với người của đơn vị khi bản đánh giá chưa được thông qua."
        ),
    )
    na_accepted = serializers.BooleanField(
        read_only=True, allow_null=True, label=gettext_lazy("Chấp nhận «không phát sinh»"),
        help_text=gettext_lazy(
            "Tổ thẩm định đã chấp nhận «không phát sinh» của đơn vị. Tiêu chí KPS có `na_accepted` và `na_overruled` "
            "cùng false đang chờ Tổ thẩm định quyết định (trừ bản đã thông qua trước khi có bước chấp nhận: sự thông "
            "qua là quyết định). null với người của đơn vị khi bản đánh giá chưa được thông qua."
        ),
    )
    credited_self_score = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Điểm tiêu chí được tính vào tổng điểm tự đánh giá: bằng `self_score`, trừ tiêu chí không phát sinh (KPS) "
            "được tính điểm mà cách tính chỉ số dành cho KPS (điểm tối đa của tiêu chí khi tính theo điểm), như "
            "«KPS (tính X điểm)» của trang chấm điểm và báo cáo. Cộng giá trị này của các tiêu chí thường trong một "
            "lĩnh vực được điểm của lĩnh vực; tiêu chí điểm cộng, điểm trừ (số dương, bị trừ) tính như `self_score`. "
            "null: chưa có điểm (tính 0), hoặc KPS không tính vào điểm tối đa (cách tính theo tỷ lệ phần trăm)."
        ),
    )
    credited_appraised_score = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Điểm tiêu chí được tính vào tổng điểm thẩm định (kết quả, chỉ số): bằng `appraised_score`, trừ tiêu chí "
            "không phát sinh (KPS) được Tổ thẩm định chấp nhận, được tính điểm mà cách tính chỉ số dành cho KPS "
            "(điểm tối đa của tiêu chí khi tính theo điểm). Cộng giá trị này của các tiêu chí thường trong một lĩnh "
            "vực được điểm của lĩnh vực; tiêu chí điểm cộng, điểm trừ (số dương, bị trừ) tính như `appraised_score`. "
            "null: chưa thẩm định (tính 0), KPS đang chờ Tổ thẩm định quyết định, KPS không tính vào điểm tối đa "
            "(cách tính theo tỷ lệ phần trăm), hoặc người của đơn vị đọc bản đánh giá chưa được thông qua."
        ),
    )

    explanation_new = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Giải trình đơn vị gửi ở vòng giải trình vừa kết thúc mà Tổ thẩm định chưa xem, ở tiêu chí người hỏi thẩm "
            "định: chưa ai chấm lại, chấp nhận hay đánh dấu đã xem (`explanation-seen/`), như nhãn «Giải trình mới» "
            "và số giải trình mới của trang thẩm định. Luôn false với người của đơn vị, và trong câu trả lời một lần "
            "lưu dòng (một quyết định của Tổ thẩm định đánh dấu giải trình đã xem)."
        ),
    )

    agreed = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Đơn vị trả lời tiêu chí bằng «Đồng ý với kết quả thẩm định» (không có nội dung giải trình) ở vòng giải "
            "trình đang mở, hoặc vòng gần nhất đã kết thúc, với tiêu chí vòng đó yêu cầu giải trình "
            "(`explanation_requested`), như trang thẩm định ghi. false khi chưa có vòng giải trình nào. Người của "
            "đơn vị cũng thấy (đó là câu trả lời của chính đơn vị)."
        ),
    )

    @extend_schema_field(serializers.BooleanField(read_only=True))
    def get_agreed(self, instance: ScoreLine) -> bool:
        return instance.explanation_requested and instance.pk in self._agreed_lines(instance.assessment_id)

    def _agreed_lines(self, assessment_id: int) -> set[int]:
        # the latest round's agreements, read once for a whole list (the context is shared by its lines)
        cache = self.context.setdefault("_agreed_lines", {}) if isinstance(self.context, dict) else {}
        if assessment_id not in cache:
            from appraisal.models import ExplanationRound  # the appraisal app builds on this one

            latest = (ExplanationRound.objects.filter(assessment_id=assessment_id).order_by("-round")
                      .values_list("agreed_lines", flat=True).first())
            cache[assessment_id] = {int(pk) for pk in latest or []}
        return cache[assessment_id]

    @extend_schema_field(serializers.BooleanField(read_only=True))
    def get_explanation_new(self, instance: ScoreLine) -> bool:
        # the context's `new_explanations`: the user's lines (`appraisal.selectors.explanation`), read once for a list
        return instance.pk in self.context.get("new_explanations", ())

    def _credited(self, instance: ScoreLine) -> tuple[Decimal | None, Decimal | None]:
        # The context's `assessment` is the lines', read with its set: no query per line. Without it, the line's own.
        return credited_scores(instance, self.context.get("assessment") or instance.assessment)

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, read_only=True))
    def get_credited_self_score(self, instance: ScoreLine) -> str | None:
        return _decimal(self._credited(instance)[0])

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, read_only=True))
    def get_credited_appraised_score(self, instance: ScoreLine) -> str | None:
        return _decimal(self._credited(instance)[1])

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        if self.context.get("hide_appraisal"):
            for name in APPRAISAL_FIELDS:
                data[name] = None
        return data

    class Meta:
        model = ScoreLine
        fields = [
            "id", "indicator", "self_value", "self_score", "self_note", "not_applicable", "not_applicable_reason",
            "appraised_value", "appraised_score", "appraised_note", "na_overruled", "explanation",
            "explanation_requested", "version", "updated_at",
            "na_accepted", "credited_self_score", "credited_appraised_score", "explanation_new", "agreed",
        ]
        # null with the context's `hide_appraisal`, like every other field of APPRAISAL_FIELDS (a client generated
        # from the schema must not be told it is always a string)
        extra_kwargs = {
            "appraised_note": {
                "allow_null": True,
                "help_text": gettext_lazy(
                    "Ghi chú của Tổ thẩm định. null với người của đơn vị khi bản đánh giá chưa được thông qua."
                ),
            },
        }


class LineWriterSerializer(serializers.Serializer):
    """Who made a line's stored version (the audit's latest write of the leaf), named in a stale write's 409."""

    username = serializers.CharField(allow_null=True)
    name = serializers.CharField(help_text="Họ tên (hoặc tên đăng nhập) người lưu; rỗng nếu là hệ thống.")
    at = serializers.DateTimeField()
    action = serializers.CharField(help_text="Mã thao tác trong nhật ký, ví dụ `score_line.appraise`.")
    action_label = serializers.CharField(help_text="Tên thao tác theo ngôn ngữ của yêu cầu.")
    yours = serializers.BooleanField(help_text="true: chính người gửi yêu cầu đã lưu (ở một thẻ hay một lần gọi khác).")


class StaleLineErrorSerializer(ErrorSerializer):
    """The 409 of a write on a line: the one error body; with `stale_version`, also the line as it is stored now
    (`current`), so that the client can choose which value to keep and send again with its `version`."""

    current = ScoreLineSerializer(
        required=False,
        help_text="Chỉ có khi mã là `stale_version`: dòng đang lưu (phiên bản mới nhất). Các trường thẩm định là "
        "null với người của đơn vị khi bản đánh giá chưa được thông qua.",
    )
    current_by = LineWriterSerializer(
        required=False, allow_null=True,
        help_text="Chỉ có khi mã là `stale_version`: ai đã lưu giá trị đang lưu, lúc nào, bằng thao tác nào (null khi "
        "nhật ký không ghi ai). Với người của đơn vị, khi bản đánh giá chưa được thông qua, chỉ nêu các thao tác của "
        "đơn vị.",
    )


STALE_LINE_409 = OpenApiResponse(
    StaleLineErrorSerializer,
    description=gettext_lazy(
        "Xung đột: `stale_version` (dòng đã được người khác sửa; `current` là dòng đang lưu) hoặc trạng thái "
        "không cho phép thao tác"
    ),
)


MSG_SYNONYM_TWICE = gettext_lazy(
    "«%(name)s» là tên khác của «%(other)s»: chỉ gửi một trong hai (hoặc cùng một giá trị)."
)
# The names a line is read by, taken on write for the names the write has always had.
SELF_SYNONYMS = (("self_value", "value"), ("self_note", "note"))


class SelfSaveSerializer(ScoreValueInput):
    """The unit's self-score of one line, with the `version` read. A line is written with the names it is read by
    as well: `self_value` for `value`, `self_note` for `note`; both names with different values are refused. Keys
    of the value the leaf's method does not take are refused as unknown fields."""

    version = serializers.IntegerField(min_value=1, help_text=gettext_lazy("Phiên bản của dòng mà người dùng đã xem."))
    value = serializers.DictField(
        required=False, allow_null=True,
        help_text=gettext_lazy(
            "Số liệu theo phương pháp chấm; null xoá điểm; bỏ trường này thì giữ số liệu đang lưu."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                 help_text=gettext_lazy("Bỏ trường này thì giữ ghi chú đang lưu."))
    self_value = serializers.DictField(
        required=False, allow_null=True,
        help_text=gettext_lazy(
            "Tên khác của `value` (tên trường khi đọc dòng). Gửi cả `value` và `self_value` với hai giá trị khác "
            "nhau bị từ chối (400 trên trường `self_value`)."))
    self_note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000,
        help_text=gettext_lazy(
            "Tên khác của `note` (tên trường khi đọc dòng). Gửi cả `note` và `self_note` với hai giá trị khác nhau "
            "bị từ chối (400 trên trường `self_note`)."))
    not_applicable = serializers.BooleanField(required=False,
                                              help_text=gettext_lazy("Bỏ trường này thì giữ lựa chọn đang lưu."))
    not_applicable_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                                  help_text=gettext_lazy("Bỏ trường này thì giữ lý do đang lưu."))
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                        help_text=gettext_lazy("Bỏ trường này thì giữ giải trình đang lưu."))

    def unknown_fields(self, data: Mapping[str, Any]) -> list[str]:
        unknown = super().unknown_fields(data)
        rule = self.context.get("rule")
        if rule is not None:  # the keys of `self_value`, under the name the request used
            unknown += [f"self_{name}" for name in value_key_errors(data.get("self_value"), rule)]
        return unknown

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for synonym, name in SELF_SYNONYMS:
            if synonym not in attrs:
                continue
            given = attrs.pop(synonym)
            if name in attrs and attrs[name] != given:
                raise serializers.ValidationError(
                    {synonym: [str(MSG_SYNONYM_TWICE) % {"name": synonym, "other": name}]}
                )
            attrs[name] = given
        return attrs


class WithdrawSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
