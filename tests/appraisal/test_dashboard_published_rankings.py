"""Once the cycle is published, the dashboard names its rankings by the decision that published them (not
«tạm thời»), links to the public page, and says so when the results have changed since."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.publication.conftest import DOC_DATE, UNITS, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db
URL = "/tham-dinh/tong-quan/"
PROVISIONAL = "Xếp hạng theo khối (tạm thời, trước khi công bố)"
PUBLISHED = "Xếp hạng theo khối (đã công bố theo văn bản Công văn số 4567/UBND-NC ngày 08/12/2020)"
CHANGED = "Kết quả đã thay đổi sau công bố"


@pytest.fixture
def signed(cycle: Any) -> Any:
    """The 2020 cycle with the publication tests' four departments signed off, ready to publish."""
    for code, (overrides, _index) in UNITS.items():
        sign_off_unit(cycle, code, overrides)
    return finalisation_phase(cycle)


@pytest.fixture
def published(signed: Any, admin_user: Any) -> Any:
    from scoring.publication.services import cycle_publish

    return cycle_publish(cycle=signed, document_number="Công văn số 4567/UBND-NC", document_date=DOC_DATE,
                         actor=admin_user)


def test_before_publication_the_rankings_are_provisional(client: Client, signed: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    body = client.get(URL).content.decode()
    assert PROVISIONAL in body and "đã công bố theo văn bản" not in body and CHANGED not in body


def test_after_publication_the_rankings_name_the_decision_and_link_to_the_public_page(
    client: Client, published: Any, admin_user: Any,
) -> None:
    client.force_login(admin_user)
    body = client.get(URL).content.decode()
    assert PUBLISHED in body
    assert "tạm thời" not in body and CHANGED not in body
    assert 'href="/ket-qua/2020/"' in body


def test_a_reopen_after_publication_says_the_results_changed_since(
    client: Client, published: Any, admin_user: Any,
) -> None:
    from appraisal.services import assessment_reopen
    from scoring.models import Assessment

    signed = Assessment.objects.filter(cycle=published.cycle, unit__code="so-y-te").get()
    assessment_reopen(assessment=signed, actor=admin_user, reason="Đính chính điểm tiêu chí 1.1.1")
    client.force_login(admin_user)
    body = client.get(URL).content.decode()
    assert CHANGED in body and "đã thay đổi sau công bố theo văn bản Công văn số 4567/UBND-NC" in body
    assert PUBLISHED not in body and "tạm thời" not in body
