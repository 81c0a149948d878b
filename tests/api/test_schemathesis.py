"""Property-based run of the whole API against its own OpenAPI schema (schemathesis).

The schema is loaded from the app itself (`/api/schema/`) and every operation is called in-process through the
WSGI application, inside the test's database transaction, as an administrator (token), on demo-like data: a
published cycle of four signed-off units, a fifth unit's assessment returned for explanation, a draft with an
evidence file. Path parameters mostly name those real objects (so the calls reach the views' logic rather than
404s), sometimes whatever schemathesis generates.

Checked for every response: no server error, the status code is documented, the content type is the documented
one, and the body matches the documented schema. Bounded and deterministic (fixed seed, derandomized, a few
examples per operation, no deadline); a failing check fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.appraisal.conftest import later, line_of, self_score, submit
from tests.conftest import _user

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEED = 20200311
REAL = 0.8  # share of generated path parameters replaced by the id of a real object


@pytest.fixture
def demo(publication: Any, admin_user: Any, team: Any, lead: Any) -> dict[str, Any]:
    """Data like the demo's: a published year plus assessments still in the workflow."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appraisal.services import explanation_request
    from evidence.services import evidence_link, evidence_upload
    from scoring.models import Assessment, Indicator, Unit
    from scoring.services import assessments_open

    cycle = publication.cycle
    explaining, draft = assessments_open(
        cycle=cycle, units=list(Unit.objects.filter(code__in=["so-tai-chinh", "so-ke-hoach-dau-tu"])), actor=None
    )
    if explaining.unit.code != "so-tai-chinh":
        explaining, draft = draft, explaining
    editor = _user("mai", "unit_editor", "so-tai-chinh")
    upload = SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4\n%demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                content_type="application/pdf")
    evidence_file = evidence_upload(unit=explaining.unit, cycle=cycle, uploaded_file=upload, actor=editor)
    evidence_link(evidence_file=evidence_file, line=line_of(explaining, "2.1.1"), actor=editor)
    self_score(explaining, editor)
    submit(explaining, _user("tuan", "unit_head", "so-tai-chinh"))
    explanation_request(assessment=explaining, actor=lead, deadline=later(), line_ids=[line_of(explaining, "2.1.1").pk])
    assessments = list(Assessment.objects.filter(cycle=cycle).values_list("pk", flat=True))
    return {
        "assessment_id": [explaining.pk, draft.pk, *assessments],
        "line_id": [line_of(explaining, code).pk for code in ("2.1.1", "1.1.1", "2.3.1")],
        "area_id": list(Indicator.objects.filter(indicator_set=explaining.indicator_set, parent__isnull=True)
                        .values_list("pk", flat=True)),
        "file_id": [evidence_file.pk],
        "year": [cycle.year],
        "group_code": ["so-ban-nganh"],
        "unit_code": ["so-y-te", "so-tai-chinh"],
        "key": [explaining.indicator_set.key],
    }


@pytest.fixture
def web_schema(
    demo: dict[str, Any], admin_user: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Any]:
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application

    from cchc.api import AnonThrottle, UserThrottle
    from scoring.tokens import api_token_issue

    # schemathesis's pytest plugin renames the test node per operation through `_nodeid`, an attribute pytest 9
    # no longer has (its `nodeid` is computed): give it one to write to, for the report only.
    request.node._nodeid = request.node.nodeid
    # Requests run in this thread and this test's transaction: keep Django from closing the connection at the
    # end of each request, as its own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # A few thousand requests within a minute are the point here, not the rate limit (tested on its own).
    cache.clear()
    monkeypatch.setattr(AnonThrottle, "get_rate", lambda self: "100000/min")
    monkeypatch.setattr(UserThrottle, "get_rate", lambda self: "100000/min")
    key = api_token_issue(user=admin_user, role="administrator", name="schemathesis", actor=admin_user).key
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        # The in-process WSGI transport does not undo a compressed answer as an HTTP client does: ask for none.
        "headers": {"Authorization": f"Token {key}", "Accept-Encoding": "identity"},
        "generation": {"deterministic": True, "max-examples": 12, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "dictionaries": {name: {"values": values} for name, values in demo.items()},
        "parameters": {f"path.{name}": {"dictionary": name, "probability": REAL} for name in demo},
    })
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=config)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


schema = schemathesis.pytest.from_fixture("web_schema")


@schema.parametrize()
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_its_schema_says(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
