"""PostgreSQL: leave 30 % of each ops_patrol page free. An open patrol's row is rewritten every
time its points arrive (distance, counts, last position; none of them indexed), so with room on
the page PostgreSQL updates it in place (HOT) and touches none of the table's indexes:
bench/ops_ingest.py measured a tick of 25,884 patrols at 2.84 s with the default fillfactor of
100 and 1.65 s with 70. Other databases: nothing to do."""

from django.db import migrations


def _alter(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [
        migrations.RunPython(
            _alter("ALTER TABLE ops_patrol SET (fillfactor = 70)"),
            _alter("ALTER TABLE ops_patrol RESET (fillfactor)"),
            elidable=False,
        )
    ]
