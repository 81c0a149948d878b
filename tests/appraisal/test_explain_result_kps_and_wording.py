"""The unit's result page and the appraisal's wording: an accepted «không phát sinh» (KPS) shows the points it is
credited, a claim the team has not decided waits, the history shows only the team's decisions, conflicts name
nobody, counts of criteria take their plural form, a withdrawn round says so, and only administrators assign."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from appraisal.models import ExplanationRound, LineHistory
from appraisal.services import (
    assessment_sign_off,
    explanation_request,
    explanation_withdraw,
    line_accept_self,
    line_appraise,
    line_explain,
)
from appraisal.views._common import domain_error
from scoring.errors import LeafProblem, ValidationFailed
from scoring.models import ScoreLine
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
KPS = "1.2.2"  # the small set's one leaf a unit may declare «không phát sinh» (max 1.5, credited 1.50)
SHOWN = "KPS (tính 1,50 điểm)"
ACCEPTED = "Chấp nhận «không phát sinh»"


def _accept_all_but_kps(assessment: Any, lead: Any) -> None:
    for line in assessment.lines.select_related("indicator").exclude(indicator__code=KPS).order_by("indicator__order"):
        line_accept_self(line=line, actor=lead, base_version=line.version)


def _accept_kps(assessment: Any, lead: Any) -> ScoreLine:
    line = line_of(assessment, KPS)
    return line_accept_self(line=line, actor=lead, base_version=line.version)


def _summary_cell(body: str, line: ScoreLine) -> str:
    """The «Thẩm định» cell of the leaf's row in the page's summary table."""
    table = body.split('class="grid compact explain-summary')[1].split("</table>")[0]
    row = table.split(f'href="#line-{line.pk}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, flags=re.S)[1].strip()


def _card(body: str, line: ScoreLine) -> str:
    return body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]


def _scores(card: str) -> str:
    return card.split('class="explain-scores"')[1].split("</dl>")[0]


def _history(card: str) -> str:
    return " ".join(card.split('class="history-list"')[1].split("</ol>")[0].split())


# --- 1. the result page after sign-off -------------------------------------------------------------------------


def test_the_result_page_shows_an_accepted_kps_with_the_points_it_is_credited(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any
) -> None:
    # given every leaf decided, the KPS accepted, and the assessment signed off
    _accept_all_but_kps(kps_submitted, lead)
    line = _accept_kps(kps_submitted, lead)
    assessment_sign_off(assessment=kps_submitted, actor=lead)
    # when the unit opens its result page
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[kps_submitted.pk]) + "?tat-ca=1").content.decode()
    # then the summary and the card show what the index counted, as the review page and the report do
    assert _summary_cell(body, line) == SHOWN
    scores = " ".join(_scores(_card(body, line)).split())
    assert f"Kết quả cuối cùng</dt><dd><strong>{SHOWN}</strong>" in scores
    assert "—" not in scores
    # an ordinary leaf still shows its score
    assert _summary_cell(body, line_of(kps_submitted, "1.1.1")) == "0,00"  # self-scored «trễ hạn»


def test_a_kps_claim_the_team_has_not_decided_waits_on_the_unit_page_and_in_its_history(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any
) -> None:
    # given the round ends (a leaf returned for explanation) while the team has not decided the KPS
    _accept_all_but_kps(kps_submitted, lead)
    explanation_request(assessment=kps_submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(kps_submitted, "2.1.1").pk])
    line = line_of(kps_submitted, KPS)
    # then the round's record says nothing was decided
    entry = LineHistory.objects.get(line=line, stage=LineHistory.Stage.APPRAISAL)
    assert not entry.not_applicable and entry.score is None
    # and the unit's page says it waits: in the summary, on the card and in the history
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[kps_submitted.pk]) + "?tat-ca=1").content.decode()
    assert _summary_cell(body, line) == "Chờ thẩm định"
    card = _card(body, line)
    assert "Thẩm định vòng 1</dt><dd>Chờ thẩm định" in " ".join(_scores(card).split())
    history = _history(card)
    assert "Thẩm định vòng 1</strong>: Chờ thẩm định" in history
    assert "Thẩm định vòng 1</strong>: Không phát sinh" not in history
    assert "Tự chấm</strong>: Không phát sinh" in history  # the unit's own claim is still its own


def test_the_history_shows_an_accepted_kps_as_accepted_and_an_overruled_one_with_its_score(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any
) -> None:
    # given the KPS accepted when the round ends
    _accept_all_but_kps(kps_submitted, lead)
    accepted = _accept_kps(kps_submitted, lead)
    explanation_request(assessment=kps_submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(kps_submitted, "2.1.1").pk])
    client.force_login(unit_editor)
    url = reverse("appraisal:explain", args=[kps_submitted.pk]) + "?tat-ca=1"
    body = client.get(url).content.decode()
    assert f"Thẩm định vòng 1</strong>: {ACCEPTED} — {SHOWN}" in _history(_card(body, accepted))
    assert _summary_cell(body, accepted) == SHOWN
    # given, in the next round, the team overrules it with a score, and signs off
    explanation_withdraw(assessment=kps_submitted, actor=lead, reason="Yêu cầu nhầm.")
    fresh = line_of(kps_submitted, KPS)
    line_appraise(line=fresh, actor=lead, base_version=fresh.version,
                  value={"counts": {"a": 4, "b": 2, "c": 0}}, note="Có biên bản kiểm tra.")
    assessment_sign_off(assessment=refresh(kps_submitted), actor=lead)
    body = client.get(url).content.decode()
    history = _history(_card(body, accepted))
    # the withdrawn round takes no number: the appraisal signed off is round 1's as shown
    assert "Thẩm định (vòng đã rút)</strong>" in history
    # the final, identical to the round's appraisal, is folded into it (test_history_collapsed)
    assert "Thẩm định vòng 1</strong>: 0,75" in history and "không đổi đến «Kết quả cuối cùng»" in history
    assert _summary_cell(body, accepted) == "0,75"


def test_the_review_page_history_shows_an_undecided_kps_as_waiting(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    _accept_all_but_kps(kps_submitted, lead)
    explanation_request(assessment=kps_submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(kps_submitted, "2.1.1").pk])
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[kps_submitted.pk])).content.decode()
    history = _history(_card(body, line_of(kps_submitted, KPS)))
    assert "Thẩm định vòng 1</strong>: Chờ thẩm định" in history


# --- 3, 4. a conflict names the stored decision, and nobody ------------------------------------------------------


def test_a_stale_overrule_of_an_accepted_kps_shows_the_stored_decision_and_names_nobody(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    # given tab 1 accepted the KPS, and tab 2 (the page loaded before) overrules it
    line = line_of(kps_submitted, KPS)
    _accept_kps(kps_submitted, lead)
    client.force_login(lead)
    answer = client.post(
        reverse("appraisal:appraise_line", args=[kps_submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-counts.a": "4", f"a{line.pk}-counts.b": "2",
         f"a{line.pk}-counts.c": "0", "note": "Có biên bản."},
        **JSON,
    )
    # then the answer says what is stored, with its points, not «(chưa chấm)»
    assert answer.status_code == 409
    data = answer.json()
    assert data["current"]["stored"] == f"{ACCEPTED} — {SHOWN}"
    assert "người khác hoặc một thẻ khác của anh/chị" in data["message"]
    assert "được người khác thay đổi" not in data["message"]


def test_without_the_script_a_stale_overrule_of_an_accepted_kps_shows_the_stored_decision(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    line = line_of(kps_submitted, KPS)
    _accept_kps(kps_submitted, lead)
    client.force_login(lead)
    page = client.post(
        reverse("appraisal:appraise_line", args=[kps_submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-counts.a": "4", f"a{line.pk}-counts.b": "2",
         f"a{line.pk}-counts.c": "0", "note": "Có biên bản."},
    )
    assert page.status_code == 409
    box = page.content.decode().split('<div class="conflict-box" role="alert">')[1].split("</div>")[0]
    assert f"<dt>Giá trị đang lưu</dt><dd>{ACCEPTED} — {SHOWN}</dd>" in box
    assert "(chưa chấm)" not in box


def test_a_stale_appraisal_shows_the_stored_value_with_its_points(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    line = line_of(kps_submitted, "1.1.1")
    # saved meanwhile with another value (in another tab): the accept sent from the older page is a conflict (the
    # same decision sent again would be answered as saved)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"option": "on_time"},
                  note="Kế hoạch ban hành đúng hạn theo văn bản gửi kèm.")
    client.force_login(lead)
    answer = client.post(reverse("appraisal:accept_line", args=[kps_submitted.pk, line.pk]),
                         {"base_version": line.version}, **JSON)
    assert answer.status_code == 409
    assert answer.json()["current"]["stored"] == "Đúng hạn, đầy đủ (1,00 điểm)"
    assert "người khác hoặc một thẻ khác của anh/chị" in answer.json()["message"]


def test_a_stale_explanation_names_nobody(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    from tests.appraisal.conftest import flagged_line

    line = flagged_line(submitted, lead)
    line_explain(line=line, actor=unit_head, base_version=line.version, explanation="Bản của Thủ trưởng.")
    client.force_login(unit_editor)
    answer = client.post(reverse("appraisal:explain_line", args=[submitted.pk, line.pk]),
                         {"base_version": line.version, "explanation": "Bản của chuyên viên."}, **JSON)
    assert answer.status_code == 409
    message = answer.json()["message"]
    assert "ở nơi khác (người khác hoặc một thẻ khác của anh/chị)" in message
    assert "được người khác thay đổi" not in message


def test_the_review_script_shows_the_stored_text_and_names_nobody() -> None:
    script = (settings.BASE_DIR / "static" / "js" / "appraisal.js").read_text(encoding="utf-8")
    assert "current.stored" in script
    assert "vừa được người khác" not in script


# --- 5. counts of criteria in English ----------------------------------------------------------------------------

ROUND_ON_PAGE = "%(who)s yêu cầu lúc %(at)s, %(c)s tiêu chí, hạn <strong>%(d)s</strong>."
ROUND_IN_LIST = "Vòng %(n)s: %(who)s yêu cầu lúc %(at)s, %(c)s tiêu chí, hạn %(d)s"
BANNER = ("Tổ thẩm định đề nghị đơn vị giải trình %(n)s tiêu chí, hạn <strong>%(d)s</strong>. Nhập giải trình và bổ "
          "sung tài liệu kiểm chứng cho từng tiêu chí (tài liệu đã nộp trước đây được giữ nguyên), rồi gửi lại.")
MORE = "%(shown)s và %(n)s tiêu chí khác."
MISSING = ("Còn %(n)s tiêu chí chưa được giải trình trong vòng này. Mỗi tiêu chí được yêu cầu cần có nội dung giải "
           "trình (chỉ bổ sung tài liệu kiểm chứng là chưa đủ) hoặc chọn «Đồng ý với kết quả thẩm định».")
ENGLISH = {
    ROUND_ON_PAGE: ("Requested by %(who)s at %(at)s, %(c)s criterion, deadline <strong>%(d)s</strong>.",
                    "Requested by %(who)s at %(at)s, %(c)s criteria, deadline <strong>%(d)s</strong>."),
    ROUND_IN_LIST: ("Round %(n)s: requested by %(who)s at %(at)s, %(c)s criterion, deadline %(d)s",
                    "Round %(n)s: requested by %(who)s at %(at)s, %(c)s criteria, deadline %(d)s"),
    BANNER: ("The appraisal team asks the unit to explain %(n)s criterion, deadline <strong>%(d)s</strong>.",
             "The appraisal team asks the unit to explain %(n)s criteria, deadline <strong>%(d)s</strong>."),
    MORE: ("%(shown)s and %(n)s more criterion.", "%(shown)s and %(n)s more criteria."),
    MISSING: ("%(n)s criterion not explained in this round yet.", "%(n)s criteria not explained in this round yet."),
}


@pytest.fixture
def english_plurals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The translator's entries for the counted messages (locale/ is translated later)."""
    english = trans_real.translation("en")
    real = english.ngettext

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = ENGLISH.get(singular)
        return found[english.plural(n)] if found is not None else real(singular, plural, n)

    monkeypatch.setattr(english, "ngettext", ngettext)


def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_round_pages_count_one_criterion_and_more_criteria_in_english(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, english_plurals: None
) -> None:
    from tests.appraisal.conftest import flagged_line

    flagged_line(submitted, lead)  # one leaf returned
    try:
        _english(client)
        client.force_login(lead)
        round_page = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
        review = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
        client.force_login(unit_editor)
        explain = client.get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    finally:
        translation.activate("vi")
    assert "1 criterion, deadline" in round_page and "1 criteria" not in round_page
    assert "1 criterion, deadline" in review
    assert "explain 1 criterion, deadline" in explain
    # two leaves: the plural
    explanation_withdraw(assessment=submitted, actor=lead, reason="Yêu cầu nhầm.")
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, "2.1.1").pk, line_of(submitted, "2.1.2").pk])
    try:
        _english(client)
        client.force_login(lead)
        round_page = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    finally:
        translation.activate("vi")
    assert "2 criteria, deadline" in round_page


def test_the_vietnamese_round_pages_keep_their_wording(client: Client, submitted: Any, lead: Any) -> None:
    from tests.appraisal.conftest import flagged_line

    flagged_line(submitted, lead)
    client.force_login(lead)
    round_page = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    assert "1 tiêu chí, hạn <strong>" in round_page


def test_a_refusal_naming_many_leaves_counts_the_rest_in_the_plural(english_plurals: None) -> None:
    def refused(count: int) -> str:
        request = RequestFactory().post("/")
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        problems = [LeafProblem(f"1.{i}", line_id=i, kind="missing_appraisal", message="") for i in range(1, count + 1)]
        with translation.override("en"):
            domain_error(request, ValidationFailed("Refused.", code="x", details=problems), "/somewhere/")
        return next(str(m) for m in get_messages(request))

    assert refused(21).endswith("and 1 more criterion.")
    assert refused(23).endswith("and 3 more criteria.")


def test_a_resubmission_missing_explanations_counts_them_in_the_plural(
    submitted: Any, lead: Any, unit_head: Any, english_plurals: None
) -> None:
    from appraisal.services import explanation_resubmit

    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line_of(submitted, "2.1.1").pk])
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert str(caught.value.message) == "1 criterion not explained in this round yet."
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert str(caught.value.message) == MISSING % {"n": 1}


# --- 6. a withdrawn round ----------------------------------------------------------------------------------------


def _withdrawn_text(assessment: Any) -> str:
    closed = ExplanationRound.objects.get(assessment=assessment, round=1).closed_at
    at = timezone.localtime(closed)
    return (f"Tổ thẩm định đã rút lại yêu cầu giải trình lúc {at:%H:%M %d/%m/%Y}; "
            "không cần giải trình nữa.")


@pytest.mark.parametrize("explained_first", [False, True], ids=["not-yet-explained", "already-explained"])
def test_saving_an_explanation_after_the_round_was_withdrawn_says_it_was_withdrawn(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, explained_first: bool
) -> None:
    # given the unit has the page open on a returned leaf (explained or not yet), and the lead withdraws the round
    line = line_of(appraised, "2.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk])
    line = line_of(appraised, "2.1.1")
    if explained_first:
        line = line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Bản đầu.")
    explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    text = _withdrawn_text(appraised)
    client.force_login(unit_editor)
    url = reverse("appraisal:explain_line", args=[appraised.pk, line.pk])
    # when the unit saves
    answer = client.post(url, {"base_version": line.version, "explanation": "Bản sau."}, **JSON)
    # then it is told the request was withdrawn, and nothing changes
    assert answer.status_code == 409
    assert answer.json()["message"] == text and answer.json()["code"] == "round_withdrawn"
    assert line_of(appraised, "2.1.1").explanation == line.explanation
    # the plain form too, and the page, reloaded, says the same at the top
    response = client.post(url, {"base_version": line.version, "explanation": "Bản sau."})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text]
    page = client.get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    top = page.split('class="explain-summary"')[0]
    assert text in top


def test_resubmitting_after_the_round_was_withdrawn_says_it_was_withdrawn(
    client: Client, appraised: Any, lead: Any, unit_head: Any
) -> None:
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line_of(appraised, "2.1.1").pk])
    explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    client.force_login(unit_head)
    response = client.post(reverse("appraisal:resubmit", args=[appraised.pk]))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [_withdrawn_text(appraised)]


def test_a_round_that_ended_otherwise_says_nothing_of_a_withdrawal(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    from appraisal.services import explanation_resubmit

    line = line_of(appraised, "2.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk])
    line = line_of(appraised, "2.1.1")
    line = line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    explanation_resubmit(assessment=appraised, actor=unit_head)
    client.force_login(unit_editor)
    page = client.get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    assert "rút lại yêu cầu giải trình" not in page
    answer = client.post(reverse("appraisal:explain_line", args=[appraised.pk, line.pk]),
                         {"base_version": line.version, "explanation": "Bản sau."}, **JSON)
    assert answer.status_code == 409 and answer.json()["code"] == "round_ended"


# --- 7. who assigns -------------------------------------------------------------------------------------------------


def test_an_unassigned_member_is_told_only_administrators_assign(client: Client, cycle: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    body = client.get(reverse("appraisal:queue")).content.decode()
    assert "Anh/chị chưa được phân công thẩm định" in body
    assert "Tổ trưởng hoặc quản trị viên" not in body
    assert "quản trị viên phân công" in body


def test_on_a_phone_the_result_summary_becomes_cards_with_each_cell_labelled(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any
) -> None:
    # the appraisers' reasons are what the unit comes for: on a phone each row is a card, each cell under its label
    _accept_all_but_kps(kps_submitted, lead)
    _accept_kps(kps_submitted, lead)
    assessment_sign_off(assessment=kps_submitted, actor=lead)
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[kps_submitted.pk]) + "?tat-ca=1").content.decode()
    table = body.split('class="grid compact explain-summary stack-rows"')[1].split("</table>")[0]
    row = table.split("<tbody>")[1].split("</tr>")[0]
    labels = re.findall(r'<td[^>]*data-label="([^"]+)"', row)
    assert labels == ["Tiêu chí", "Tự chấm", "Thẩm định", "Lý do điều chỉnh"]
