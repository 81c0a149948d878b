"""The appraisal workbook's status line names the round as the review page's header does: during an explanation
round by the explanation round's own number («giải trình vòng N»: withdrawn rounds take none, a reopen does not
raise it), otherwise by the appraisal round's («thẩm định vòng N»)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import (
    assessment_reopen,
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_explain,
)
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
CODE = "2.1.1"


def _request(assessment: Any, lead: Any) -> None:
    explanation_request(assessment=refresh(assessment), actor=lead, deadline=later(),
                        line_ids=[line_of(assessment, CODE).pk], message="Bổ sung tài liệu.")


def _resubmit(assessment: Any, editor: Any, head: Any) -> None:
    line = line_of(assessment, CODE)
    line_explain(line=line, actor=editor, base_version=line.version, explanation="Đã bổ sung quyết định.")
    explanation_resubmit(assessment=refresh(assessment), actor=head)


def _reopened(assessment: Any, lead: Any, admin: Any) -> Any:
    appraise_all(assessment, lead)
    signed = assessment_sign_off(assessment=refresh(assessment), actor=lead)
    return assessment_reopen(assessment=signed, actor=admin, reason="Đơn vị khiếu nại tiêu chí 2.1.1.")


def _status(client: Client, user: Any, assessment: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return next(str(row[1].value) for row in ws.iter_rows(max_row=10) if row[0].value == "Trạng thái")


def _header(client: Client, user: Any, assessment: Any) -> str:
    client.force_login(user)
    body = client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode()
    found = re.search(r"<span data-round>(.*?)</span>", body)
    assert found is not None
    return found.group(1)


def test_after_a_reopen_the_workbook_names_the_first_explanation_round_1(
    client: Client, submitted: Any, lead: Any, admin_user: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given a reopen (appraisal round 2) and the first explanation round since
    reopened = _reopened(submitted, lead, admin_user)
    _request(reopened, lead)
    # then the workbook says explanation round 1, as the review page's header
    assert _header(client, lead, reopened) == "Giải trình vòng 1"
    assert _status(client, lead, reopened) == "Đang giải trình, giải trình vòng 1"
    # and once the unit resubmits, the appraisal's round (the third)
    _resubmit(reopened, unit_editor, unit_head)
    assert _header(client, lead, reopened) == "Thẩm định vòng 3"
    assert _status(client, lead, reopened) == "Đang thẩm định, thẩm định vòng 3"


def test_a_withdrawn_round_takes_no_number_in_the_workbook(client: Client, submitted: Any, lead: Any) -> None:
    appraise_all(submitted, lead)
    _request(submitted, lead)
    explanation_withdraw(assessment=refresh(submitted), actor=lead, reason="Yêu cầu nhầm.")
    _request(submitted, lead)  # stored round 2, the first not withdrawn
    assert _status(client, lead, refresh(submitted)) == "Đang giải trình, giải trình vòng 1"


def test_a_signed_off_workbook_names_the_appraisal_round(client: Client, submitted: Any, lead: Any) -> None:
    appraise_all(submitted, lead)
    signed = assessment_sign_off(assessment=refresh(submitted), actor=lead)
    assert _status(client, lead, signed) == "Đã thông qua, thẩm định vòng 1"
