"""Hot reads compiled once per process: an autosave runs the same few queries thousands of times a day.

Building and compiling a queryset costs more than the database takes to run it (measured on the autosave's
totals query: 0.37 ms to build, 0.55 ms to compile, 0.39 ms to run). These helpers compile a queryset once, with
marks in place of its arguments (ids or texts), keep its SQL and the ORM's own row converters, and then run the kept
SQL with the arguments put back: the rows and instances are those the ORM would give (select_related included).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # what querysets use

# Values no row has, one per argument (an id or a text): where one appears among the compiled parameters, its
# argument goes.
MARKS: dict[type, tuple[Any, ...]] = {
    int: (-730_202_017, -730_202_018, -730_202_019),
    str: ("\x00mark-0", "\x00mark-1", "\x00mark-2"),
}


def _marks(args: Sequence[int | str]) -> list[Any]:
    return [MARKS[type(arg)][n] for n, arg in enumerate(args)]


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    compiler: Any
    converters: dict[int, Any]
    model: type[Model]
    init_list: list[str]  # the model's own columns, for Model.from_db
    span: slice  # where they are in a row
    populators: list[Any]  # select_related objects
    annotations: dict[str, int]  # model instances: each annotation's place in a row, set as an attribute
    prepared: str = ""  # PostgreSQL: the statement's name once prepared on a connection ("" when not prepared)


_PLANS: dict[tuple[Any, ...], _Plan] = {}


@dataclass
class _Session:
    """PostgreSQL: what one connection has prepared. A statement lasts as long as its session (a rollback does not
    undo it); a reconnection is a new driver connection, and starts empty."""

    names: dict[str, str] = field(default_factory=dict)  # plan's name → the name prepared under on this connection
    tries: dict[str, int] = field(default_factory=dict)  # plan's name → names tried on this connection


_SESSIONS: weakref.WeakKeyDictionary[Any, _Session] = weakref.WeakKeyDictionary()


def preparable(name: str, sql: str) -> str:
    """The name to prepare the statement under on PostgreSQL, or "" to send it whole each time."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS or "%%" in sql:
        return ""
    return "cchc_" + re.sub(r"[^a-z0-9_]", "_", name.lower())


def _plan(name: str, build: Callable[..., QuerySet[Any]], args: Sequence[int | str]) -> _Plan:
    key = (connection.vendor, name, *(type(arg) for arg in args))
    plan = _PLANS.get(key)
    if plan is None:
        queryset = build(*_marks(args))
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()  # fills compiler.select and klass_info, as running the queryset would
        if missing := [mark for mark in _marks(args) if mark not in params]:  # e.g. a lookup that changed it
            raise ValueError(f"{name}: the arguments {missing!r} are not parameters of the compiled query")
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        init_list: list[str] = []
        span, populators, annotations = slice(0), [], {}
        if not queryset.query.values_select:  # model instances (not values_list)
            annotations = dict(compiler.annotation_col_map)
            fields = compiler.klass_info["select_fields"]
            span = slice(fields[0], fields[-1] + 1)
            init_list = [f[0].target.attname for f in compiler.select[span]]
            populators = get_related_populators(compiler.klass_info, compiler.select, queryset.db)
        prepared = preparable("_".join([name, *(type(arg).__name__ for arg in args)]), sql)
        plan = _PLANS[key] = _Plan(sql, tuple(params), compiler, converters, queryset.model, init_list, span,
                                   populators, annotations, prepared)
    return plan


def _execute(cursor: Any, plan: _Plan, params: list[Any]) -> None:
    """Run the plan's SQL: prepared once per connection on PostgreSQL (see `execute_prepared`)."""
    execute_prepared(cursor, plan.prepared, plan.sql, params)


def execute_prepared(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run `sql` (with `%s` marks for `params`) prepared under `name` on this connection, once, and then executed
    by name: the server parses and plans it once (planning the assessment's four-table read cost more than
    running it). `name` "" sends the SQL whole each time.

    The first use prepares and executes in one round trip. Its name is kept only once that succeeded; after a
    failure the next use prepares under a new name (whether or not the failed one was left prepared), so a
    name is never prepared twice."""
    if not name:
        cursor.execute(sql, params)
        return
    execute_batch(cursor, [(name, sql, params)])


def _numbered(sql: str) -> str:
    """The statement with its `%s` marks numbered for PREPARE ($1, $2, …); an escaped percent sign (`%%`, which the
    driver turns into `%`) is left as it is, even before an `s`."""
    numbered = iter(range(1, sql.count("%s") + 1))
    return re.sub(r"%%|%s", lambda m: m.group() if m.group() == "%%" else f"${next(numbered)}", sql)


def execute_batch(cursor: Any, statements: Sequence[tuple[str, str, Sequence[Any]]]) -> None:
    """PostgreSQL: run several statements, each `(name, sql, params)` as for `execute_prepared`, in ONE round trip
    (the driver sends them as one text); the cursor holds the last one's rows. Each named statement is prepared
    on first use, in the same text. A statement named "" is sent whole."""
    session = _SESSIONS.get(connection.connection)
    if session is None:
        session = _SESSIONS[connection.connection] = _Session()
    parts: list[str] = []
    values: list[Any] = []
    fresh: dict[str, str] = {}
    for name, sql, params in statements:
        values += params
        if not name:
            parts.append(sql)
            continue
        arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
        kept = session.names.get(name)
        if kept is None:
            tried = session.tries[name] = session.tries.get(name, 0) + 1
            kept = fresh[name] = f"{name}_{tried}"
            parts.append(f"PREPARE {kept} AS {_numbered(sql)}")
        parts.append(f"EXECUTE {kept}{arguments}")
    cursor.execute("; ".join(parts), values)
    session.names.update(fresh)  # kept only once the whole text ran: a failed name is never tried again


def prepared_names(prefix: str) -> int:
    """How many statements whose name starts with `prefix` this connection has prepared."""
    session = _SESSIONS.get(connection.connection)
    return sum(1 for name in session.names if name.startswith(prefix)) if session is not None else 0


def is_prepared(name: str) -> bool:
    """Whether this connection has the statement `name` prepared."""
    session = _SESSIONS.get(connection.connection)
    return session is not None and name in session.names


def _run(plan: _Plan, args: Sequence[int | str]) -> list[Any]:
    if any(type(arg) is int and not -(2**63) <= arg < 2**63 for arg in args):
        return []  # no row has such an id (and a driver may refuse the number), as the ORM answers
    where = dict(zip(_marks(args), args, strict=True))
    with connection.cursor() as cursor:
        _execute(cursor, plan, [where.get(p, p) if type(p) in MARKS else p for p in plan.params])
        found = cursor.fetchall()
    return list(plan.compiler.apply_converters(found, plan.converters)) if plan.converters else found


def sql_of(name: str, build: Callable[..., QuerySet[Any]], *args: int | str) -> tuple[str, list[Any]]:
    """The SQL of `build(*args)`, compiled once under `name`, and its parameters with the arguments in place: to be
    part of a larger statement (its rows are then the caller's to convert)."""
    plan = _plan(name, build, args)
    where = dict(zip(_marks(args), args, strict=True))
    return plan.sql, [where.get(p, p) if type(p) in MARKS else p for p in plan.params]


def rows(name: str, build: Callable[..., QuerySet[Any]], *args: int | str) -> list[tuple[Any, ...]]:
    """The rows of `build(*args)`, a `values_list` queryset, compiled once under `name`."""
    return [tuple(row) for row in _run(_plan(name, build, args), args)]


def instances(name: str, build: Callable[..., QuerySet[Any]], *args: int | str) -> list[Any]:
    """The model instances of `build(*args)` (with their select_related objects and annotations), compiled once
    under `name`."""
    plan = _plan(name, build, args)
    found = []
    for row in _run(plan, args):
        obj = plan.model.from_db(connection.alias, plan.init_list, row[plan.span])
        for populator in plan.populators:
            populator.populate(row, obj)
        for attribute, place in plan.annotations.items():
            setattr(obj, attribute, row[place])
        found.append(obj)
    return found


# --- writes: the statement built once per model (and fields), the values prepared by their fields ------------

_WRITES: dict[tuple[Any, ...], tuple[str, list[Field]]] = {}
_WRITE_NAMES: dict[tuple[Any, ...], str] = {}


def _write_name(key: tuple[Any, ...]) -> str:
    """The name a kept write is prepared under on PostgreSQL (as the reads are): the server parses and plans each
    autosave's UPDATE and audit INSERT once per connection instead of on every save."""
    name = _WRITE_NAMES.get(key)
    if name is None:
        sql = _WRITES[key][0]
        name = _WRITE_NAMES[key] = preparable(f"{key[0]}_{key[2]._meta.db_table}_{len(_WRITE_NAMES)}", sql)
    return name


def update(instance: Model, fields: Sequence[str], *, when: dict[str, Any] | None = None) -> int:
    """Write the chosen fields of one row, as `save(update_fields=fields)` writes them (auto_now stamped, each
    value prepared by its field) without building the query each time. With `when` ({field: value}), only while
    the row still holds those values (an optimistic lock). The number of rows written (0 or 1). No signals are
    sent: none are connected to the models written this way."""
    model = type(instance)
    conditions = tuple(when or ())
    key = ("update", connection.vendor, model, tuple(fields), conditions)
    kept = _WRITES.get(key)
    if kept is None:
        quote = connection.ops.quote_name
        columns = [cast(Field, model._meta.get_field(name)) for name in fields]  # concrete fields only
        sets = ", ".join(f"{quote(column.column)} = %s" for column in columns)
        # the model's own column names, quoted: no user text in the SQL
        where = "".join(f" AND {quote(cast(Field, model._meta.get_field(name)).column)} = %s" for name in conditions)
        kept = _WRITES[key] = (
            f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(model._meta.pk.column)} = %s{where}",  # noqa: S608
            columns,
        )
    sql, columns = kept
    values = [column.get_db_prep_save(column.pre_save(instance, False), connection) for column in columns]
    with connection.cursor() as cursor:
        execute_prepared(cursor, _write_name(key), sql, [*values, instance.pk, *(when or {}).values()])
        return int(cursor.rowcount)


def insert(instance: Model) -> None:
    """Insert one new row, as `save(force_insert=True)` does (defaults and auto_now_add applied, values prepared by
    their fields, the new id set on the instance), without building the query each time. No signals are sent."""
    model = type(instance)
    meta = model._meta
    key = ("insert", connection.vendor, model)
    kept = _WRITES.get(key)
    if kept is None:
        quote = connection.ops.quote_name
        columns = [f for f in meta.local_concrete_fields if not f.primary_key and not f.generated]
        names = ", ".join(quote(f.column) for f in columns)  # the model's own, quoted: no user text in the SQL
        sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        if connection.features.can_return_columns_from_insert:
            returning, _params = connection.ops.return_insert_columns([meta.pk])
            sql = f"{sql} {returning}"
        kept = _WRITES[key] = (sql, columns)
    sql, columns = kept
    values = [column.get_db_prep_save(column.pre_save(instance, True), connection) for column in columns]
    with connection.cursor() as cursor:
        execute_prepared(cursor, _write_name(key), sql, values)
        if connection.features.can_return_columns_from_insert:
            instance.pk = cursor.fetchone()[0]
        else:
            instance.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    instance._state.adding = False
    instance._state.db = connection.alias
