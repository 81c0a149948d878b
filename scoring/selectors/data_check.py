"""Stored data held to today's rules: what an upgrade's new checks would refuse, but was stored before them.

Every write is checked when it is made; a rule added later does not reach back. After an upgrade the operator
runs `manage.py data_check`, which reads (never writes) and lists each record that today's forms would refuse,
with where an administrator mends it:
- indicator sets: the set's check report (the tree, each leaf's method and parameters, the bands);
- cycles: the deadlines within the cycle's years and in the phases' order; a unit's own deadline likewise;
- units: a merged unit active again, an active unit below a stopped one, a stopped unit still self-assessing;
- names: control or direction-override characters, or names that would look empty; in the names chosen from
  lists and told apart by eye (units, unit kinds, ranking groups, people), characters that cannot be seen either, as
  the pages, the API and the imports refuse them today (`visible_text`);
- results: each signed-off assessment's stored result against the engine's computation from its stored scores;
- accounts: an e-mail address used by several active accounts (in any case), as the users page refuses it today;
  an API key still active for a role its user no longer holds (issued before removing a role revoked its keys: it
  would work again were the role given back);
- scores: a leaf's stored input (not yet signed off) holding a number with more decimals than a person may type,
  sent as a JSON number before numbers were held to the rule of typed text: the team's accept refuses it; and a
  leaf's stored score (self or appraised, in any state) that differs from what the engine gives today for its stored
  input (a formula's exact tie was rounded down before formulas were computed exactly: 0.375 stored as 0.37).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Model, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine
from scoring.dates import local_day
from scoring.engine.base import MAX_TYPED_DECIMALS
from scoring.errors import ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    IndexResult,
    Indicator,
    IndicatorSet,
    RankingGroup,
    Unit,
    UnitKind,
    UnitSuccession,
)
from scoring.text import hidden_character_at, invisible_character_at, line_break_at, shows_nothing


@dataclass(frozen=True)
class DataProblem:
    topic: str  # sets, cycles, units, names, results, accounts, scores
    record: str  # what it is, as an administrator names it
    message: str
    where: str  # the page where it is mended (a path), or ""


def _set_problems() -> Iterator[DataProblem]:
    from scoring.administration.selectors import indicator_set_report

    for indicator_set in IndicatorSet.objects.exclude(status=IndicatorSet.Status.DRAFT).order_by("year", "key"):
        report = indicator_set_report(indicator_set=indicator_set)
        where = reverse("administration:set_report", args=[indicator_set.pk])
        for message in report.problems:
            yield DataProblem("sets", f"{indicator_set.key} ({indicator_set.year})", str(message), where)


def _cycle_problems() -> Iterator[DataProblem]:
    from scoring.administration.services.cycles import DEADLINE_FIELDS, DEADLINE_YEARS_AFTER, _check_deadlines

    for cycle in Cycle.objects.order_by("year"):
        try:
            _check_deadlines({name: getattr(cycle, name) for name in DEADLINE_FIELDS}, year=cycle.year)
        except ValidationFailed as exc:
            yield DataProblem("cycles", str(cycle.year), str(exc.message),
                              reverse("administration:cycle_detail", args=[cycle.pk]))
    tz = timezone.get_current_timezone()
    overridden = Assessment.objects.filter(deadline_override__isnull=False).select_related("cycle", "unit")
    for assessment in overridden.order_by("cycle__year", "unit__name"):
        year = assessment.cycle.year
        deadline = assessment.deadline_override
        assert deadline is not None  # filtered above
        first = datetime(year, 1, 1, tzinfo=tz)
        last = datetime(year + DEADLINE_YEARS_AFTER, 12, 31, 23, 59, 59, tzinfo=tz)
        if not first <= deadline <= last:
            yield DataProblem(
                "cycles", f"{year} · {assessment.unit.name}",
                _("Hạn riêng của đơn vị (%(d)s) nằm ngoài khoảng từ 01/01/%(y)s đến 31/12/%(last)s.")
                % {"d": local_day(deadline), "y": year,
                   "last": year + DEADLINE_YEARS_AFTER},
                reverse("administration:cycle_participants", args=[assessment.cycle_id]),
            )


def _unit_problems() -> Iterator[DataProblem]:
    for succession in UnitSuccession.objects.filter(predecessor__active=True).select_related("predecessor",
                                                                                               "successor"):
        unit = succession.predecessor
        yield DataProblem(
            "units", unit.code,
            _("Đơn vị «%(u)s» đã sáp nhập vào «%(b)s» nhưng vẫn đang hoạt động.")
            % {"u": unit.name, "b": succession.successor.name},
            reverse("administration:unit_edit", args=[unit.pk]),
        )
    for unit in Unit.objects.filter(active=True, parent__active=False).select_related("parent"):
        yield DataProblem(
            "units", unit.code,
            _("Đơn vị «%(u)s» đang hoạt động nhưng cấp trên «%(p)s» đã ngừng hoạt động.")
            % {"u": unit.name, "p": unit.parent.name if unit.parent else ""},
            reverse("administration:unit_edit", args=[unit.pk]),
        )
    busy = Assessment.objects.filter(unit__active=False).exclude(state=Assessment.State.SIGNED_OFF)
    for assessment in busy.select_related("unit", "cycle").order_by("cycle__year", "unit__name"):
        yield DataProblem(
            "units", assessment.unit.code,
            _("Đơn vị «%(u)s» đã ngừng hoạt động nhưng bản đánh giá năm %(y)s chưa được thông qua (%(s)s).")
            % {"u": assessment.unit.name, "y": assessment.cycle.year, "s": assessment.get_state_display()},
            reverse("administration:cycle_participants", args=[assessment.cycle_id]),
        )


def _text_problem(text: str, *, required: bool, visible: bool = False) -> str | None:
    """What today's rules say of a stored text, or None; `visible`: held to `visible_text` (no character that
    cannot be seen), as the names of units, kinds, groups and people are."""
    at = hidden_character_at(text)
    if at is not None:
        return _("có ký tự điều khiển hoặc ký tự đảo chiều văn bản (vị trí %(at)s)") % {"at": at}
    if required and shows_nothing(text):
        return _("trông như để trống")
    at = line_break_at(text) if visible else None
    if at is not None:
        return _("xuống dòng hoặc có ký tự tab ở vị trí %(at)s (tên chỉ viết trên một dòng)") % {"at": at}
    at = invisible_character_at(text) if visible else None
    if at is not None:
        return _("có ký tự ẩn ở vị trí %(at)s (ký tự không nhìn thấy, ví dụ dấu cách độ rộng 0)") % {"at": at}
    return None


_NAMED: tuple[tuple[type[Model], tuple[str, ...], tuple[str, ...], str, tuple[str, ...]], ...] = (
    # model, fields that must show something, other text fields, the page that edits it (by the record's id),
    # the fields held to `visible_text` (one line, no character that cannot be seen: names; free text such as a
    # decision's reference may hold a joiner)
    (Unit, ("name",), ("short_name",), "administration:unit_edit", ("name", "short_name")),
    (UnitKind, ("name",), (), "administration:unit_list", ("name",)),
    (RankingGroup, ("name",), (), "administration:unit_list", ("name",)),
    (IndicatorSet, ("name",), ("decision_ref",), "administration:set_detail", ("name",)),
    (Indicator, ("code", "name"), ("coordinating_department",), "administration:node_edit", ("code", "name")),
)


def _people_problems() -> Iterator[DataProblem]:
    """People's full names («Họ và tên», first and last name joined as the pages show them), held to the users
    page's rule."""
    rows = get_user_model()._default_manager.order_by("pk").values("pk", "username", "first_name", "last_name")
    for row in rows.iterator(chunk_size=2000):
        full_name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
        problem = _text_problem(full_name, required=False, visible=True)
        if problem is not None:
            yield DataProblem(
                "names", _("tài khoản %(u)s") % {"u": row["username"]},
                _("Trường «%(f)s» %(p)s.") % {"f": _("Họ và tên"), "p": problem},
                reverse("administration:user_detail", args=[row["pk"]]),
            )


def _name_problems() -> Iterator[DataProblem]:
    for model, required, optional, page, visible in _NAMED:
        fields = required + optional
        for row in model._default_manager.order_by("pk").values("pk", *fields).iterator(chunk_size=2000):
            for name in fields:
                problem = _text_problem(str(row[name] or ""), required=name in required, visible=name in visible)
                if problem is None:
                    continue
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
                where = reverse(page, args=[row["pk"]]) if page.endswith(("_edit", "_detail")) else reverse(page)
                yield DataProblem(
                    "names", f"{model._meta.verbose_name} #{row['pk']}",
                    _("Trường «%(f)s» %(p)s.") % {"f": label, "p": problem}, where,
                )
    yield from _people_problems()


_COMPARED = ("normal_total", "bonus", "penalty", "total", "applicable_max", "index")


def _result_problems() -> Iterator[DataProblem]:
    from scoring.services.results import assessment_compute

    results = IndexResult.objects.filter(stale=False, assessment__state=Assessment.State.SIGNED_OFF)
    for result in results.select_related("assessment__unit", "assessment__cycle",
                                         "assessment__indicator_set").order_by("assessment__cycle__year", "pk"):
        assessment = result.assessment
        if result.computed_from_version != assessment.version:
            continue  # waiting for its recompute: the worker will write it
        comp = assessment_compute(assessment=assessment, basis="appraised")
        differing = [
            name for name in _COMPARED
            if engine.round_half_up(getattr(comp, name)) != engine.round_half_up(getattr(result, name))
        ]
        if (comp.classification or "") != result.classification:
            differing.append("classification")
        areas = {code: str(engine.round_half_up(v)) for code, v in comp.area_totals.items()}
        if areas != result.area_totals:
            differing.append("area_totals")
        if differing:
            yield DataProblem(
                "results", f"{assessment.cycle.year} · {assessment.unit.name}",
                _("Kết quả đã lưu khác kết quả tính lại từ điểm thẩm định (%(f)s): chỉ số lưu %(old)s, tính lại "
                  "%(new)s. Hãy tính lại cả kỳ ở trang tổng quan thẩm định.")
                % {"f": ", ".join(differing), "old": result.index, "new": engine.round_half_up(comp.index)},
                reverse("appraisal:result", args=[assessment.pk]),
            )


def _account_problems() -> Iterator[DataProblem]:
    """Each address several active accounts use (compared in lower case), naming them, with the users list filtered
    by it, where an administrator corrects an address or locks an account no longer used."""
    from urllib.parse import urlencode

    active = get_user_model()._default_manager.filter(is_active=True).exclude(email="")
    repeated = (active.annotate(address=Lower("email")).order_by().values("address").annotate(n=Count("pk"))
                .filter(n__gt=1).values_list("address", flat=True))
    addresses = sorted(repeated)
    owners: dict[str, list[str]] = {}
    rows = active.annotate(address=Lower("email")).filter(address__in=addresses).order_by("username")
    for address, username in rows.values_list("address", "username"):
        owners.setdefault(address, []).append(username)
    for address in addresses:
        yield DataProblem(
            "accounts", address,
            _("Thư điện tử «%(e)s» đang dùng cho %(n)s tài khoản đang hoạt động: %(users)s. Mỗi tài khoản cần một địa "
              "chỉ riêng: hãy sửa địa chỉ hoặc khoá tài khoản không còn dùng.")
            % {"e": address, "n": len(owners[address]), "users": ", ".join(f"«{u}»" for u in owners[address])},
            f"{reverse('administration:user_list')}?{urlencode({'q': address})}",
        )


def _key_problems() -> Iterator[DataProblem]:
    """Each active API key whose user holds its role nowhere now (a superuser always holds the administrator's), with
    the keys page, where an administrator revokes it. One query."""
    from scoring.models import ApiToken, RoleAssignment

    held = RoleAssignment.objects.filter(user_id=OuterRef("user_id"), role=OuterRef("role"))
    keys = (ApiToken.objects.filter(revoked_at__isnull=True).exclude(Exists(held))
            .exclude(Q(role=RoleAssignment.Role.ADMINISTRATOR) & Q(user__is_superuser=True))
            .select_related("user").order_by("user__username", "pk"))
    for key in keys:
        yield DataProblem(
            "accounts", f"{key.user.get_username()}: {key}",
            _("Mã truy cập API «%(name)s» của «%(user)s» còn hiệu lực cho vai trò «%(role)s» mà tài khoản không còn "
              "giữ (mã cấp trước khi việc bỏ vai trò tự thu hồi mã): nếu vai trò được giao lại, mã sẽ dùng được trở "
              "lại. Hãy thu hồi mã này.")
            % {"name": key.name, "user": key.user.get_username(), "role": key.get_role_display()},
            reverse("administration:token_list"),
        )


_LONG_DECIMALS = re.compile(rf"\d[.,]\d{{{MAX_TYPED_DECIMALS + 1}}}|\d[eE]-")


def _numbers_refused(value: object) -> bool:
    """Whether a stored method input holds a number today's engine refuses for its decimals (`to_decimal`): one sent
    as a JSON number before numbers were held to the rule of typed text."""
    if isinstance(value, dict):
        return any(_numbers_refused(v) for v in value.values())
    if isinstance(value, list):
        return any(_numbers_refused(v) for v in value)
    if isinstance(value, str | float) and _LONG_DECIMALS.search(repr(value) if isinstance(value, float) else value):
        try:
            engine.to_decimal(value, field="value")
        except engine.EngineError as exc:
            return getattr(exc, "code", "") == "too_many_decimals"
    return False


def _score_problems() -> Iterator[DataProblem]:
    """Each leaf of an assessment not signed off whose stored self or appraised input holds a number with more
    decimals than a person may type (stored before a JSON number was held to that rule): the team's accept and
    appraise refuse it. With the page where it is mended: the unit's sheet (a draft) or the review page."""
    from scoring.models import ScoreLine

    lines = (ScoreLine.objects.exclude(assessment__state=Assessment.State.SIGNED_OFF)
             .filter(Q(self_value__isnull=False) | Q(appraised_value__isnull=False))
             .values_list("pk", "assessment_id", "assessment__state", "assessment__cycle__year",
                          "assessment__unit__name", "indicator__code", "self_value", "appraised_value")
             .order_by("assessment__cycle__year", "assessment__unit__name", "indicator__order"))
    for pk, assessment_id, state, year, unit, code, self_value, appraised_value in lines.iterator(chunk_size=2000):
        which = [label for label, value in ((_("tự chấm"), self_value), (_("thẩm định"), appraised_value))
                 if value is not None and _numbers_refused(value)]
        if not which:
            continue
        page = "scoring:assessment" if state == Assessment.State.DRAFT else "appraisal:review"
        yield DataProblem(
            "scores", f"{year} · {unit} · {code}",
            _("Số liệu %(which)s của tiêu chí có số quá nhiều chữ số thập phân (tối đa %(n)s), lưu trước khi quy tắc "
              "này áp dụng cho số gửi qua API: chấp nhận hay thẩm định lại đều bị từ chối. Hãy nhập lại số liệu của "
              "tiêu chí (làm tròn).")
            % {"which": ", ".join(which), "n": MAX_TYPED_DECIMALS},
            reverse(page, args=[assessment_id]) + f"#line-{pk}",
        )


_SCORED_KEPT = 100_000  # the engine's scores of distinct inputs kept while the lines are read


def _recomputed_mend(which: str, state: str) -> str:
    """What mends a leaf's score that differs from the engine's, by whose score it is and the assessment's state."""
    if which == "self":
        if state == Assessment.State.DRAFT:
            return _("Đơn vị mở phiếu tự chấm và bấm «Lưu» ở tiêu chí này: điểm được tính lại.")
        if state == Assessment.State.SUBMITTED:
            return _("Thủ trưởng đơn vị có thể rút lại bản đánh giá (trước khi bắt đầu thẩm định), bấm «Lưu» ở tiêu "
                     "chí này rồi gửi lại; điểm thẩm định chấm theo số liệu này được tính đúng.")
        return _("Điểm tự chấm không còn sửa được ở trạng thái này; kết quả tính từ điểm thẩm định, được tính đúng khi "
                 "thẩm định tiêu chí theo số liệu.")
    if state == Assessment.State.SIGNED_OFF:
        return _("Kết quả đã tính từ điểm này: cần mở lại thẩm định (nêu lý do), thẩm định lại tiêu chí theo số liệu "
                 "đã lưu rồi thông qua lại để kết quả được tính lại.")
    return _("Tổ thẩm định thẩm định lại tiêu chí này theo số liệu đã lưu: điểm được tính lại.")


def _recomputed_score_problems() -> Iterator[DataProblem]:
    """Each leaf whose stored self or appraised score differs from what the engine gives today for the input stored
    with it (a «không phát sinh» self-score has no score of its own; an input the engine refuses today is listed by
    `_score_problems` when it is a number's decimals, and skipped here). In every state, signed off included (its
    result was computed from the stored score), with the state and what mends it: the unit's sheet (a draft's
    self-score) or the review page. Reads the lines with an input, and each leaf of the sets once; the engine scores
    each distinct input of a leaf once (a formula costs about 0.3 ms: a national cycle's 430,000 lines, a few
    minutes at most)."""
    from scoring.models import ScoreLine
    from scoring.selectors.rules import leaf_rule

    rules = {ind.pk: leaf_rule(ind) for ind in Indicator.objects.filter(is_leaf=True).only(
        "method", "params", "max_points", "floor", "kind")}
    scored: dict[tuple[int, str], Decimal] = {}  # many leaves share an input (a level, a yes, the same counts)
    lines = (ScoreLine.objects
             .filter(Q(self_value__isnull=False, self_score__isnull=False, not_applicable=False)
                     | Q(appraised_value__isnull=False, appraised_score__isnull=False))
             .values_list("pk", "assessment_id", "assessment__state", "assessment__cycle__year",
                          "assessment__unit__name", "indicator_id", "indicator__code", "not_applicable",
                          "self_value", "self_score", "appraised_value", "appraised_score")
             .order_by("assessment__cycle__year", "assessment__unit__name", "indicator__order"))
    for (pk, assessment_id, state, year, unit, indicator_id, code, not_applicable, self_value, self_score,
         appraised_value, appraised_score) in lines.iterator(chunk_size=2000):
        rule = rules.get(indicator_id)
        stored_pairs = (("self", self_value, None if not_applicable else self_score),
                        ("appraised", appraised_value, appraised_score))
        for which, value, stored in stored_pairs:
            if rule is None or stored is None or not isinstance(value, dict):
                continue
            key = (indicator_id, json.dumps(value, sort_keys=True, default=str))
            computed = scored.get(key)
            if computed is None:
                try:
                    computed = engine.score_leaf(rule, value)
                except engine.EngineError:
                    continue
                if len(scored) >= _SCORED_KEPT:
                    scored.clear()
                scored[key] = computed
            if computed == stored:
                continue
            page = ("scoring:assessment" if which == "self" and state == Assessment.State.DRAFT
                    else "appraisal:review")
            yield DataProblem(
                "scores", f"{year} · {unit} · {code}",
                _("Điểm %(which)s đã lưu là %(stored)s, nhưng tính lại từ số liệu đã lưu theo cách tính hiện nay là "
                  "%(engine)s (bản đánh giá «%(state)s»; điểm lưu trước khi công thức được tính chính xác có thể thấp "
                  "hơn 0,01). %(mend)s")
                % {"which": _("tự chấm") if which == "self" else _("thẩm định"), "stored": f"{stored:.2f}",
                   "engine": f"{computed:.2f}", "state": Assessment.State(state).label,
                   "mend": _recomputed_mend(which, state)},
                reverse(page, args=[assessment_id]) + f"#line-{pk}",
            )


def _scores() -> Iterator[DataProblem]:
    yield from _score_problems()
    yield from _recomputed_score_problems()


def _accounts() -> Iterator[DataProblem]:
    yield from _account_problems()
    yield from _key_problems()


CHECKS = {
    "sets": _set_problems,
    "cycles": _cycle_problems,
    "units": _unit_problems,
    "names": _name_problems,
    "results": _result_problems,
    "accounts": _accounts,
    "scores": _scores,
}


def data_problems(*, topics: tuple[str, ...] = tuple(CHECKS)) -> Iterator[DataProblem]:
    """Every stored record today's rules would refuse, topic by topic (reads only; the results topic computes
    each signed-off assessment again: two queries and the engine per assessment)."""
    for topic in topics:
        yield from CHECKS[topic]()
