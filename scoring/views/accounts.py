"""The login page: Django's, except that a ``next`` naming a POST-only action lands on that action's page; the
password change page: Django's, its wrong current passwords counted by the login lockout."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scoring.views._common import login_landing


class LoginView(auth_views.LoginView):
    """A signed-out plain form post (a leaf saved without JavaScript, an upload) is sent to the login page with
    the action's address as ``next``; after signing in the browser would GET it and get a bare 405."""

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return login_landing(url) if url else url


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password is a failed sign-in for the lockout (the account from this address): a stolen
    session cannot be used to guess the password without limit. Once locked, nothing is checked until the
    lockout ends, and signing in is locked too, as after failed sign-ins."""

    def _credentials(self) -> dict[str, str]:
        return {"username": self.request.user.get_username()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if AxesProxyHandler.is_locked(request, self._credentials()):
            return render(request, "registration/locked.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" in form.errors:
            user_login_failed.send(sender=__name__, credentials=self._credentials(), request=self.request)
        return super().form_invalid(form)
