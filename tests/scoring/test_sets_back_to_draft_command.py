"""`manage.py sets_back_to_draft`: the sets replaced in a cycle before a replaced set went back to draft by itself
are still «Đang áp dụng» though no cycle uses them. The command lists them (dry run: nothing changes) and with
--apply --actor <administrator> puts exactly those back to draft, audited as the replacement does it. A set a cycle
uses, or one never replaced, is never touched; anyone but an active administrator is refused."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from scoring.administration import services
from scoring.administration.services import sets as set_services
from scoring.administration.services.sets_replaced import REASON
from scoring.models import AuditEntry, Cycle, IndicatorSet, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced_long_ago(
    monkeypatch: pytest.MonkeyPatch, small_set: IndicatorSet, cycle: Cycle, admin_user: Any
) -> dict[str, IndicatorSet]:
    """The small set replaced for both kinds of the cycle by «test-set-v2» as the release before did it (the
    replaced set stayed active); a set of the year active though never replaced nor used («never-replaced»)."""
    replacement = services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)
    with monkeypatch.context() as before:
        before.setattr(set_services, "indicator_set_back_to_draft_if_unused", lambda **kwargs: False)
        for code in ("department", "vertical"):
            services.indicator_set_activate(indicator_set=replacement, cycle=cycle, actor=admin_user,
                                            unit_kind=UnitKind.objects.get(code=code))
    never = services.indicator_set_clone(source=small_set, key="never-replaced", year=2020, actor=admin_user)
    IndicatorSet.objects.filter(pk=never.pk).update(status=IndicatorSet.Status.ACTIVE)
    small_set.refresh_from_db()
    assert small_set.status == IndicatorSet.Status.ACTIVE and not small_set.cycle_sets.exists()
    return {"old": small_set, "new": replacement, "never": never}


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sets_back_to_draft", *args, stdout=out)
    return out.getvalue()


def _statuses() -> dict[str, str]:
    return dict(IndicatorSet.objects.values_list("key", "status"))


def test_the_dry_run_lists_the_replaced_sets_no_cycle_uses_and_changes_nothing(
    replaced_long_ago: dict[str, IndicatorSet]
) -> None:
    # given
    statuses, entries = _statuses(), AuditEntry.objects.count()
    # when
    out = _run()
    # then: the replaced set is listed, with the set that replaced it, the others are not
    assert "«test-set»" in out and "«test-set-v2»" in out and "2020" in out
    assert "never-replaced" not in out
    assert "Chạy thử: 1 bộ sẽ trở lại dự thảo" in out
    assert _statuses() == statuses and AuditEntry.objects.count() == entries


def test_apply_puts_back_to_draft_exactly_the_replaced_sets_no_cycle_uses_audited_as_a_replacement_does(
    replaced_long_ago: dict[str, IndicatorSet], admin_user: Any
) -> None:
    # given
    statuses = _statuses()
    last = AuditEntry.objects.order_by("pk").last()
    assert last is not None
    # when
    out = _run("--apply", "--actor", admin_user.username)
    # then: only the small set changed
    assert _statuses() == {**statuses, "test-set": IndicatorSet.Status.DRAFT}
    assert _statuses()["test-set-v2"] == IndicatorSet.Status.ACTIVE  # the cycle uses it
    assert _statuses()["never-replaced"] == IndicatorSet.Status.ACTIVE  # never replaced
    assert "Đã đưa «test-set» về dự thảo." in out
    # and one entry, the replacement's own action and changes, by the administrator named
    entry = AuditEntry.objects.get(pk__gt=last.pk)
    assert entry.action == "indicator_set.back_to_draft"
    assert entry.object_type == "IndicatorSet" and entry.object_id == str(replaced_long_ago["old"].pk)
    assert entry.actor == admin_user and entry.reason == REASON
    assert entry.changes == {
        "status": {"old": "active", "new": "draft"},
        "cycle": {"old": 2020, "new": None},
        "unit_kind": {"old": "vertical", "new": None},  # the last of its replacements
        "replaced": {"old": "test-set", "new": "test-set-v2"},
    }
    # and: it can be deleted like any draft; a second run finds nothing
    replaced_long_ago["old"].refresh_from_db()
    services.indicator_set_delete(indicator_set=replaced_long_ago["old"], actor=admin_user)
    assert "Không có bộ chỉ số nào" in _run("--apply", "--actor", admin_user.username)


def test_the_command_writes_what_the_automatic_path_writes(
    small_set: IndicatorSet, cycle: Cycle, admin_user: Any, replaced_long_ago: dict[str, IndicatorSet]
) -> None:
    # given: the command's entry
    _run("--apply", "--actor", admin_user.username)
    by_command = AuditEntry.objects.get(action="indicator_set.back_to_draft")
    # when: the replacement set back to draft by a replacement (the small set, a draft again, applied in its place)
    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="department"))
    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="vertical"))
    automatic = AuditEntry.objects.filter(action="indicator_set.back_to_draft").latest("pk")
    # then: the same fields
    assert automatic.pk != by_command.pk and set(automatic.changes) == set(by_command.changes)


@pytest.mark.parametrize("who", ["tam", "nobody", "locked-admin", ""])
def test_anyone_but_an_active_administrator_is_refused_and_nothing_changes(
    who: str, replaced_long_ago: dict[str, IndicatorSet], appraiser: Any, admin_user: Any
) -> None:
    # given: an appraiser, an unknown name, a locked administrator's account, no --actor
    if who == "locked-admin":
        get_user_model().objects.filter(pk=admin_user.pk).update(is_active=False)
    username = admin_user.username if who == "locked-admin" else who
    statuses, entries = _statuses(), AuditEntry.objects.count()
    # when
    with pytest.raises(CommandError) as refused:
        _run("--apply", *(["--actor", username] if username else []))
    # then
    assert ("--actor" in str(refused.value)) if not username else (f"«{username}»" in str(refused.value))
    assert _statuses() == statuses and AuditEntry.objects.count() == entries


def test_the_service_refuses_a_non_administrator_too(
    replaced_long_ago: dict[str, IndicatorSet], appraiser: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    from scoring.administration.services.sets_replaced import indicator_sets_replaced_back_to_draft

    with pytest.raises(PermissionDenied):
        indicator_sets_replaced_back_to_draft(actor=appraiser)
    assert replaced_long_ago["old"].status == IndicatorSet.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="indicator_set.back_to_draft").exists()


def test_a_set_a_cycle_still_uses_is_never_touched(
    monkeypatch: pytest.MonkeyPatch, small_set: IndicatorSet, cycle: Cycle, admin_user: Any
) -> None:
    # given: the small set replaced for the departments only (the vertical agencies still scored on it)
    replacement = services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)
    with monkeypatch.context() as before:
        before.setattr(set_services, "indicator_set_back_to_draft_if_unused", lambda **kwargs: False)
        services.indicator_set_activate(indicator_set=replacement, cycle=cycle, actor=admin_user,
                                        unit_kind=UnitKind.objects.get(code="department"))
    # when
    out = _run("--apply", "--actor", admin_user.username)
    # then
    assert "Không có bộ chỉ số nào" in out
    small_set.refresh_from_db()
    assert small_set.status == IndicatorSet.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="indicator_set.back_to_draft").exists()
