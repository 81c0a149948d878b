"""Unit kinds, ranking groups, units, roles, account profiles and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models.jobs import WorkerJob


class _CodedName(models.Model):
    """A code, a name and a display order: the shape of unit kinds and ranking groups."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class UnitKind(_CodedName):
    """Department, district, commune, vertical agency…: data, never an enum (the 2025 reform changed them)."""

    class Meta(_CodedName.Meta):
        verbose_name = _("loại đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "loại đơn vị")


class RankingGroup(_CodedName):
    """A group inside which units are ranked (khối / cụm)."""

    class Meta(_CodedName.Meta):
        verbose_name = _("khối xếp hạng")
        verbose_name_plural = pgettext_lazy("plural", "khối xếp hạng")


class Unit(models.Model):
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("loại"))
    ranking_group = models.ForeignKey(
        RankingGroup,
        on_delete=models.PROTECT,
        related_name="units",
        null=True,
        blank=True,
        verbose_name=_("khối xếp hạng"),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True, verbose_name=_("cấp trên")
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)
    # The body printed above the unit's name in its documents' heading (Nghị định 30/2020/NĐ-CP), as it should be
    # printed: a vertical agency's central agency («Tổng cục Thuế»). Blank: the province's People's Committee.
    superior_body = models.CharField(
        _("cơ quan chủ quản"), max_length=255, blank=True, default="",
        help_text=_("Tên cơ quan cấp trên in ở dòng đầu tiêu đề văn bản của đơn vị (ví dụ: Tổng cục Thuế); để "
                    "trống: UBND tỉnh."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """What a user may do. A unit's people are bound to their unit; appraisers get areas per cycle."""

    class Role(models.TextChoices):
        UNIT_EDITOR = "unit_editor", _("Chuyên viên đơn vị")
        UNIT_HEAD = "unit_head", _("Thủ trưởng đơn vị")
        APPRAISER = "appraiser", _("Thành viên Tổ thẩm định")
        APPRAISAL_LEAD = "appraisal_lead", _("Tổ trưởng Tổ thẩm định")
        ADMINISTRATOR = "administrator", _("Quản trị (Sở Nội vụ)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments")

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = pgettext_lazy("plural", "phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(unit__isnull=False), name="uniq_role_assignment_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="uniq_role_assignment"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["unit_editor", "unit_head"]) | Q(unit__isnull=False),
                name="unit_role_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.unit}" if self.unit_id else "")


class UserProfile(models.Model):
    """What the application keeps on an account beside Django's user. An account without a row has nothing kept
    (every account made before the row existed, the demo's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    # Set when someone else chose the password (the account's creation, an import, an administrator's reset): the
    # user replaces it at the next sign-in, before any other page (`cchc.middleware.PasswordChangeRequiredMiddleware`).
    must_change_password = models.BooleanField(_("phải đổi mật khẩu khi đăng nhập"), default=False)

    class Meta:
        verbose_name = _("hồ sơ tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ tài khoản")

    def __str__(self) -> str:
        return str(self.user)


class ApiToken(models.Model):
    """A key for a system calling the API, limited to one of its user's roles. Only the key's SHA-256 is kept;
    the key itself is shown once, when it is issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    role = models.CharField(_("vai trò được dùng"), max_length=20, choices=RoleAssignment.Role)
    name = models.CharField(_("tên gợi nhớ"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("đầu mã"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mã truy cập API")
        verbose_name_plural = pgettext_lazy("plural", "mã truy cập API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class UserImport(WorkerJob):
    """An import of accounts from Excel, run by a worker: hashing one initial password takes about 0.4 s, so a
    file of a few hundred accounts outlasts a web request. The rows wait in a private file (they hold the
    passwords) that the worker removes; this row keeps only the counts and what went wrong."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang tạo tài khoản")
        DONE = "done", _("Đã xong")
        FAILED = "failed", _("Không nhập được")

    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.PENDING)
    rows = models.PositiveIntegerField(_("số dòng"))
    created = models.PositiveIntegerField(_("số tài khoản đã tạo"), default=0)
    roles_added = models.PositiveIntegerField(_("số vai trò đã thêm"), default=0)
    locked = models.PositiveIntegerField(_("số tài khoản đã khoá"), default=0)
    unlocked = models.PositiveIntegerField(_("số tài khoản đã mở khoá"), default=0)
    problems = models.JSONField(_("lỗi theo dòng"), default=list, blank=True)  # [{"row": n, "messages": [...]}]

    class Meta(WorkerJob.Meta):
        verbose_name = _("lần nhập tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "các lần nhập tài khoản")

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} · {self.rows} · {self.get_status_display()}"
