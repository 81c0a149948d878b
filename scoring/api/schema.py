"""OpenAPI description of the role-scoped token authentication."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The role-scoped token (`ApiTokenAuthentication`) in the `Authorization` header."""

    target_class = "scoring.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    description = "«Token <mã>». Mỗi mã chỉ mang quyền của một vai trò của người dùng."

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": self.description}


class PublicReadTokenScheme(ApiTokenScheme):
    """The public reads' token (`PublicReadTokenAuthentication`): optional, and an unusable one is not refused."""

    target_class = "scoring.authentication.PublicReadTokenAuthentication"
    name = "publicTokenAuth"
    description = ("Không bắt buộc: «Token <mã>». Mã không hợp lệ hoặc đã bị thu hồi được coi như không gửi "
                   "(câu trả lời như khi gọi không đăng nhập), không bị từ chối.")
