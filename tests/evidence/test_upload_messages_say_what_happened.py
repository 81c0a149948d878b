"""The upload's answers say what happened: a PNG named .jpg is told to be renamed .png (not «đổi tên hoặc hỏng»);
a refusal names the extension as the file writes it (.jpeg); a file chosen twice in one batch is said to be chosen
twice, not to be in the library already; the summary of a batch with a refusal says whether anything new was
stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _post(user: Any, assessment: Any, *files: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(reverse("evidence:upload", args=[assessment.pk]), {"files": list(files)}, **JSON)


def test_a_png_named_jpg_is_told_its_real_type_and_the_name_to_give_it(assessment: Any, unit_editor: Any) -> None:
    response = _post(unit_editor, assessment, upload("ảnh chụp.jpg", samples.png()))

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "bad_type"
    assert error["message"] == (
        "Tệp «ảnh chụp.jpg» có nội dung PNG nhưng phần mở rộng là .jpg: hãy đổi tên thành «ảnh chụp.png» rồi tải lên "
        "lại."
    )
    assert not EvidenceFile.objects.exists()


def test_a_refused_jpeg_names_its_own_extension(assessment: Any, unit_editor: Any) -> None:
    response = _post(unit_editor, assessment, upload("anh.jpeg", b"not an image at all"))

    [error] = response.json()["errors"]
    assert "phần mở rộng .jpeg" in error["message"]
    assert ".jpg" not in error["message"]


def test_a_file_chosen_twice_in_one_batch_is_said_to_be_chosen_twice(assessment: Any, unit_editor: Any) -> None:
    response = _post(unit_editor, assessment, upload("ke-hoach.pdf", samples.pdf()),
                     upload("ke-hoach.pdf", samples.pdf()))

    data = response.json()
    assert response.status_code == 200 and EvidenceFile.objects.count() == 1
    assert data["message"] == "Đã lưu 1 tệp. «ke-hoach.pdf» được chọn hai lần trong lần tải lên này; chỉ lưu một bản."
    assert "đã có trong thư viện" not in data["message"]


def test_a_refusal_beside_only_copies_the_library_holds_says_nothing_new_was_stored(
    assessment: Any, unit_editor: Any
) -> None:
    # given ke-hoach.pdf already in the library
    _post(unit_editor, assessment, upload("ke-hoach.pdf", samples.pdf()))
    # when it is sent again with a refused file
    response = _post(unit_editor, assessment, upload("ke-hoach.pdf", samples.pdf()), upload("gia.pdf", samples.png()))
    # then the summary does not claim that other valid files were stored
    message = response.json()["message"]
    assert EvidenceFile.objects.count() == 1
    assert "vẫn được lưu" not in message
    assert message.endswith("1 tệp bị từ chối; không có tệp mới nào được lưu.")


def test_a_refusal_beside_a_new_file_still_says_the_others_were_stored(assessment: Any, unit_editor: Any) -> None:
    # guards behaviour that must not change: passes before and after
    response = _post(unit_editor, assessment, upload("tot.pdf", samples.pdf()), upload("gia.pdf", samples.png()))
    assert response.json()["message"] == "Đã lưu 1 tệp. 1 tệp bị từ chối; các tệp hợp lệ khác vẫn được lưu."
