"""The login page: Django's, except that a ``next`` naming a POST-only action lands on that action's page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from scoring.views._common import login_landing


class LoginView(auth_views.LoginView):
    """A signed-out plain form post (a leaf saved without JavaScript, an upload) is sent to the login page with
    the action's address as ``next``; after signing in the browser would GET it and get a bare 405."""

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return login_landing(url) if url else url
