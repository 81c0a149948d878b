"""API access tokens: list, issue for a user limited to one of their roles (the key is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from scoring import tokens
from scoring.administration.views._common import administrator_required, form_errors, report_error
from scoring.errors import DomainError
from scoring.models import ApiToken, RoleAssignment
from scoring.views._common import lands_on


class TokenIssueForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_l("Người dùng (tài khoản hệ thống)"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_l("Tên đăng nhập."),
        error_messages={"invalid_choice": _l("Không có tài khoản đang dùng với tên đăng nhập này.")},
    )
    role = forms.ChoiceField(label=_l("Vai trò được dùng"), choices=RoleAssignment.Role.choices)
    name = forms.CharField(
        label=_l("Tên gợi nhớ"), max_length=100, required=False, help_text=_l("Ví dụ: hệ thống một cửa của tỉnh.")
    )


def _page(
    request: HttpRequest, *, form: TokenIssueForm | None = None, status: int = 200, **extra: object
) -> HttpResponse:
    response = render(
        request,
        "scoring/administration/token_list.html",
        {
            "page": Paginator(tokens.api_tokens_for_admin(), 50).get_page(request.GET.get("trang")),
            "form": form or TokenIssueForm(),
            **extra,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@administrator_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens; POST issues one and shows its key on this answer only (it is never stored, so it cannot be
    shown again)."""
    if request.method == "GET":
        return _page(request)
    form = TokenIssueForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return _page(request, form=form, status=400)
    try:
        issued = tokens.api_token_issue(
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            name=form.cleaned_data["name"],
            actor=request.user,
        )
    except DomainError as exc:
        report_error(request, exc)
        return _page(request, form=form, status=exc.status)
    messages.success(request, _("Đã cấp mã truy cập «%(n)s».") % {"n": issued.token.name})
    return _page(request, issued=issued)


@lands_on("administration:token_list")
@require_POST
@administrator_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id)
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Đã thu hồi mã truy cập «%(n)s».") % {"n": token.name})
    return redirect("administration:token_list")
