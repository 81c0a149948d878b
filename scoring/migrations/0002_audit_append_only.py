"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit entries (append-only)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION scoring_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'scoring_auditentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER scoring_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON scoring_auditentry
    FOR EACH ROW EXECUTE FUNCTION scoring_auditentry_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS scoring_auditentry_no_update_delete ON scoring_auditentry;
DROP FUNCTION IF EXISTS scoring_auditentry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
