"""The database itself refuses changes to audit entries (append-only).

PostgreSQL refuses UPDATE and DELETE. SQLite (the embedded default) refuses UPDATE only: Django's test
flush empties SQLite tables with DELETE, which a DELETE trigger would block.
"""

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
SQLITE_FORWARD = """
CREATE TRIGGER scoring_auditentry_no_update BEFORE UPDATE ON scoring_auditentry
BEGIN SELECT RAISE(ABORT, 'scoring_auditentry is append-only (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS scoring_auditentry_no_update;"
BACKWARD = """
DROP TRIGGER IF EXISTS scoring_auditentry_no_update_delete ON scoring_auditentry;
DROP FUNCTION IF EXISTS scoring_auditentry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
