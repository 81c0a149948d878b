"""OpenAPI description of the role-scoped token authentication."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "scoring.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "«Token <mã>». Mỗi mã chỉ mang quyền của một vai trò của người dùng.",
        }


class PublicReadTokenScheme(OpenApiAuthenticationExtension):
    """The public reads' token (`PublicReadTokenAuthentication`): optional, and an unusable one is not refused."""

    target_class = "scoring.authentication.PublicReadTokenAuthentication"
    name = "publicTokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Không bắt buộc: «Token <mã>». Mã không hợp lệ hoặc đã bị thu hồi được coi như không gửi "
                           "(câu trả lời như khi gọi không đăng nhập), không bị từ chối.",
        }
