"""DRF authentication by role-scoped API tokens (`Authorization: Token <key>`).

A valid key authenticates its user limited to the token's role (`scoring.permissions.limit_to_role`); a
revoked, unknown or malformed key, or an inactive user, is refused with 401. Kept free of view imports
because DRF loads it while defining `APIView`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from scoring.tokens import api_token_authenticate

        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed()
        return token.user, token
