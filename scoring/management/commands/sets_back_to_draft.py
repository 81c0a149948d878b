"""List the indicator sets replaced in a cycle before a replaced set went back to draft by itself, still «Đang áp
dụng» though no cycle uses them; with --apply, put them back to draft as a replacement now does (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scoring.administration.services.sets_replaced import (
    MSG_NOT_AN_ADMINISTRATOR,
    ReplacedUnused,
    indicator_sets_replaced_back_to_draft,
    indicator_sets_replaced_unused,
)
from scoring.models import UnitKind
from scoring.permissions import is_administrator


class Command(BaseCommand):
    help = (
        "List the active indicator sets that were replaced in a cycle (per the audit) and that no cycle uses now "
        "(replaced before a replaced set went back to draft by itself). Dry run by default: changes nothing. "
        "With --apply --actor <administrator's username>, put each back to draft as a replacement does, audited as "
        "indicator_set.back_to_draft by that administrator. A set a cycle uses, or one never replaced, is never "
        "touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true",
                            help="put the sets listed back to draft (without it: list only, change nothing)")
        parser.add_argument("--actor", metavar="USERNAME",
                            help="the administrator's account the audit entries name (required with --apply)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["apply"]:
            actor = self._actor(options["actor"])
        found = indicator_sets_replaced_unused()
        if not found:
            self.stdout.write(_("Không có bộ chỉ số nào đã bị thay mà vẫn «Đang áp dụng» khi không kỳ nào dùng."))
            return
        kinds = dict(UnitKind.objects.values_list("code", "name"))  # a handful
        for item in found:
            self.stdout.write(self._line(item, kinds))
        if not options["apply"]:
            can = sum(1 for item in found if not item.with_assessments)
            self.stdout.write(ngettext(
                "Chạy thử: %(n)s bộ sẽ trở lại dự thảo; chưa thay đổi gì. Thêm --apply --actor <tên đăng nhập "
                "quản trị viên> để thực hiện.",
                "Chạy thử: %(n)s bộ sẽ trở lại dự thảo; chưa thay đổi gì. Thêm --apply --actor <tên đăng nhập "
                "quản trị viên> để thực hiện.",
                can) % {"n": can})
            return
        try:
            done = indicator_sets_replaced_back_to_draft(actor=actor)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for item in done:
            self.stdout.write(_("Đã đưa «%(key)s» về dự thảo.") % {"key": item.indicator_set.key})
        self.stdout.write(ngettext("%(n)s bộ chỉ số đã trở lại dự thảo.", "%(n)s bộ chỉ số đã trở lại dự thảo.",
                                   len(done)) % {"n": len(done)})

    def _actor(self, username: str | None) -> Any:
        if not username:
            raise CommandError(_("--apply cần --actor <tên đăng nhập của một quản trị viên>: người ghi trong nhật ký."))
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(_("Không có tài khoản «%(username)s».") % {"username": username})
        if not user.is_active or not is_administrator(user):  # refused before anything is listed or written
            raise CommandError(str(MSG_NOT_AN_ADMINISTRATOR % {"username": username}))
        return user

    def _line(self, item: ReplacedUnused, kinds: dict[str, str]) -> str:
        replaced = item.replacement
        line = _("«%(key)s» (%(name)s): bị «%(by)s» thay cho loại đơn vị «%(kind)s» trong kỳ năm %(year)s, lúc "
                 "%(at)s; không kỳ nào dùng.") % {
            "key": item.indicator_set.key, "name": item.indicator_set.name, "by": replaced.by_key or "—",
            "kind": kinds.get(replaced.unit_kind_code or "", replaced.unit_kind_code or "—"),
            "year": replaced.cycle_year or "—",
            "at": date_format(localtime(item.replaced_at), "d/m/Y H:i"),
        }
        if item.with_assessments:
            line = f"{line} {_('Còn bản đánh giá mở theo bộ này: giữ nguyên.')}"
        return line
