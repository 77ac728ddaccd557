"""Reporters' phones are encrypted at rest like the registers' (ciphertext, masked form and
keyed hash); the clear column is filled into them, then dropped."""

from typing import Any

from django.db import migrations, models


def protect(apps: Any, schema_editor: Any) -> None:
    from gridgov.core.privacy import mask_phone
    from gridgov.core.protection import encrypt, lookup_hash

    reporter = apps.get_model("cases", "CaseReporter")
    batch = []
    for row in reporter.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=2000):
        row.phone_cipher = encrypt(row.phone)
        row.phone_masked = mask_phone(row.phone)
        row.phone_hash = lookup_hash(row.phone.replace("-", ""), "phone")
        batch.append(row)
        if len(batch) >= 2000:
            reporter.objects.bulk_update(batch, ["phone_cipher", "phone_masked", "phone_hash"])
            batch = []
    reporter.objects.bulk_update(batch, ["phone_cipher", "phone_masked", "phone_hash"])


def unprotect(apps: Any, schema_editor: Any) -> None:
    from gridgov.core.protection import decrypt

    reporter = apps.get_model("cases", "CaseReporter")
    for row in reporter.objects.exclude(phone_cipher="").iterator(chunk_size=2000):
        row.phone = decrypt(row.phone_cipher)[:20]
        row.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_figure_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="casereporter",
            name="phone_cipher",
            field=models.TextField(blank=True, editable=False, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name="casereporter",
            name="phone_hash",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                max_length=64,
                verbose_name="联系电话索引",
            ),
        ),
        migrations.AddField(
            model_name="casereporter",
            name="phone_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=16, verbose_name="联系电话"
            ),
        ),
        migrations.RunPython(protect, unprotect),
        migrations.RemoveField(
            model_name="casereporter",
            name="phone",
        ),
    ]
