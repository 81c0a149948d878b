"""The unit's «Đồng ý với kết quả thẩm định» becomes a fact of its round (`ExplanationRound.agreed_lines`) instead of a
fixed sentence stored as the leaf's explanation; the team's questions per leaf are stored with the round.

The data step finds the sentences the agreement used to write («Đơn vị đồng ý với kết quả thẩm định vòng N.», with
« (xác nhận lại)» when given again) and, round by round: records the agreement in the round where it was the leaf's
answer (written during that round, not the text the round started from); puts back, wherever the sentence stood (the
leaf, its recorded explanation of a round, a later round's start texts), the text it replaced, the leaf's text when
the round of the agreement began. Going back writes the sentences again where an agreement was the answer."""

import re

from django.db import migrations, models

_SENTENCE = re.compile(r"Đơn vị đồng ý với kết quả thẩm định vòng \d+(?: \(xác nhận lại\))?\.")
_SAID = "Đơn vị đồng ý với kết quả thẩm định vòng {round}."
_SAID_AGAIN = "Đơn vị đồng ý với kết quả thẩm định vòng {round} (xác nhận lại)."
_EXPLANATION = "explanation"


def _is_sentence(text):
    return _SENTENCE.fullmatch((text or "").strip()) is not None


def _written_in(text, key, at_start):
    """The text was the leaf's answer of the round whose start texts (as first recorded) are `at_start`."""
    return bool((text or "").strip()) and (key not in at_start or text.strip() != (at_start[key] or "").strip())


def agreements_to_facts(apps, schema_editor):
    ExplanationRound = apps.get_model("appraisal", "ExplanationRound")
    LineHistory = apps.get_model("appraisal", "LineHistory")
    ScoreLine = apps.get_model("scoring", "ScoreLine")
    Assessment = apps.get_model("scoring", "Assessment")
    assessment_ids = ExplanationRound.objects.order_by().values_list("assessment_id", flat=True).distinct()
    for assessment_id in list(assessment_ids):
        assessment = Assessment.objects.only("state", "appraisal_round").get(pk=assessment_id)
        rounds = list(ExplanationRound.objects.filter(assessment_id=assessment_id).order_by("round"))
        recorded = {}
        for entry in LineHistory.objects.filter(assessment_id=assessment_id, stage=_EXPLANATION):
            if _is_sentence(entry.explanation):
                recorded.setdefault(entry.round, []).append(entry)
        lines = {line.pk: line for line in ScoreLine.objects.filter(assessment_id=assessment_id)
                 .only("pk", "explanation", "explanation_requested")}
        known = {}  # line id (text) → the leaf's last text that is no agreement
        changed_entries = []
        for explanation_round in rounds:
            first = dict(explanation_round.explanations_at_start or {})
            start = {}
            for key, text in first.items():
                if _is_sentence(text):
                    start[key] = known.get(key, "")
                else:
                    start[key] = text
                    known[key] = text
            agreed = []
            for entry in recorded.get(explanation_round.round, []):
                key = str(entry.line_id)
                if _written_in(entry.explanation, key, first):
                    agreed.append(entry.line_id)
                entry.explanation = start.get(key, known.get(key, ""))
                changed_entries.append(entry)
            is_open = (assessment.state == "explanation" and explanation_round.round == assessment.appraisal_round)
            if is_open:
                for line in lines.values():
                    key = str(line.pk)
                    if (line.explanation_requested and _is_sentence(line.explanation)
                            and _written_in(line.explanation, key, first) and line.pk not in agreed):
                        agreed.append(line.pk)
            explanation_round.explanations_at_start = start
            explanation_round.agreed_lines = agreed
            explanation_round.save(update_fields=["explanations_at_start", "agreed_lines"])
        LineHistory.objects.bulk_update(changed_entries, ["explanation"], batch_size=500)
        # A bulk update leaves `updated_at` as it is: the queue compares it with the end of the last round.
        restored = []
        for line in lines.values():
            if _is_sentence(line.explanation):
                line.explanation = known.get(str(line.pk), "")
                restored.append(line)
        ScoreLine.objects.bulk_update(restored, ["explanation"], batch_size=500)


def facts_to_agreements(apps, schema_editor):
    ExplanationRound = apps.get_model("appraisal", "ExplanationRound")
    LineHistory = apps.get_model("appraisal", "LineHistory")
    ScoreLine = apps.get_model("scoring", "ScoreLine")
    Assessment = apps.get_model("scoring", "Assessment")
    for explanation_round in ExplanationRound.objects.order_by("assessment_id", "round"):
        agreed = list(explanation_round.agreed_lines or [])
        if not agreed:
            continue
        withdrawn = ExplanationRound.objects.filter(
            assessment_id=explanation_round.assessment_id, round__lt=explanation_round.round,
            resubmitted_at__isnull=True, closed_at__isnull=False, closed_at__lte=models.F("deadline"),
        ).count()
        shown = explanation_round.round - withdrawn
        start = explanation_round.explanations_at_start or {}

        def said(line_id, shown=shown, start=start):
            text = _SAID.format(round=shown)
            return _SAID_AGAIN.format(round=shown) if text == (start.get(str(line_id)) or "").strip() else text

        entries = list(LineHistory.objects.filter(assessment_id=explanation_round.assessment_id,
                                                  round=explanation_round.round, stage=_EXPLANATION,
                                                  line_id__in=agreed))
        for entry in entries:
            entry.explanation = said(entry.line_id)
        LineHistory.objects.bulk_update(entries, ["explanation"], batch_size=500)
        assessment = Assessment.objects.only("state", "appraisal_round").get(pk=explanation_round.assessment_id)
        if assessment.state == "explanation" and assessment.appraisal_round == explanation_round.round:
            lines = list(ScoreLine.objects.filter(pk__in=agreed).only("pk", "explanation"))
            for line in lines:
                line.explanation = said(line.pk)
            ScoreLine.objects.bulk_update(lines, ["explanation"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('appraisal', '0007_explanation_seen'),
    ]

    operations = [
        migrations.AddField(
            model_name='explanationround',
            name='agreed_lines',
            field=models.JSONField(blank=True, default=list, verbose_name='tiêu chí đơn vị đồng ý với kết quả thẩm định'),
        ),
        migrations.AddField(
            model_name='explanationround',
            name='questions',
            field=models.JSONField(blank=True, default=dict, verbose_name='câu hỏi cho từng tiêu chí'),
        ),
        migrations.RunPython(agreements_to_facts, facts_to_agreements),
    ]
