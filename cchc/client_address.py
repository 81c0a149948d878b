"""The client's network address, as login throttling (django-axes) should see it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """With `PROXY_COUNT` trusted reverse proxies in front, the client is the address the outermost of them
    appended to X-Forwarded-For, i.e. the PROXY_COUNT-th entry from the right; entries further left were
    written by the client and are ignored. Without proxies (or a header too short to have passed through
    all of them), the connection's peer address."""
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count][:45]
    return request.META.get("REMOTE_ADDR")
