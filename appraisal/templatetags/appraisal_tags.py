"""Template helpers of the appraisal pages."""

from __future__ import annotations

import re
import weakref
from functools import lru_cache
from typing import Any

from django import template
from django.db.models import Q
from django.template.base import NodeList, Template, TextNode
from django.template.loader_tags import IncludeNode
from django.urls import get_script_prefix, reverse

from appraisal import permissions
from appraisal import selectors as appraisal_selectors
from scoring.models import Assessment, Indicator
from scoring.permissions import unit_ids
from scoring.templatetags.scoring_tags import score, signed_score

register = template.Library()

# Stands for an argument in a URL reversed once (`fast_url`): no route of the project takes such a number.
_MARK = 987_654_321


@lru_cache(maxsize=128)
def _url_parts(name: str, arity: int, prefix: str) -> tuple[str, ...]:
    """The URL of route `name` with `arity` whole-number arguments, cut where they go (for the script `prefix`)."""
    rest = reverse(name, args=[_MARK + i for i in range(arity)])
    parts = []
    for i in range(arity):
        before, _mark, rest = rest.partition(str(_MARK + i))
        parts.append(before)
    return (*parts, rest)


@register.simple_tag
def fast_url(name: str, *args: int) -> str:
    """`{% url name a b %}` for whole-number arguments, the route reversed once per process: the review page draws
    several links per leaf and per file (a reverse each cost it a tenth of its time). No query."""
    parts = _url_parts(name, len(args), get_script_prefix())
    return "".join(part + str(int(arg)) for part, arg in zip(parts, args, strict=False)) + parts[-1]


@register.simple_tag(takes_context=True)
def appraisal_nav(context: template.Context) -> dict[str, str]:
    """Links for the appraisal team, the lead and administrators; for a unit's people, their appraisal
    feedback once a round has ended (one query, cached per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_cchc_appraisal_nav", None)
    if cached is not None:
        return dict(cached)
    links: dict[str, str] = {}
    units = unit_ids(user)
    if units:
        ended = (
            Assessment.objects.filter(unit_id__in=units)
            .filter(Q(state__in=[Assessment.State.EXPLANATION, Assessment.State.SIGNED_OFF]) | Q(appraisal_round__gt=1))
            .order_by("-cycle__year")
            .values_list("pk", flat=True)
            .first()
        )
        if ended:
            links["feedback"] = reverse("appraisal:explain", args=[ended])
    if permissions.is_appraiser(user):
        links["queue"] = reverse("appraisal:queue")
    if permissions.can_view_dashboard(user):  # a lead by assignment too: the page opens on a cycle they lead
        links["dashboard"] = reverse("appraisal:dashboard")
    if permissions.can_import_survey(user):
        links["survey"] = reverse("appraisal:survey_import")
        cycle = appraisal_selectors.current_cycle()
        if cycle is not None:
            links["assignments"] = reverse("appraisal:assignments", args=[cycle.pk])
    request._cchc_appraisal_nav = links
    return links


@register.filter
def leaf_score(value: Any, indicator: Any) -> str:
    """A leaf's score as the unit's sheet writes it: a penalty leaf's (stored positive, the points it deducts) as
    the deduction it is, with the true minus sign («−0,50»), any other as `score` writes it («1,50»). For its
    maximum, self-score, appraisal and each round of its history alike: `{{ line.self_score|leaf_score:ind }}`."""
    if getattr(indicator, "kind", None) == Indicator.Kind.PENALTY:
        return signed_score(value, "-")
    return score(value)


@register.filter
def preview_kind(evidence_file: Any) -> str:
    """"pdf", "image" or "" — how a file is shown inline (others are downloaded)."""
    if not getattr(evidence_file, "is_previewable", False):
        return ""
    content_type = str(getattr(getattr(evidence_file, "blob", None), "content_type", "") or "")
    return "image" if content_type.startswith("image/") else "pdf"


@register.inclusion_tag("appraisal/_result_status.html", takes_context=True)
def result_status(context: template.Context, assessment: Assessment) -> dict[str, Any]:
    """`{% result_status assessment %}`: the index result, or «đang tính» while it is missing or older than
    the assessment (one query). For any page that shows a signed-off assessment."""
    from appraisal.selectors import result_of, result_pending

    result = result_of(assessment)
    return {"assessment": assessment, "result": result, "pending": result_pending(assessment, result),
            "request": context.get("request")}


@register.filter
def history_shown(entries: Any) -> list[Any]:
    """A leaf's history as its «Quá trình chấm điểm» lists it: unchanged snapshots folded
    (`selectors.review.history_shown`)."""
    from appraisal.selectors.review import history_shown as shown

    return shown(list(entries or []))


@register.simple_tag
def appraisal_started(assessment: Assessment) -> dict[str, Any] | None:
    """`{% appraisal_started assessment as started %}`: when and by whom the appraisal started (`at`, `by`), for
    the unit's sheet; None before (`selectors.appraisal_started`)."""
    return appraisal_selectors.appraisal_started(assessment)


@register.simple_tag
def rank_standing(assessment: Assessment) -> Any:
    """Whether the assessment's rank in its group is still provisional, and among how many units signed off."""
    return appraisal_selectors.rank_standing(assessment)


# --- {% trimlines %}: the template's own line breaks and indentation, not drawn ------------------------------------

# A run of whitespace that holds a line break: an HTML page shows it as one blank, whatever its length.
_TEMPLATE_WHITESPACE = re.compile(r"[ \t\r\f]*\n[ \t\r\n\f]*")
# The trimmed copies of the templates included inside a trimmed block, by the template the engine loaded: a template
# loaded again (changed, in development) gets its own copy; the engine's own, used elsewhere, stays as written.
_trimmed_copies: weakref.WeakKeyDictionary[Template, Template] = weakref.WeakKeyDictionary()


class _TrimmedInclude:
    """Stands for an `{% include %}`'s template name: resolves to the trimmed copy of the template named."""

    def __init__(self, name: Any) -> None:
        self.name = name

    def resolve(self, context: template.Context) -> Any:
        named = self.name.resolve(context)
        if not isinstance(named, str):
            return named
        drawing = context.template
        assert drawing is not None  # an include is drawn inside a template
        loaded = drawing.engine.get_template(named)
        copy = _trimmed_copies.get(loaded)
        if copy is None:
            copy = Template(loaded.source, origin=loaded.origin, name=loaded.name, engine=loaded.engine)
            _trim_nodes(copy.nodelist)
            _trimmed_copies[loaded] = copy
        return copy


def _trim_nodes(nodes: Any) -> None:
    """Reduce the template's own whitespace in `nodes`, and in the templates they include, to one line break where
    it holds one. Only the template's text: a value drawn into it (a unit's note shown line by line) keeps its own."""
    for node in nodes:
        if isinstance(node, TextNode):
            node.s = _TEMPLATE_WHITESPACE.sub("\n", node.s)
            continue
        if isinstance(node, IncludeNode) and not isinstance(node.template, _TrimmedInclude):
            node.template = _TrimmedInclude(node.template)  # type: ignore[assignment]
        for attr in node.child_nodelists:
            children = getattr(node, attr, None)
            if children:
                _trim_nodes(children)


class _TrimmedNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        return self.nodelist.render(context)


@register.tag
def trimlines(parser: template.base.Parser, token: template.base.Token) -> _TrimmedNode:
    """`{% trimlines %}…{% endtrimlines %}`: the block drawn without the blank lines and indentation of its template
    source (nor of the templates it includes): the same page in the browser, a much smaller one on the wire. Unlike
    `{% spaceless %}`, a blank between two tags stays (as one line break), so «<span>a</span> <span>b</span>» keeps
    its space; and unlike a filter on the output, the text of values drawn (a note kept line by line, a textarea's
    content) is untouched. Not for a template whose own text sits in a `<pre>` or a `<textarea>`."""
    nodelist = parser.parse(("endtrimlines",))
    parser.delete_first_token()
    _trim_nodes(nodelist)
    return _TrimmedNode(nodelist)
