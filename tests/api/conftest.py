"""API fixtures: an API client and the appraisal team of the test cycle."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.appraisal.conftest import submitted, team  # noqa: F401  (re-exported fixtures)
from tests.publication.conftest import media_root, publication, signed_cycle  # noqa: F401  (re-exported fixtures)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_user(client: APIClient, user: Any) -> APIClient:
    client.force_login(user)
    return client
