"""The login lockout (django-axes) with a second, higher limit per address, and its Vietnamese page.

Axes locks one username from one address (`AXES_LOCKOUT_PARAMETERS`) after `AXES_FAILURE_LIMIT` failures. One
password tried on many accounts from one address never reaches that limit on any of them. Axes compares every
combination of lockout parameters with the same limit (the largest count of any combination against one
`AXES_FAILURE_LIMIT`, a callable one included, which is not told the combination), so adding the address alone to
the parameters would lock a whole office sharing one address after five typing errors. The address's own, higher
limit (`LOGIN_ADDRESS_FAILURE_LIMIT`) is therefore counted here, on the failures axes already records (one row per
username, address and browser, shared by every process through the database), over the same cool-off.

Every check axes makes goes through this handler: the sign-in form and the Django admin's (through
`AxesStandaloneBackend`, which refuses to authenticate while locked), the password change page (which asks
`AxesProxyHandler.is_locked` and reports wrong current passwords as failed sign-ins).
"""

from __future__ import annotations

import math
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/locked.html"


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address still within the cool-off, whatever the usernames. A successful
    sign-in clears its own username's failures from that address (`AXES_RESET_ON_SUCCESS`), not the others'."""
    AxesProxyHandler.update_request(request)
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if get_cool_off(request) is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0


def address_locked(request: HttpRequest) -> bool:
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    enabled = getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True)  # axes' settings get their defaults at run time
    return bool(enabled and limit > 0 and address_failures(request) >= limit)


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, the address also locked once its failures reach `LOGIN_ADDRESS_FAILURE_LIMIT`."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or address_locked(request)

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        if address_locked(request):
            # as axes does for the username's limit: the middleware turns the flag into the lockout page
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The Vietnamese lockout page (429): whether the address as a whole or one account from it is locked, and for
    how many minutes."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off is not None else None
    context = {"by_address": address_locked(request), "minutes": minutes}
    return render(request, LOCKOUT_TEMPLATE, context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
