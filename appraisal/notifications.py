"""Notifications: one row per recipient (kept), e-mailed by a worker task after commit, and the deadline
reminders that beat sends. E-mail goes through Django's backend (console unless configured).

Explanation rounds: a request, a deadline change (as a reminder), a withdrawal by the team and the end of an overdue
round by the lead go to the unit's people, a resubmission to the team. A signed-off assessment reopened goes to the
team assigned to the unit (to appraise it again) and to the unit's head (its result no longer counts until it is
signed off again).

Extension requests: a new one goes to the administrators, a decision to the unit's people; a withdrawal to nobody.
The removal of a unit's own self-assessment deadline goes to the unit's people, as a decision.

A draft handed over to the appraisal team by the administrators once its deadline passed goes to the unit's people
(what it means for them) and, one e-mail listing the units, to the team: the leads and the members assigned to them.

An appraisal of a leaf replaced by another member of the team goes to the person whose value was replaced.

Every notification is written in the site's language (Vietnamese, `settings.LANGUAGE_CODE`), whatever the language of
the request that causes it: official mail to a Vietnamese unit, and an account has no language of its own (the
interface's language is a cookie of the browser, `cchc.middleware.ChosenLanguageMiddleware`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appraisal.models import AppraisalAssignment, Notification
from cchc.collation import sort_key
from scoring.models import Assessment, ExtensionRequest, Indicator, RoleAssignment
from scoring.permissions import self_assessment_deadline, self_assessment_deadline_expression

logger = logging.getLogger(__name__)

UNIT_ROLES = (RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD)


def unit_people(unit_id: int) -> list[Any]:
    """The unit's editors and head (active accounts)."""
    return list(
        get_user_model().objects.filter(
            roles__unit_id=unit_id, roles__role__in=UNIT_ROLES, is_active=True
        ).distinct().order_by("pk")
    )


def unit_heads(unit_id: int) -> list[Any]:
    """The unit's heads (active accounts)."""
    return list(
        get_user_model().objects.filter(
            roles__unit_id=unit_id, roles__role=RoleAssignment.Role.UNIT_HEAD, is_active=True
        ).distinct().order_by("pk")
    )


def administrators() -> list[Any]:
    """The people with the administrator role (active accounts)."""
    return list(
        get_user_model().objects.filter(roles__role=RoleAssignment.Role.ADMINISTRATOR, is_active=True)
        .distinct().order_by("pk")
    )


def team_for(assessment: Assessment, leaf_ids: Iterable[int] | None = None) -> list[Any]:
    """The lead(s) and the members assigned to the assessment's unit, never people of that unit.

    `leaf_ids` (indicator ids): only the members whose assigned areas or criteria hold one of those leaves (what
    they appraise), the leads all the same. Two queries more."""
    users = get_user_model().objects.filter(is_active=True)
    leads = users.filter(
        Q(roles__role=RoleAssignment.Role.APPRAISAL_LEAD)
        | Q(appraisal_assignments__cycle_id=assessment.cycle_id, appraisal_assignments__is_lead=True)
    )
    assigned = AppraisalAssignment.objects.filter(cycle_id=assessment.cycle_id).filter(
        Q(units__isnull=True) | Q(units=assessment.unit_id)
    ).filter(areas__indicator_set_id=assessment.indicator_set_id)
    if leaf_ids is not None:
        assigned = AppraisalAssignment.objects.filter(pk__in=_holding(assessment, assigned, set(leaf_ids)))
    members = users.filter(pk__in=assigned.values("user_id"))
    own = RoleAssignment.objects.filter(unit_id=assessment.unit_id).values("user_id")
    return list((leads | members).exclude(pk__in=own).distinct().order_by("pk"))


def teams_for(assessments: list[Assessment]) -> dict[int, list[Any]]:
    """`team_for` of each of `assessments` (of one cycle), by assessment id, in five queries whatever their number:
    the leads and the members assigned to the unit (or to all units) on its set, never people of that unit."""
    if not assessments:
        return {}
    cycle_id = assessments[0].cycle_id
    users = get_user_model().objects.filter(is_active=True)
    leads = list(users.filter(
        Q(roles__role=RoleAssignment.Role.APPRAISAL_LEAD)
        | Q(appraisal_assignments__cycle_id=cycle_id, appraisal_assignments__is_lead=True)
    ).distinct())
    assignments = dict(AppraisalAssignment.objects.filter(cycle_id=cycle_id, user__is_active=True)
                       .values_list("pk", "user_id"))
    units: dict[int, set[int]] = {}
    for assignment_id, unit_id in AppraisalAssignment.units.through.objects.filter(
        appraisalassignment_id__in=assignments
    ).values_list("appraisalassignment_id", "unit_id"):
        units.setdefault(assignment_id, set()).add(unit_id)
    sets: dict[int, set[int]] = {}
    for assignment_id, set_id in AppraisalAssignment.areas.through.objects.filter(
        appraisalassignment_id__in=assignments
    ).values_list("appraisalassignment_id", "indicator__indicator_set_id"):
        sets.setdefault(assignment_id, set()).add(set_id)
    members = {user.pk: user for user in users.filter(pk__in=set(assignments.values()))}
    own: dict[int, set[int]] = {}
    for unit_id, user_id in RoleAssignment.objects.filter(
        unit_id__in={a.unit_id for a in assessments}
    ).values_list("unit_id", "user_id"):
        own.setdefault(unit_id, set()).add(user_id)
    found: dict[int, list[Any]] = {}
    for assessment in assessments:
        team = {user.pk: user for user in leads}
        for assignment_id, user_id in assignments.items():
            covers = assignment_id not in units or assessment.unit_id in units[assignment_id]
            if covers and assessment.indicator_set_id in sets.get(assignment_id, ()) and user_id in members:
                team[user_id] = members[user_id]
        found[assessment.pk] = sorted((user for pk, user in team.items() if pk not in own.get(assessment.unit_id, ())),
                                      key=lambda user: user.pk)
    return found


def _holding(assessment: Assessment, assigned: Any, leaf_ids: set[int]) -> list[int]:
    """The assignments among `assigned` whose nodes (an area, or criteria) hold one of the leaves."""
    from appraisal.permissions import may_appraise_node

    parent_of = dict(Indicator.objects.filter(indicator_set_id=assessment.indicator_set_id)
                     .values_list("pk", "parent_id"))
    nodes: dict[int, set[int]] = {}
    for assignment_id, node_id in AppraisalAssignment.areas.through.objects.filter(
        appraisalassignment_id__in=assigned.values("pk"), indicator__indicator_set_id=assessment.indicator_set_id,
    ).values_list("appraisalassignment_id", "indicator_id"):
        nodes.setdefault(assignment_id, set()).add(node_id)
    return [pk for pk, allowed in nodes.items()
            if any(may_appraise_node(allowed, leaf, parent_of) for leaf in leaf_ids)]


def _site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/")


def _notification_text(kind: str, assessment: Assessment | None, context: Mapping[str, Any]) -> tuple[str, str]:
    links = {}
    if assessment is not None:
        links = {
            "explain_url": _site_url() + reverse("appraisal:explain", args=[assessment.pk]),
            "review_url": _site_url() + reverse("appraisal:review", args=[assessment.pk]),
            "result_url": _site_url() + reverse("appraisal:result", args=[assessment.pk]),
            "sheet_url": _site_url() + reverse("scoring:assessment", args=[assessment.pk]),  # the unit's sheet
        }
    ctx = {"assessment": assessment, "site_url": _site_url() + "/", **links, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", ctx).split())
        body = render_to_string(f"emails/{kind}.txt", ctx)
    return subject[:255], body


def notify(
    *, kind: str, assessment: Assessment | None, recipients: Iterable[Any], context: Mapping[str, Any],
    dedupe_key: str = "",
) -> list[Notification]:
    """Record one notification per recipient and send the e-mails after commit (a worker task)."""
    recipients = list(recipients)
    if not recipients:
        return []
    subject, body = _notification_text(kind, assessment, context)
    created: list[Notification] = []
    for user in recipients:
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(Notification.objects.create(
                    recipient=user, assessment=assessment, kind=kind, subject=subject, body=body,
                    dedupe_key=dedupe_key,
                ))
        except IntegrityError:  # the same reminder recorded at the same moment by another run
            continue
    ids = [n.pk for n in created]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))
    return created


def _enqueue_emails(ids: list[int]) -> None:
    from celery import current_app
    from kombu.exceptions import OperationalError as BrokerError

    from appraisal.tasks import send_notification_task

    for notification_id in ids:
        if current_app.conf.task_always_eager:
            send_notification_task.delay(notification_id)
            continue
        try:
            send_notification_task.delay(notification_id)
        except (BrokerError, OSError):
            logger.warning("could not enqueue e-mail %s", notification_id, exc_info=True,
                           extra={"notification_id": notification_id})


@transaction.atomic
def notification_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail once (a repeated delivery finds it sent). Returns True when sent now."""
    notification = (
        Notification.objects.select_for_update(of=("self",)).select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.sent_at is not None:
        return False
    address = (notification.recipient.email or "").strip()
    if not address:
        Notification.objects.filter(pk=notification.pk).update(error=_("Người nhận chưa có địa chỉ e-mail."))
        return False
    EmailMessage(subject=notification.subject, body=notification.body, to=[address]).send()
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), error="")
    return True


def deadline_reminders_send(*, now: datetime | None = None, within: timedelta = timedelta(days=2)) -> int:
    """E-mail the unit's people when an explanation or self-assessment deadline is near (once per deadline).

    Cost: two queries for the assessments concerned, then one small transaction per assessment reminded.
    """
    now = now or timezone.now()
    until = now + within
    count = 0
    explaining = Assessment.objects.filter(
        state=Assessment.State.EXPLANATION, explanation_deadline__gt=now, explanation_deadline__lte=until
    ).select_related("unit", "cycle")
    for assessment in explaining:
        with transaction.atomic():
            count += len(notify(
                kind=Notification.Kind.EXPLANATION_REMINDER, assessment=assessment,
                recipients=unit_people(assessment.unit_id),
                context={"deadline": assessment.explanation_deadline},
                dedupe_key=f"explanation-reminder:{assessment.pk}:{assessment.appraisal_round}",
            ))
    drafts = (
        Assessment.objects.filter(state=Assessment.State.DRAFT)
        .annotate(applicable_deadline=self_assessment_deadline_expression())
        .filter(applicable_deadline__gt=now, applicable_deadline__lte=until)
        .select_related("unit", "cycle")
    )
    for assessment in drafts:
        deadline = self_assessment_deadline(assessment)  # the later of the unit's own and the cycle's
        if deadline is None:
            continue
        with transaction.atomic():
            count += len(notify(
                kind=Notification.Kind.SELF_ASSESSMENT_REMINDER, assessment=assessment,
                recipients=unit_people(assessment.unit_id), context={"deadline": deadline},
                dedupe_key=f"self-reminder:{assessment.pk}:{deadline.isoformat()}",
            ))
    return count


def extension_request_notify_created(*, extension_request: ExtensionRequest) -> list[Notification]:
    """Tell the administrators of a new extension request, with a link to the cycle's requests (e-mailed after
    commit; a rolled-back request records and sends nothing)."""
    assessment = extension_request.assessment
    return notify(
        kind=Notification.Kind.EXTENSION_REQUESTED, assessment=assessment, recipients=administrators(),
        context={
            "extension_request": extension_request,
            "requests_url": _site_url() + reverse("administration:extension_requests", args=[assessment.cycle_id]),
        },
        dedupe_key=f"extension-requested:{extension_request.pk}",
    )


def extension_request_notify_decided(*, extension_request: ExtensionRequest) -> list[Notification]:
    """Tell the unit's head and editors that its extension request was granted (with the new deadline) or refused
    (with the reason), with a link to the unit's request page (e-mailed after commit)."""
    kind = {
        ExtensionRequest.Status.GRANTED: Notification.Kind.EXTENSION_GRANTED,
        ExtensionRequest.Status.REFUSED: Notification.Kind.EXTENSION_REFUSED,
    }[ExtensionRequest.Status(extension_request.status)]
    assessment = extension_request.assessment
    return notify(
        kind=kind, assessment=assessment, recipients=unit_people(assessment.unit_id),
        context={
            "extension_request": extension_request,
            "request_url": _site_url() + reverse("scoring:extension_request", args=[assessment.pk]),
        },
        dedupe_key=f"extension-decided:{extension_request.pk}",
    )


def assessment_notify_deadline_removed(
    *, assessment: Assessment, removed_deadline: datetime, reason: str, dedupe_key: str = ""
) -> list[Notification]:
    """Tell the unit's head and editors (as an extension decision) that the administrators removed the unit's own
    self-assessment deadline: the cycle's applies again (shown with its date), with the reason given and a link to
    the unit's assessment sheet (e-mailed after commit; a rolled-back removal records and sends nothing)."""
    return notify(
        kind=Notification.Kind.DEADLINE_REMOVED, assessment=assessment, recipients=unit_people(assessment.unit_id),
        context={
            "removed_deadline": removed_deadline,
            "cycle_deadline": assessment.cycle.self_assessment_deadline,
            "reason": reason,
            "sheet_url": _site_url() + reverse("scoring:assessment", args=[assessment.pk]),
        },
        dedupe_key=dedupe_key,
    )


def appraisal_notify_overwritten(
    *, line: Any, previous_by: Any, previous_score: Any, previous_note: str, actor: Any
) -> list[Notification]:
    """Tell the team member whose appraisal of `line` `actor` has just replaced: the leaf, both values and reasons
    (the replaced one stays in the leaf's «Quá trình chấm điểm»)."""
    assessment = line.assessment
    return notify(
        kind=Notification.Kind.APPRAISAL_OVERWRITTEN, assessment=assessment, recipients=[previous_by],
        context={"line": line, "code": line.indicator.code, "actor": actor, "previous_score": previous_score,
                 "previous_note": previous_note, "score": line.appraised_score, "note": line.appraised_note},
    )


def assessments_notify_handed_over(
    *, assessments: list[Assessment], reason: str, handed_at: datetime
) -> list[Notification]:
    """Tell each unit whose draft the administrators handed over to the appraisal team (`assessments`, of one cycle,
    as they stand at `handed_at`) what it means: its head and editors, one e-mail each, with the reason and a link to
    its sheet. Tell the team in one e-mail per person listing the units handed over that concern them (the leads all
    of them, a member those assigned to them), with links to review them. Recorded now, e-mailed after commit: a
    refused or rolled-back hand-over tells nobody."""
    if not assessments:
        return []
    created: list[Notification] = []
    for assessment in assessments:
        created += notify(
            kind=Notification.Kind.HANDED_OVER, assessment=assessment, recipients=unit_people(assessment.unit_id),
            context={"reason": reason, "handed_at": handed_at},
        )
    by_person: dict[int, list[Assessment]] = {}
    people: dict[int, Any] = {}
    teams = teams_for(assessments)
    for assessment in assessments:
        for user in teams[assessment.pk]:
            people[user.pk] = user
            by_person.setdefault(user.pk, []).append(assessment)
    groups: dict[tuple[int, ...], list[Any]] = {}
    for user_id, concerned in by_person.items():
        groups.setdefault(tuple(a.pk for a in concerned), []).append(people[user_id])
    cycle = assessments[0].cycle
    queue_url = _site_url() + reverse("appraisal:queue") + f"?ky={cycle.pk}"
    for recipients in groups.values():
        concerned = sorted(by_person[recipients[0].pk], key=lambda a: sort_key(a.unit.name))
        created += notify(
            kind=Notification.Kind.HANDED_OVER, assessment=concerned[0] if len(concerned) == 1 else None,
            recipients=sorted(recipients, key=lambda user: user.pk),
            context={
                "for_team": True, "cycle": cycle, "reason": reason, "handed_at": handed_at, "queue_url": queue_url,
                "units": [(a.unit.name, _site_url() + reverse("appraisal:review", args=[a.pk])) for a in concerned],
            },
        )
    return created
