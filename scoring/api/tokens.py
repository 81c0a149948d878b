"""Access tokens for systems, each limited to one role of its user (administrators only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from scoring import tokens
from scoring.api.common import InputSerializer, IsAdministrator, _errors
from scoring.models import ApiToken, RoleAssignment


class TokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "username", "role", "name", "prefix", "created_at", "last_used_at", "revoked_at", "active"]


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="Mã truy cập; chỉ hiện một lần, hệ thống không lưu lại.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class TokenIssueSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(
        choices=RoleAssignment.Role.choices, required=False, allow_blank=True, default="",
        help_text="Vai trò duy nhất mà mã được dùng; bỏ trống khi người dùng chỉ có một vai trò.",
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TokenUserSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)


def _user_by_name(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise exceptions.ValidationError({"username": [_("Không có người dùng «%(u)s».") % {"u": username}]})
    return user


@extend_schema_view(
    get=extend_schema(tags=["tokens"], responses={200: TokenSerializer(many=True), **_errors(400, 401, 403)}),
    post=extend_schema(
        tags=["tokens"], request=TokenIssueSerializer, responses={201: IssuedTokenSerializer, **_errors(400, 401, 403)}
    ),
)
class TokenList(generics.ListAPIView):
    """Every token (active first). POST issues a token acting as a user with the rights of one of their roles
    only; the key is in the answer once and never again."""

    serializer_class = TokenSerializer
    permission_classes = [IsAdministrator]
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> Any:
        return tokens.api_tokens_for_admin()

    def post(self, request: Request) -> Response:
        payload = TokenIssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = _user_by_name(data["username"])
        with transaction.atomic():
            issued = tokens.api_token_issue(user=user, role=data["role"] or None, name=data["name"], actor=request.user)
        body = {**TokenSerializer(issued.token).data, "token": issued.key}
        response = Response(body, status=201)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["tokens"], methods=["GET"], responses={200: TokenSerializer, **_errors(401, 403, 404)})
@extend_schema(tags=["tokens"], methods=["DELETE"], responses={204: None, **_errors(401, 403, 404)})
@api_view(["GET", "DELETE"])
@permission_classes([IsAdministrator])
def token_detail(request: Request, token_id: int) -> Response:
    """One token; DELETE revokes it (it is kept, marked revoked, for the record)."""
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    if request.method == "GET":
        return Response(TokenSerializer(token).data)
    with transaction.atomic():
        tokens.api_token_revoke(token=token, actor=request.user)
    return Response(status=204)


@extend_schema(tags=["tokens"], request=TokenUserSerializer, responses={204: None, **_errors(400, 401, 403, 404)})
@api_view(["POST"])
@permission_classes([IsAdministrator])
def token_revoke(request: Request) -> Response:
    """Revoke every active token of a user (404 when the user has none)."""
    payload = TokenUserSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    user = _user_by_name(payload.validated_data["username"])
    with transaction.atomic():
        revoked = tokens.api_tokens_revoke_for_user(user=user, actor=request.user)
    if not revoked:
        raise exceptions.NotFound()
    return Response(status=204)
