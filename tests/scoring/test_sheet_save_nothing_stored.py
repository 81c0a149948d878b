"""A save that stores nothing never says it saved: a «Lý do không phát sinh» sent without «Không phát sinh» is
refused (it would be dropped), and a save that changes nothing says so instead of the leaf's old time."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _save_url(line: ScoreLine) -> str:
    return reverse("scoring:line_save", args=[line.assessment_id, line.pk])


def _autosave(client: Client, line: ScoreLine, data: dict[str, Any]) -> Any:
    """What the page's script sends: the leaf form's fields, answered in JSON."""
    return client.post(_save_url(line), {"version": line.version, **data}, HTTP_ACCEPT="application/json")


def _self_saves(line: ScoreLine) -> int:
    return AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line.pk), action="score_line.self").count()


# --- a reason without «không phát sinh» ------------------------------------------------------------------------


def test_a_reason_without_not_applicable_is_refused_by_the_autosave_and_nothing_is_stored(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given an unscored leaf that allows «không phát sinh»
    line = _line(assessment, "1.2.2")
    client.force_login(unit_editor)
    # when a reason is sent with the box unticked
    response = _autosave(client, line, {"not_applicable_reason": REASON})
    # then the save is refused, naming the box, and says why; no «saved» time
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "na_reason_without_na" and data["field"] == "not_applicable"
    assert "«Không phát sinh»" in data["message"] and "saved_time" not in data
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.not_applicable, stored.not_applicable_reason, stored.version) == (False, "", line.version)
    assert _self_saves(line) == 0


def test_a_plain_form_post_of_a_reason_without_not_applicable_shows_the_page_again_with_the_reason_kept(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.2")
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, "not_applicable_reason": REASON})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Lý do không phát sinh chỉ được lưu khi đánh dấu «Không phát sinh»." in body
    assert f'value="{REASON}"' in body  # what was typed is still in its box
    assert not [str(m) for m in get_messages(response.wsgi_request) if "Đã lưu" in str(m)]
    assert ScoreLine.objects.get(pk=line.pk).not_applicable_reason == ""


def test_the_service_refuses_a_reason_it_would_drop(assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.2.2")
    with pytest.raises(ValidationFailed) as refused:
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version,
                             value={"counts": {"a": 4, "b": 2, "c": 1}}, not_applicable_reason=REASON)
    assert refused.value.code == "na_reason_without_na"
    assert ScoreLine.objects.get(pk=line.pk).self_score is None  # nothing of the save is written


def test_unticking_not_applicable_with_its_stored_reason_still_in_the_box_withdraws_the_declaration(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a leaf declared «không phát sinh»
    line = _line(assessment, "1.2.2")
    line = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                                not_applicable=True, not_applicable_reason=REASON)
    client.force_login(unit_editor)
    # when the box is unticked, the reason left in its box (a plain form sends it)
    response = client.post(_save_url(line), {"version": line.version, "not_applicable_reason": REASON,
                                             f"l{line.pk}-counts.a": "4", f"l{line.pk}-counts.b": "2",
                                             f"l{line.pk}-counts.c": "1"})
    # then the declaration and its reason go, the value is scored
    assert response.status_code == 302
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.not_applicable, stored.not_applicable_reason, str(stored.self_score)) == (False, "", "0.88")


def test_a_reason_with_not_applicable_is_saved(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.2.2")
    client.force_login(unit_editor)
    response = _autosave(client, line, {"not_applicable": "1", "not_applicable_reason": REASON})
    assert response.status_code == 200 and response.json()["changed"] is True
    assert ScoreLine.objects.get(pk=line.pk).not_applicable_reason == REASON


# --- a save that changes nothing ---------------------------------------------------------------------------------


def test_an_autosave_that_changes_nothing_says_so_without_the_leafs_old_time(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a leaf saved earlier
    line = _line(assessment, "1.2.1")
    line = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": True})
    client.force_login(unit_editor)
    # when the same is sent again
    response = _autosave(client, line, {f"l{line.pk}-value": "yes"})
    # then nothing is written and the answer says nothing changed; no time of a save is given
    assert response.status_code == 200
    data = response.json()
    assert data["changed"] is False
    assert "saved_time" not in data and "saved_at" not in data
    assert data["message"] == "Không có thay đổi."
    assert ScoreLine.objects.get(pk=line.pk).version == line.version
    assert _self_saves(line) == 1


def test_an_autosave_that_changes_something_gives_the_time_of_that_save(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.1")
    client.force_login(unit_editor)
    data = _autosave(client, line, {f"l{line.pk}-value": "yes"}).json()
    assert data["changed"] is True and data["saved_time"]


def test_a_plain_form_post_that_changes_nothing_says_so(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.1")
    line = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": True})
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, f"l{line.pk}-value": "yes"})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["Tiêu chí 1.2.1 không có thay đổi."]
