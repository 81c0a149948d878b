"""The login page: Django's, except that a ``next`` naming a POST-only action lands on that action's page, and that a
locked account given its right password is told it is locked, and whom to ask; the password change page: Django's,
its wrong current passwords counted by the login lockout, the new password checked with the administration's
Vietnamese messages and refused when it is the current one, the change audited, and the account's API keys revoked
with it when the user asks (as the administrator's reset always does). An account whose password someone else set
(its creation, an import, an administrator's reset) is sent to that page after signing in, and kept there until the
password is changed (`cchc.middleware.PasswordChangeRequiredMiddleware`)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from cchc.login_lockout import lockout_response
from cchc.middleware import PASSWORD_CHANGE_REQUIRED
from scoring import tokens
from scoring.administration.services.users import password_changed_by_user
from scoring.administration.validators import password_problems
from scoring.models import ApiToken
from scoring.services import audit_record
from scoring.views._common import login_landing

MSG_PASSWORD_UNCHANGED = _("Mật khẩu mới trùng với mật khẩu hiện tại; hãy chọn một mật khẩu khác.")
MSG_ACCOUNT_LOCKED = _(
    "Tài khoản đã bị khoá, nên anh/chị chưa đăng nhập được; không cần thử lại mật khẩu. Hãy liên hệ quản trị viên "
    "của Sở Nội vụ (đơn vị quản lý tài khoản) để được mở khoá."
)


# The login page's error summary: the fields a refusal of the pair concerns are described by it.
LOGIN_ERRORS = "login-errors"


def _active_api_keys(user: Any) -> int:
    """How many API keys issued to `user` still work (those `api_tokens_revoke_for_user` would revoke)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()


class LoginForm(auth_forms.AuthenticationForm):
    """Django's form; an account locked by the administrator (inactive) is told so, not that the password is wrong,
    which would have the official retry until the login lockout locks them out as well. Only with the right password:
    a wrong one gets Django's message whatever the account's state, so that the page tells nothing about an account
    to whoever does not hold its password.

    Nothing else changes: the backends still refuse an inactive account (`confirm_login_allowed` too, as a second
    lock), and the refusal is still a failed sign-in for the lockout (`authenticate` signalled it before this form
    looks at the account), so a locked account's password cannot be guessed any faster through this message."""

    error_messages = {**auth_forms.AuthenticationForm.error_messages, "inactive": MSG_ACCOUNT_LOCKED}

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as refused:
            password = self.cleaned_data.get("password")
            if refused.code == "invalid_login" and password and self._locked_account_with(password):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self._errors:
            self._mark_refused()

    def _mark_refused(self) -> None:
        """A refused sign-in: the page lands on its error summary (`LOGIN_ERRORS`, focused), not on the username
        field; each field the refusal concerns is marked invalid and described by its message. A refusal of the
        pair (a wrong password, a locked account) concerns both fields, described by the summary."""
        pair = bool(self.non_field_errors())
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            attrs.pop("autofocus", None)
            described = [f"{self[name].auto_id}-error"] if name in self._errors else []
            if pair:
                described.append(LOGIN_ERRORS)
            if described:
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = " ".join(described)

    def error_summary(self) -> list[tuple[str, str]]:
        """The summary's problems, as (link, message): a wrong username or password leads to the username field, an
        empty field to it; a locked account's message leads nowhere (nothing on the page unlocks it)."""
        problems = [("" if refused.code == "inactive" else f"#{self['username'].auto_id}", message)
                    for refused in self.errors.as_data().get(NON_FIELD_ERRORS, [])
                    for message in refused.messages]
        return problems + [(f"#{self[name].auto_id}", str(message))
                           for name in self.fields for message in self.errors.get(name, [])]

    @sensitive_variables("password")
    def _locked_account_with(self, password: str) -> bool:
        """Whether the username names (as the backend reads it) an inactive account whose password this is. One
        password hash is computed whatever the account, as Django's backend does for an unknown username: how long
        the answer takes tells nothing of the account's state either."""
        model = get_user_model()
        try:
            user = model._default_manager.get_by_natural_key(self.cleaned_data.get("username"))
        except model.DoesNotExist:
            user = None
        if user is None or user.is_active:
            model().set_password(password)
            return False
        return bool(user.check_password(password))


class LoginView(auth_views.LoginView):
    """A signed-out plain form post (a leaf saved without JavaScript, an upload) is sent to the login page with
    the action's address as ``next``; after signing in the browser would GET it and get a bare 405. A locked account
    is told so (`LoginForm`)."""

    form_class = LoginForm

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return login_landing(url) if url else url


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, the new password checked by `password_problems` (the messages of the administrator's reset
    and of the account's creation, not the validators' own, partly English, texts), and refused when it is the
    current one: a «change» that keeps the password would leave a password someone else may know in place.

    A user with active API keys is offered to revoke them with the change (ticked by default): whoever fears the
    password leaked expects what was made with the account to stop working too. The box is absent otherwise."""

    revoke_api_keys = forms.BooleanField(label=_("Thu hồi mọi khóa API của tôi"), required=False, initial=True)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.active_api_keys = _active_api_keys(user)
        self.revoked_api_keys = 0
        if not self.active_api_keys:
            del self.fields["revoke_api_keys"]
        else:  # the hint under the box says how many keys and why
            self.fields["revoke_api_keys"].widget.attrs["aria-describedby"] = "revoke-api-keys-hint"

    @sensitive_variables("password")
    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107
        password = self.cleaned_data.get(password_field_name)
        if password:
            for problem in password_problems(password, user):
                self.add_error(password_field_name, problem)

    @sensitive_variables("old", "new")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        # the current password was checked (clean_old_password): comparing the texts tells what hashing would
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and "old_password" not in self.errors and new == old:
            self.add_error("new_password1", str(MSG_PASSWORD_UNCHANGED))
        return cleaned

    def save(self, commit: bool = True) -> Any:
        """Set the new password and audit it as the administrator's reset is (`user_set_password`: the password
        recorded as «•», never it or its hash), the user as actor and object; a password someone else set is no
        longer to be replaced (`password_changed_by_user`, recorded with it); when the box is ticked, revoke the
        user's API keys as that reset does (each revocation audited, the user as actor; how many in
        `revoked_api_keys`). All or nothing is written."""
        with transaction.atomic():
            user = super().save(commit=commit)
            if commit:
                if self.cleaned_data.get("revoke_api_keys"):
                    self.revoked_api_keys = tokens.api_tokens_revoke_for_user(user=user, actor=user)
                audit_record(
                    actor=user,
                    action="user.password_changed",
                    object_type="User",
                    object_id=user.pk,
                    changes={"password": {"old": "•", "new": "•"}, **password_changed_by_user(user=user)},
                )
        return user


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password is a failed sign-in for the lockout (the account from this address): a stolen
    session cannot be used to guess the password without limit. Once locked (the account from this address, or the
    address as a whole), nothing is checked until the lockout ends, and signing in is locked too, as after failed
    sign-ins.

    A user who signed in with a password someone else set (`PASSWORD_CHANGE_REQUIRED`) is told why the page
    comes first; once changed, they go on to the page they had asked for (``next``, on this site) or home."""

    form_class = PasswordChangeForm

    def _required(self) -> bool:
        return bool(self.request.session.get(PASSWORD_CHANGE_REQUIRED))

    def _next(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return url if allowed else ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_change_required": self._required(),
                "next": self._next()}

    def get_success_url(self) -> str:
        if self._required():
            return login_landing(self._next()) if self._next() else reverse("home")
        return str(super().get_success_url())

    def _credentials(self) -> dict[str, str]:
        return {"username": self.request.user.get_username()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if AxesProxyHandler.is_locked(request, self._credentials()):
            return lockout_response(request, credentials=self._credentials())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # the success address is read before the note goes
        if self.request.session.pop(PASSWORD_CHANGE_REQUIRED, None):
            messages.success(self.request, gettext(
                "Mật khẩu của anh/chị đã được đổi. Lần đăng nhập sau hãy dùng mật khẩu mới."))
        if form.revoked_api_keys:
            messages.success(self.request, ngettext(
                "Đã thu hồi %(n)s khóa API của anh/chị: các hệ thống dùng khóa đó không truy cập được nữa. Nếu còn "
                "cần, hãy đề nghị quản trị viên cấp khóa mới.",
                "Đã thu hồi %(n)s khóa API của anh/chị: các hệ thống dùng các khóa đó không truy cập được nữa. Nếu còn "
                "cần, hãy đề nghị quản trị viên cấp khóa mới.",
                form.revoked_api_keys,
            ) % {"n": form.revoked_api_keys})
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" in form.errors:
            user_login_failed.send(sender=__name__, credentials=self._credentials(), request=self.request)
        return super().form_invalid(form)
