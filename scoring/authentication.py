"""DRF authentication by role-scoped API tokens (`Authorization: Token <key>`).

A valid key authenticates its user limited to the token's role (`scoring.permissions.limit_to_role`); a
revoked, unknown or malformed key, or an inactive user, is refused with 401, except by the public reads
(`PublicReadTokenAuthentication`), which answer it as an anonymous call. Kept free of view imports
because DRF loads it while defining `APIView`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from scoring.tokens import api_token_authenticate

        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed()
        return token.user, token


class PublicReadTokenAuthentication(ApiTokenAuthentication):
    """The token authentication of the public reads (published results, open data): a valid key still counts (its
    unit's people see their unit's appraisers' notes), but a revoked, unknown or malformed one is read as no
    credentials at all rather than refused, so that a portal sending its key with every call keeps the public data
    the day that key is revoked (with its user's role, automatically)."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            return None


# The authentication of the public reads (`@authentication_classes(PUBLIC_READ_AUTHENTICATION)` beside `AllowAny`).
PUBLIC_READ_AUTHENTICATION = [PublicReadTokenAuthentication, SessionAuthentication]
