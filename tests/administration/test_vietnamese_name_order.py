"""Names listed in Vietnamese alphabetical order (a ă â b c d đ e ê …, tones after the letters), not by code point:
«Sở Kế hoạch…» before «Sở Khoa học…», «Sở Nội vụ» before «Sở Nông nghiệp…», «UBND huyện Cái Bè» before «Chợ Gạo».
The SQLite collation (`cchc.sqlite`) follows PostgreSQL's ICU «vi-x-icu», so both list them alike."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cchc.collation import sort_key, vietnamese
from scoring.models import Unit, UnitKind
from tests.conftest import need_service

WORDS_IN_ORDER = [
    "10", "2", "á", "a b", "a-b", "a1", "ab", "ă", "Â", "ba", "Ba", "BA", "bà", "bả", "bã", "bá", "bạ", "c", "cà",
    "Cá", "cá heo", "ca sĩ", "Dz", "Đa", "e", "è", "é", "ẹ", "ê", "n", "ô", "ơ", "ờ", "ở", "ơa", "Ơa", "ƠA", "u",
    "ú", "ư",
]


def test_the_sort_key_orders_the_vietnamese_alphabet_with_tones_after_the_letters() -> None:
    shuffled = random.Random(7).sample(WORDS_IN_ORDER, len(WORDS_IN_ORDER))
    assert sorted(shuffled, key=sort_key) == WORDS_IN_ORDER


def test_the_sort_key_reads_composed_and_decomposed_text_alike() -> None:
    composed = "Sở Nội vụ"
    assert sort_key(unicodedata.normalize("NFD", composed))[:3] == sort_key(composed)[:3]


@pytest.mark.django_db
def test_the_database_orders_names_in_vietnamese(catalogue: Any) -> None:
    names = list(Unit.objects.filter(kind__code="department").order_by(vietnamese("name"))
                 .values_list("name", flat=True))
    assert names == sorted(names, key=sort_key)
    assert names.index("Sở Kế hoạch và Đầu tư") < names.index("Sở Khoa học và Công nghệ")
    assert names.index("Sở Nội vụ") < names.index("Sở Nông nghiệp và Phát triển nông thôn")
    backwards = list(Unit.objects.filter(kind__code="department").order_by(vietnamese("name").desc())
                     .values_list("name", flat=True))
    assert backwards == names[::-1]


def _listed(client: Client, **query: str) -> list[str]:
    response = client.get(reverse("administration:unit_list"), query)
    assert response.status_code == 200
    return [unit.name for unit in response.context["page"].object_list]


@pytest.mark.django_db
def test_the_units_page_lists_each_kind_in_vietnamese_alphabetical_order(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    departments = _listed(client, loai=str(UnitKind.objects.get(code="department").pk))
    districts = _listed(client, loai=str(UnitKind.objects.get(code="district").pk))

    assert departments == sorted(departments, key=sort_key)
    assert departments.index("Sở Kế hoạch và Đầu tư") < departments.index("Sở Khoa học và Công nghệ")
    assert departments.index("Sở Nội vụ") < departments.index("Sở Nông nghiệp và Phát triển nông thôn")
    assert districts.index("UBND huyện Cái Bè") < districts.index("UBND huyện Chợ Gạo")
    # the kinds keep their order
    everything = _listed(client)
    assert everything.index("Thanh tra tỉnh") < everything.index("Cục Thuế tỉnh")
    assert everything.index("Cục Thuế tỉnh") < everything.index("UBND huyện Cái Bè")


@pytest.mark.django_db
def test_the_merge_choices_are_in_vietnamese_alphabetical_order(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    response = client.get(reverse("administration:unit_edit", args=[unit.pk]))
    names = [u.name for u in response.context["merge_form"].fields["into"].queryset]
    assert names == sorted(names, key=sort_key)


@pytest.mark.django_db
def test_on_postgresql_the_icu_collation_gives_the_order_of_the_sqlite_collation(catalogue: Any) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # given names of every kind of difference: letters, tones, case, spaces and punctuation
    generator = random.Random(11)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ -–.,0123456789"
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    words = set(WORDS_IN_ORDER)
    while len(words) < 400:
        text = "".join(
            c + (generator.choice(tones) if c.isalpha() and generator.random() < 0.4 else "")
            for c in generator.choices(letters, k=generator.randint(1, 6))
        )
        words.add(unicodedata.normalize("NFC", text).strip() or "x")
    kind = UnitKind.objects.get(code="district")
    Unit.objects.bulk_create(Unit(code=f"w{i}", name=name, kind=kind, active=False) for i, name in enumerate(words))
    # when PostgreSQL orders them
    listed = list(Unit.objects.filter(code__startswith="w").order_by(vietnamese("name"), "code")
                  .values_list("name", flat=True))
    # then in the order of the key the SQLite collation uses
    assert listed == sorted(words, key=sort_key)
    assert listed.index("Đa") > listed.index("Dz")
