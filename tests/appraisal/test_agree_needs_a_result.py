"""The unit agrees only with a result that exists: a leaf returned while the team had not decided it («Chưa thẩm
định», asked a question) offers no «Đồng ý với kết quả thẩm định»; the service and the API refuse an agreement on
it; «Đồng ý … ở N tiêu chí còn lại» leaves it out and says it needs an explanation."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import explanation_request
from appraisal.services.rounds import explanation_agree_remaining, line_agree
from scoring.errors import StateConflict, ValidationFailed
from tests.appraisal.conftest import later, line_of

pytestmark = pytest.mark.django_db
UNDECIDED, DECIDED = "2.1.2", "2.1.1"


@pytest.fixture
def returned(submitted: Any, lead: Any) -> Any:
    """2.1.1 appraised (its self-score accepted), 2.1.2 not: both returned, 2.1.2 with a question."""
    from appraisal.services import line_accept_self

    decided = line_of(submitted, DECIDED)
    line_accept_self(line=decided, actor=lead, base_version=decided.version)
    undecided = line_of(submitted, UNDECIDED)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[decided.pk, undecided.pk],
                        questions={undecided.pk: "Đơn vị gửi văn bản chỉ đạo nào?"})
    return submitted


def test_the_explanation_page_offers_agreement_only_where_there_is_a_result(
    client: Client, returned: Any, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    body = unescape(client.get(reverse("appraisal:explain", args=[returned.pk])).content.decode())
    assert f'id="agree-{line_of(returned, DECIDED).pk}"' in body
    assert f'id="agree-{line_of(returned, UNDECIDED).pk}"' not in body
    assert "Tiêu chí này chưa có kết quả thẩm định: hãy giải trình" in body
    assert "Đồng ý với kết quả thẩm định ở 1 tiêu chí còn lại" in body
    assert "Trong đó 1 tiêu chí chưa có kết quả thẩm định" in body


def test_agreeing_with_a_leaf_without_a_result_is_refused_in_the_service_and_the_api(
    returned: Any, unit_editor: Any
) -> None:
    line = line_of(returned, UNDECIDED)
    with pytest.raises(ValidationFailed) as refused:
        line_agree(line=line, actor=unit_editor, base_version=line.version)
    assert refused.value.code == "not_appraised" and UNDECIDED in str(refused.value.message)
    api = APIClient()
    api.force_authenticate(unit_editor)
    answer = api.post(f"/api/v1/assessments/{returned.pk}/lines/{line.pk}/explain/",
                      {"version": line.version, "agree": True}, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "not_appraised"
    assert line_of(returned, UNDECIDED).version == line.version


def test_agreeing_with_the_rest_skips_the_leaves_without_a_result_and_says_so(
    client: Client, returned: Any, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = client.post(reverse("appraisal:explain", args=[returned.pk]), {"agree_remaining": "1"}, follow=True)
    body = unescape(response.content.decode())
    assert "đồng ý với kết quả thẩm định ở 1 tiêu chí" in body
    assert ("1 tiêu chí chưa có kết quả thẩm định nên không thể đồng ý: hãy giải trình các tiêu chí này "
            f"({UNDECIDED})") in body
    with pytest.raises(StateConflict) as refused:
        explanation_agree_remaining(assessment=returned, actor=unit_editor)
    assert "1 tiêu chí còn lại chưa có kết quả thẩm định" in str(refused.value.message)
