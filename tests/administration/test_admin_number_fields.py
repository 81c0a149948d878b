"""Every number of the administration forms is read as the score sheet reads one (the engine's rule): «1.000» and
«1,000» may be a thousand or a one, so they are refused with a clear message, never stored as 1; «1,5» and «1.5»
are one and a half."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm, NumberField, SetMetaForm
from scoring.administration.services.sets import indicator_set_version
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

AMBIGUOUS = "tách hàng nghìn"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="numbers-2021", year=2021, actor=admin_user)


def _leaf_post(leaf: Indicator, **changes: str) -> dict[str, Any]:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted["version"] = indicator_version(leaf)
    posted.update(changes)
    return posted


def _set_post(indicator_set: IndicatorSet, **changes: str) -> dict[str, Any]:
    posted = {k: v for k, v in SetMetaForm.initial_for(indicator_set).items() if v is not None}
    posted["version"] = indicator_set_version(indicator_set)
    posted.update(changes)
    return posted


@pytest.mark.parametrize("typed", ["1.000", "1,000"])
def test_the_number_field_refuses_a_number_that_may_group_thousands(typed: str) -> None:
    form_field = NumberField()
    with pytest.raises(Exception) as refused:
        form_field.clean(typed)
    assert AMBIGUOUS in " ".join(refused.value.messages)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("typed", "clean"), [("1,5", "1.5"), ("1.5", "1.5"), (" 0,25 ", "0.25"), ("100", "100"),
                                              ("0,500", "0.5"), ("1000", "1000"), ("-1", "-1"),
                                              # thousands grouped as they can only be read, as the sheet reads them
                                              ("2.500,5", "2500.5"), ("1.000.000", "1000000")])
def test_the_number_field_reads_plain_numbers(typed: str, clean: str) -> None:
    assert NumberField().clean(typed) == clean


@pytest.mark.parametrize("typed", ["1.000", "1,000"])
def test_the_criterion_editor_refuses_an_ambiguous_maximum_and_stores_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str
) -> None:
    leaf = draft.indicators.get(code="1.2.1")  # yes/no, worth 1
    client.force_login(admin_user)
    # when
    response = client.post(reverse("administration:node_edit", args=[leaf.pk]), _leaf_post(leaf, max_points=typed))
    # then
    assert response.status_code == 400
    assert AMBIGUOUS in response.context["form"].errors["max_points"][0]
    leaf.refresh_from_db()
    assert leaf.max_points == Decimal("1")
    assert leaf.params == {}


def test_the_criterion_editor_refuses_an_ambiguous_floor(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    leaf = draft.indicators.get(code="1.2.1")
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_edit", args=[leaf.pk]), _leaf_post(leaf, floor="-1.000"))
    assert response.status_code == 400
    assert AMBIGUOUS in response.context["form"].errors["floor"][0]
    leaf.refresh_from_db()
    assert leaf.floor == Decimal("0")


def test_the_criterion_editor_refuses_ambiguous_parameters(client: Client, admin_user: Any,
                                                           draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    # the «Có» points of a yes/no leaf
    yes_no = draft.indicators.get(code="1.2.1")
    response = client.post(reverse("administration:node_edit", args=[yes_no.pk]),
                           _leaf_post(yes_no, p_yes_points="1.000"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "«Điểm khi «Có»»" in page or "Điểm khi «Có»" in page
    assert AMBIGUOUS in " ".join(response.context["form"].non_field_errors())
    yes_no.refresh_from_db()
    assert yes_no.params == {}
    # a level's points, named by its line
    levels = draft.indicators.get(code="1.1.1")
    posted = _leaf_post(levels)
    lines = posted["p_options"].splitlines()
    lines[0] = "on_time | Đúng hạn, đầy đủ | 1,000"
    response = client.post(reverse("administration:node_edit", args=[levels.pk]),
                           {**posted, "p_options": "\n".join(lines)})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "«Các mức», dòng 1" in errors and AMBIGUOUS in errors
    levels.refresh_from_db()
    assert levels.params["options"][0]["points"] in ("1", "1.00", Decimal("1"), 1)
    # a ratio band's threshold
    bands = draft.indicators.get(code="1.1.2")
    posted = _leaf_post(bands)
    response = client.post(reverse("administration:node_edit", args=[bands.pk]),
                           {**posted, "p_bands": "90 | > | 2\n70 | >= | 1\n0 | >= | 0,000"})
    assert response.status_code == 302  # «0,000» is a zero: a leading 0 never groups thousands
    response = client.post(reverse("administration:node_edit", args=[bands.pk]),
                           {**_leaf_post(Indicator.objects.get(pk=bands.pk)),
                            "p_bands": "1.000 | > | 2\n70 | >= | 1\n0 | >= | 0"})
    assert response.status_code == 400
    assert "«Khung tỷ lệ», dòng 1" in " ".join(response.context["form"].non_field_errors())


def test_the_criterion_editor_stores_a_maximum_typed_with_a_comma_or_a_point(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.2.1")
    client.force_login(admin_user)
    for typed in ("1,5", "1.5"):
        leaf.refresh_from_db()
        response = client.post(reverse("administration:node_edit", args=[leaf.pk]), _leaf_post(leaf, max_points=typed))
        assert response.status_code == 302
        leaf.refresh_from_db()
        assert leaf.max_points == Decimal("1.5")


@pytest.mark.parametrize(("name", "typed"), [("standard_max", "1.000"), ("bonus_cap", "2,000"),
                                             ("penalty_cap", "1.000")])
def test_the_set_form_refuses_ambiguous_numbers(
    client: Client, admin_user: Any, draft: IndicatorSet, name: str, typed: str
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]), _set_post(draft, **{name: typed}))
    assert response.status_code == 400
    assert AMBIGUOUS in response.context["meta_form"].errors[name][0]
    before = (draft.standard_max, draft.bonus_cap, draft.penalty_cap)
    draft.refresh_from_db()
    assert (draft.standard_max, draft.bonus_cap, draft.penalty_cap) == before


def test_the_set_form_refuses_an_ambiguous_band_threshold(client: Client, admin_user: Any,
                                                          draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]),
                           _set_post(draft, bands="9 | Tốt\n8 | Khá\n6,5 | Trung bình\n1.000 | Yếu"))
    assert response.status_code == 400
    error = response.context["meta_form"].errors["bands"][0]
    assert "1.000" in error and AMBIGUOUS in error
    draft.refresh_from_db()
    assert [b["min"] for b in draft.classification_bands] == ["9", "8", "6.5", "0"]


def test_the_set_form_saves_plain_numbers(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_update", args=[draft.pk]),
                           _set_post(draft, bonus_cap="1,5", penalty_cap="2.25", bands="9 | Tốt\n6,5 | Khá\n0 | Yếu"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.bonus_cap, draft.penalty_cap) == (Decimal("1.5"), Decimal("2.25"))
    assert [Decimal(b["min"]) for b in draft.classification_bands] == [Decimal("9"), Decimal("6.5"), Decimal("0")]
