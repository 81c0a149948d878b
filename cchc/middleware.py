"""Language selection (Vietnamese unless the visitor chose another language in the top bar), a clean
answer when the database is unreachable in the middle of a request, compressed text answers, and a password set by
an administrator replaced by its user before anything else."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, gettext_lazy

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like LocaleMiddleware, but the browser's Accept-Language is not consulted: officials' browsers are
    often set to English while they work in Vietnamese, and a page must not mix Vietnamese words with
    English number and date formats. The language cookie (set by the switch) is the only choice, except for
    systems calling the API without the cookie: they ask with Accept-Language."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def request_language(request: HttpRequest) -> str:
    """The language a request is answered in (see ChosenLanguageMiddleware). Also read by the error handlers
    that may run before the middleware did (an unknown Host is refused by the HTTPS redirect first)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if not chosen and request.path.startswith("/api/"):
        chosen = asked_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def asked_language(header: str) -> str:
    """The site's language an Accept-Language header asks for first, "" when none: as Django reads it, except
    that a language with `q=0` is one the client refuses, not one it takes last."""
    from django.utils.translation.trans_real import language_code_re, parse_accept_lang_header

    for code, quality in parse_accept_lang_header(header):
        if quality <= 0 or code == "*" or not language_code_re.search(code):
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return ""


MSG_DATABASE_UNAVAILABLE = gettext_lazy(
    "Máy chủ tạm thời không truy cập được cơ sở dữ liệu nên thao tác chưa được thực hiện; không có dữ liệu "
    "nào bị ghi dở. Hãy thử lại sau ít phút."
)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """A database connection lost or refused while a request runs (the server restarted, the connection was
    killed, a failover) answers 503 with a Vietnamese message and Retry-After, never a traceback.

    Nothing is half written: every write runs in one transaction (services are atomic), which the database
    rolls back when the connection dies. The API gets its one error format, scripts a JSON body, pages a small
    HTML page that needs no database to render.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "database unavailable during %s %s", request.method, request.path, exc_info=exception,
            extra={"path": request.path},
        )
        message = str(MSG_DATABASE_UNAVAILABLE)
        response: HttpResponse
        if request.path.startswith("/api/"):
            from cchc.api import error_body  # the API's one error format

            response = JsonResponse(error_body("service_unavailable", message), status=503)
        elif "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json":
            response = JsonResponse({"ok": False, "code": "service_unavailable", "message": message}, status=503)
        else:
            title = escape(gettext("Tạm thời không phục vụ được"))
            body = (
                f'<!DOCTYPE html><html lang="{escape(translation.get_language() or "vi")}"><head>'
                f'<meta charset="utf-8"><title>{title}</title></head>'
                f"<body><h1>{title}</h1><p>{escape(message)}</p></body></html>"
            )
            response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class CompressedTextMiddleware(GZipMiddleware):
    """Pages, JSON and CSV answers compressed (gzip) for a browser that accepts it: an appraisal page of 105
    leaves is about 450 KB of markup and a tenth of that compressed, on provincial networks. Files are left
    alone: evidence (PDF, images, office files) is compressed already or large, and is streamed with its
    length for resumed downloads; so is every streamed answer. Django's own middleware underneath, with its
    mitigation of BREACH (random bytes in each compressed answer); CSRF tokens are masked per answer too."""

    TEXT_TYPES = ("text/html", "application/json", "text/csv", "text/plain", "application/problem+json")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if response.streaming or content_type not in self.TEXT_TYPES:
            return response
        return super().process_response(request, response)


MSG_METHOD_NOT_ALLOWED = gettext_lazy(
    "Địa chỉ này là một thao tác (lưu, gửi, xoá…) và chỉ dùng được từ nút của nó trên trang. Hãy mở lại trang "
    "đó hoặc về trang chủ."
)


class ActionLandingMiddleware:
    """A page URL that refuses the request's method (405) answers something a person can use, never an empty body.

    Many page actions take only a POST and draw a refused form in place, leaving the action's URL in the address
    bar; the language switch, Enter in the address bar or a bookmark then GETs it. A signed-in user's GET of an
    action marked with its page (``scoring.views._common.lands_on``) is redirected there, an anonymous visitor's
    to the sign-in page with that page as ``next``; the landing is made from the URL alone, so the redirect says
    nothing of the object, and the page checks the permission. Any
    other 405 gets a short page in the site's language (JSON for the pages' scripts), with its status and Allow
    header kept. The API under /api/ keeps its own JSON answer.

    Placed after the CSP middleware so that the page rendered here gets its headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code != 405 or request.path.startswith("/api/") or not isinstance(response, HttpResponse):
            return response  # streamed answers are left alone
        if response.content:  # a view's own 405 with its own words
            return response
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import redirect, render

        from scoring.views._common import action_landing, json_error, wants_json

        landing = action_landing(getattr(request, "resolver_match", None))
        scripted = wants_json(request)
        if landing and not scripted and request.method in ("GET", "HEAD"):
            if not request.user.is_authenticated:  # signed in, they land where a signed-in user is sent
                return redirect_to_login(landing)
            return redirect(landing)
        if scripted:
            page: HttpResponseBase = json_error(405, "method_not_allowed", MSG_METHOD_NOT_ALLOWED)
        else:
            page = render(request, "405.html", {"landing": landing}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


# The session's note that its user signed in with a password someone else set (`note_password_change_required`).
PASSWORD_CHANGE_REQUIRED = "password_change_required"
MSG_PASSWORD_CHANGE_REQUIRED = gettext_lazy(
    "Tài khoản đang dùng mật khẩu do quản trị viên đặt nên phải đổi mật khẩu trước khi làm việc tiếp; thao tác này "
    "chưa được thực hiện. Hãy mở trang «Đổi mật khẩu» (%(url)s) để đặt một mật khẩu mới chỉ anh/chị biết."
)
# What a user who must change the password may still open: signing out (or in as someone else), the password change
# page, the language switch; static files are served before any of this.
_FREE_URL_NAMES = ("logout", "login", "password_change", "set_language", "admin:logout")


def note_password_change_required(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """On signing in (Django's `user_logged_in`): note in the session whether the account must replace a password
    someone else set, read once here rather than on every request. The mark cannot appear under an open session:
    it comes with a password set by someone else, which ends the user's sessions (each is signed with the
    password's hash), or with a new account, which has none."""
    from scoring.administration.services.users import password_change_required

    session = getattr(request, "session", None)
    if session is None:
        return
    if password_change_required(user):
        session[PASSWORD_CHANGE_REQUIRED] = True
    else:
        session.pop(PASSWORD_CHANGE_REQUIRED, None)


class PasswordChangeRequiredMiddleware:
    """A user signed in with a password someone else set (an administrator's: the account's creation, an import, a
    reset) replaces it before anything else: a page is redirected to the password change page (with the page as
    ``next`` for a GET), the API and the pages' scripts get a 403 in JSON naming the reason. Nothing the request
    asked is done. No query of its own: the session holds the note (`note_password_change_required`), and the
    password change page removes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self._held(request):
            return self._refusal(request)
        return self.get_response(request)

    @staticmethod
    def _held(request: HttpRequest) -> bool:
        session = getattr(request, "session", None)
        if session is None or not session.get(PASSWORD_CHANGE_REQUIRED) or not request.user.is_authenticated:
            return False
        from django.urls import NoReverseMatch, reverse

        free = set()
        for name in _FREE_URL_NAMES:
            try:
                free.add(reverse(name))
            except NoReverseMatch:
                continue
        return request.path not in free and not request.path.startswith(settings.STATIC_URL or "/static/")

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponseBase:
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        page = reverse("password_change")
        message = str(MSG_PASSWORD_CHANGE_REQUIRED % {"url": page})
        code = "password_change_required"
        if request.path.startswith("/api/"):
            from cchc.api import error_body  # the API's one error format

            return JsonResponse(error_body(code, message), status=403)
        if "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json":
            return JsonResponse({"ok": False, "code": code, "message": message, "field": None}, status=403)
        if request.method in ("GET", "HEAD") and request.get_full_path() != reverse("home"):
            return redirect(f"{page}?{urlencode({'next': request.get_full_path()})}")
        return redirect(page)
