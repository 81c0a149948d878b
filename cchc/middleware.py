"""Language selection: Vietnamese unless the visitor chose another language in the top bar."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like LocaleMiddleware, but the browser's Accept-Language is not consulted: officials' browsers are
    often set to English while they work in Vietnamese, and a page must not mix Vietnamese words with
    English number and date formats. The language cookie (set by the switch) is the only choice."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
