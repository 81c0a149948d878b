"""The set's check report links each problem about a criterion to that criterion's page in the set editor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


def test_each_problem_about_a_criterion_links_to_its_edit_page(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    # given a draft whose criterion 1.2's children no longer add up, whose yes/no leaf 1.2.1 gives more than its
    # maximum, and whose areas no longer make the standard
    draft = services.indicator_set_clone(source=small_set, key="report-links", year=2022, actor=admin_user)
    Indicator.objects.filter(indicator_set=draft, code="1.2.1").update(max_points="0.5", params={"yes_points": "9"})
    IndicatorSet.objects.filter(pk=draft.pk).update(standard_max="11")
    client.force_login(admin_user)

    # when the administrator opens the check report
    page = client.get(reverse("administration:set_report", args=[draft.pk])).content.decode()

    # then the problems name their criterion as a link to its editor
    problems = re.search(r'<ul class="problems report-problems">(.*?)</ul>', page, re.S)
    assert problems is not None
    items = re.findall(r"<li>(.*?)</li>", problems[1], re.S)
    parent = Indicator.objects.get(indicator_set=draft, code="1.2")
    leaf = Indicator.objects.get(indicator_set=draft, code="1.2.1")
    sums = [i for i in items if "«1.2»" in i and "tổng điểm tối đa" in i]
    method = [i for i in items if "1.2.1:" in i]
    assert sums and f'href="{reverse("administration:node_edit", args=[parent.pk])}"' in sums[0]
    assert method and f'href="{reverse("administration:node_edit", args=[leaf.pk])}"' in method[0]
    # a problem of the set as a whole (the areas' total) links to no criterion
    whole = [i for i in items if "Tổng điểm tối đa các lĩnh vực" in i]
    assert whole and "href" not in whole[0]
