"""Re-encrypting protected fields with the newest key, and recomputing lookup hashes after the
lookup key changes. Batches of rows, each batch in its own transaction, so a long run can be
interrupted and started again (a row already under the newest key is simply rotated again)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models, transaction

from gridgov.core import protection
from gridgov.registry.models import Organisation, Person

# model → (cipher field, hash field, hash kind)
PROTECTED: dict[type[models.Model], tuple[tuple[str, str, str], ...]] = {
    Person: (("id_cipher", "id_hash", "id"), ("phone_cipher", "phone_hash", "phone")),
    Organisation: (("phone_cipher", "phone_hash", "phone"),),
}


def rotate_all(
    *, rehash: bool = False, batch: int = 2000, log: Callable[[str], object] = print
) -> dict[str, int]:
    """Rotate every protected value to the newest field key; ``rehash`` also recomputes the
    lookup hashes with the current lookup key. Returns rows done per model."""
    done: dict[str, int] = {}
    for model, columns in PROTECTED.items():
        names = [name for cipher, hashed, _kind in columns for name in (cipher, hashed)]
        last = 0
        count = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", *names)[:batch]
                )
                if not rows:
                    break
                for row in rows:
                    for cipher, hashed, kind in columns:
                        token = getattr(row, cipher)
                        if not token:
                            continue
                        if rehash:
                            setattr(
                                row, hashed, protection.lookup_hash(protection.decrypt(token), kind)
                            )
                        setattr(row, cipher, protection.rotate(token))
                model._default_manager.bulk_update(rows, names, batch_size=batch)
            last = rows[-1].pk
            count += len(rows)
        done[model._meta.label] = count
        log(f"{model._meta.verbose_name}：{count} 条已用最新密钥重新加密")
    return done
