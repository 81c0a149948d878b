"""Every field an audit entry records in its changes is named in Vietnamese on the audit page (no raw «is_lead»):
the keys written anywhere in the code, as a dict literal given as `changes` (or built in the same function and
passed by name, filled key by key, or comprehended over a module's constant), have a label; and so do the fields of
the objects the services update field by field from a form (a criterion, a set, a unit, a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

from scoring.administration.audit_labels import CODE_LIST_FIELDS, FIELD_LABELS, OBJECT_FIELD_LABELS

ROOT = Path(__file__).resolve().parents[2]
APPS = ("scoring", "appraisal", "evidence", "cchc")


def _keys_of(node: ast.AST | None) -> set[str]:
    """The constant keys of the dict literal `node` (not those inside its {"old": …, "new": …} values)."""
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _sources(value: ast.AST) -> set[str]:
    """The names whose keys `value` takes: itself (`changes=changes`), a spread (`{**dropped, …}`), what a
    comprehension iterates (`{k: … for k in new}`)."""
    if isinstance(value, ast.Name):
        return {value.id}
    if isinstance(value, ast.Dict):
        return {v.id for k, v in zip(value.keys, value.values, strict=True) if k is None and isinstance(v, ast.Name)}
    if isinstance(value, ast.DictComp):
        return {name for generator in value.generators for name in _names_in(generator.iter)}
    return set()


def _strings(node: ast.AST | None) -> set[str]:
    """The strings of a constant tuple, list or set (`frozenset({…})` too)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"frozenset", "set", "tuple"} and node.args:
        node = node.args[0]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _function_dicts(function: ast.AST) -> dict[str, set[str]]:
    """The keys given, in `function` (or a module), to each name: `x = {…}`, `x: T = {…}`, `x["k"] = …`, and
    the names whose keys it takes (`x = {k: … for k in FIELDS}`), marked «~» («~FIELDS»)."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, set()).update(_keys_of(node.value) | _strings(node.value))
                    found[target.id] |= {f"~{name}" for name in _sources(node.value)}
                elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                      and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
                    found.setdefault(target.value.id, set()).add(target.slice.value)
    return found


def _changes_values(tree: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(enclosing function, value) of every `changes=` argument and every "changes" key of a dict."""
    pairs = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                pairs += [(function, kw.value) for kw in node.keywords if kw.arg == "changes"]
            elif isinstance(node, ast.Dict):
                pairs += [(function, v) for k, v in zip(node.keys, node.values, strict=True)
                          if isinstance(k, ast.Constant) and k.value == "changes"]
    return pairs


def change_keys_written_in_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            # the module's constants (`_SELF_FIELDS`)
            module = {name: keys for name, keys in _function_dicts(tree).items() if name.isupper()}
            for function, value in _changes_values(tree):
                local = {**module, **_function_dicts(function)}
                keys = _keys_of(value)
                names = _sources(value)
                seen: set[str] = set()
                while names - seen:
                    name = (names - seen).pop()
                    seen.add(name)
                    for key in local.get(name, set()):
                        if key.startswith("~"):
                            names.add(key[1:])
                        else:
                            keys.add(key)
                for key in keys - {"old", "new"}:
                    found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_every_field_recorded_in_an_audit_entry_has_a_label() -> None:
    written = change_keys_written_in_the_code()
    # the collector sees the ways changes are written: a literal, a name built before, a comprehension over one
    assert {"is_lead", "areas", "state", "self_value", "nodes"} <= set(written)
    labelled = set(FIELD_LABELS) | set(CODE_LIST_FIELDS) | {k for own in OBJECT_FIELD_LABELS.values() for k in own}
    missing = {key: path for key, path in written.items() if key not in labelled}
    assert missing == {}


# Updated field by field from a form's cleaned data (`_assign`): every field but those no service records.
FIELD_BY_FIELD = {
    "Indicator": {"id", "indicator_set", "level", "is_leaf", "cloned_from"},
    "IndicatorSet": {"id", "version", "cloned_from", "created_at"},
    "Unit": {"id"},
    "Cycle": {"id"},
}


def test_every_field_of_an_object_updated_field_by_field_has_a_label() -> None:
    from django.apps import apps

    for object_type, unrecorded in FIELD_BY_FIELD.items():
        model = apps.get_model("scoring", object_type)
        own = OBJECT_FIELD_LABELS.get(object_type, {})
        missing = [f.name for f in model._meta.concrete_fields
                   if f.name not in unrecorded and f.name not in own and f.name not in FIELD_LABELS]
        assert missing == [], object_type
