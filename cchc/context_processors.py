"""What every page's layout needs from the request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def page_address(request: HttpRequest) -> dict[str, Any]:
    """``page_address``: the address a GET reopens the page shown at, the language switch's ``next``. A refused
    form drawn in place shows a POST-only action's URL; its landing page (``lands_on``) is the page itself.
    Computed only when the layout asks for it."""

    def address() -> str:
        from scoring.views._common import login_landing

        return login_landing(request.get_full_path())

    return {"page_address": address}
