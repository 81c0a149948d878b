"""The chain of clones behind a criterion: the criterion it was copied from when its set was cloned
(`Indicator.cloned_from`), the one that one was copied from, and so on. What a year's criterion is in earlier years,
whatever its code became: the publication keeps the chain (`origins`), the sets' comparison and the copy of the
appraisal team's assignments pair criteria through it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from scoring.models import Indicator


@dataclass
class CloneChains:
    """`chains`: each node's pk → the pks it descends from, nearest first. `set_of`: the set of each criterion read
    (the nodes' and their ancestors' read from the database; not those only `known`)."""

    chains: dict[int, list[int]] = field(default_factory=dict)
    set_of: dict[int, int] = field(default_factory=dict)


def clone_chains(nodes: Iterable[Indicator], *, known: Mapping[int, int | None] | None = None, read: bool = True,
                 stop_sets: Collection[int] = ()) -> CloneChains:
    """Each of `nodes`' chain of clones (`CloneChains`). `known`: pk → cloned_from of criteria already read (the
    chains go through them without a query). `read` False: no query, a chain stops at the first criterion neither
    a node nor known. `stop_sets`: a chain ends at its first criterion in one of these sets (nothing older read).
    One query per generation of clones followed back; none when no criterion has a link."""
    nodes = list(nodes)
    copied_from: dict[int, int | None] = dict(known or {})
    set_of: dict[int, int] = {}
    for node in nodes:
        copied_from.setdefault(node.pk, node.cloned_from_id)
        set_of[node.pk] = node.indicator_set_id
    wanted = {pk for pk in copied_from.values() if pk is not None and pk not in copied_from}
    while read and wanted:
        rows = Indicator.objects.filter(pk__in=wanted).values_list("pk", "indicator_set_id", "cloned_from_id")
        found: dict[int, int | None] = {}
        for pk, set_id, parent in rows:
            set_of[pk] = set_id
            found[pk] = None if set_id in stop_sets else parent
        copied_from.update({pk: found.get(pk) for pk in wanted})
        wanted = {pk for pk in found.values() if pk is not None and pk not in copied_from}
    chains: dict[int, list[int]] = {}
    for node in nodes:
        chain: list[int] = []
        origin: int | None = node.cloned_from_id
        while origin is not None and origin != node.pk and origin not in chain:
            chain.append(origin)
            if set_of.get(origin) in stop_sets:
                break
            origin = copied_from.get(origin)
        chains[node.pk] = chain
    return CloneChains(chains=chains, set_of=set_of)
