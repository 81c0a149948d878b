"""The parameters' refusals speak the editor's language. In the tree file, parameters left over from another method
(a yes/no leaf turned into «Chấm điểm trực tiếp», its JSON kept) are each named by the editor's label, the method
by its label, with the advice to clear the parameters cell; in the editor, a list line with too few or too many parts
(«Đã xử lý xong toàn bộ | 1» for a level) is said to be that, with the shape the line takes, not «thiếu điểm»."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.resources import clean_rows
from scoring.administration.services.tree import indicator_version
from scoring.errors import ValidationFailed
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


def _row(**cells: Any) -> dict[str, Any]:
    return {"row": 2, "code": "1.2.2", "parent_code": "", "name": "Gửi báo cáo tự đánh giá đúng hạn",
            "kind": "Thường", "max_points": "0.5", **cells}


def test_parameters_left_from_another_method_are_all_named_by_the_editors_labels_with_the_advice() -> None:
    # given: 1.2.2 changed from «Có / Không» to «Chấm điểm trực tiếp», the old parameters left in their cell
    rows = [_row(method="Chấm điểm trực tiếp", params='{"yes_points": "0.5", "no_points": "0"}')]
    # when
    _clean, errors = clean_rows(rows)
    # then: one message naming both parameters by their labels, the method by its label, and what to do
    (message,) = errors[2]
    assert "«Điểm khi «Có»»" in message and "«Điểm khi «Không»»" in message
    assert "«Chấm điểm trực tiếp»" in message
    assert "«manual»" not in message and "«no_points»" not in message and "«yes_points»" not in message
    assert "«Tham số phương pháp chấm»" in message and "để trống" in message
    assert "ví dụ Bước điểm: 0,25." in message  # the new method's parameters as the file writes them


def test_another_engine_refusal_in_the_file_is_worded_with_the_editors_labels() -> None:
    # a yes/no leaf whose «Có» points are above its maximum
    _clean, errors = clean_rows([_row(method="Có / Không", params='{"yes_points": "2"}')])
    (message,) = errors[2]
    assert "Điểm khi «Có»" in message and "yes_points" not in message, message


def test_the_api_names_leftover_parameters_by_their_labels_too(small_set: IndicatorSet, admin_user: Any) -> None:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.2.3")  # by hand, step 0,25
    data = {name: getattr(leaf, name) for name in services.INDICATOR_FIELDS}
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_update(indicator=leaf, data={**data, "params": {"step": "0.25", "yes_points": "1",
                                                                           "no_points": "0"}}, actor=admin_user)
    message = str(refused.value.message)
    assert "«Điểm khi «Có»»" in message and "«Điểm khi «Không»»" in message and "«Chấm điểm trực tiếp»" in message


@pytest.fixture
def levels_leaf(small_set: IndicatorSet, admin_user: Any) -> Indicator:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    return draft.indicators.get(code="1.1.1")  # levels: on_time 1, late 0, none −1


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf))
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


LINES = "on_time | Đúng hạn, đầy đủ | 1\nĐã xử lý xong toàn bộ | 1\nnone | Không ban hành | -1"


def test_a_level_line_of_two_parts_is_refused_with_the_shape_a_line_takes(
    client: Client, admin_user: Any, levels_leaf: Indicator
) -> None:
    # given
    client.force_login(admin_user)
    before = levels_leaf.params
    # when
    response = _edit(client, levels_leaf, p_options=LINES)
    # then: refused, nothing saved, the message (in the page's error summary) names the line and its expected shape
    assert response.status_code == 400
    said = response.content.decode().split('id="indicator-errors"')[1].split("</div>")[0]
    assert "dòng 2" in said and "«Đã xử lý xong toàn bộ | 1»" in said
    assert "mã | mô tả | điểm" in said
    assert "thiếu điểm" not in said
    levels_leaf.refresh_from_db()
    assert levels_leaf.params == before


def test_the_live_preview_says_the_same_of_the_line(client: Client, admin_user: Any, levels_leaf: Indicator) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_preview"), {
        "method": "levels", "max_points": "1", "floor": "-1", "kind": "normal", "p_options": LINES})
    assert response.status_code == 400
    page = response.content.decode()
    assert "mã | mô tả | điểm" in page and "thiếu điểm" not in page


def test_a_rate_band_line_of_one_part_is_refused_with_the_shapes_it_may_take(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_preview"), {
        "method": "ratio_bands", "max_points": "2", "floor": "0", "kind": "normal", "p_bands": "90 | > | 2\n70"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "dòng 2" in page and "ngưỡng % | &gt; hoặc &gt;= | điểm" in page
