"""Encryption at rest, key rotation, lookup hashes and log redaction."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gridgov.core import protection
from gridgov.registry.models import Person
from gridgov.registry.selectors import PersonFilter
from gridgov.registry.selectors import people as people_list
from gridgov.registry.tests.fixtures import person_values

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_ciphertext_is_random_and_round_trips():
    with override_settings(GRIDGOV_FIELD_KEYS=[OLD]):
        first, second = protection.encrypt("13904321234"), protection.encrypt("13904321234")
        assert first != second and "13904321234" not in first
        assert protection.decrypt(first) == "13904321234"
        assert protection.encrypt("") == "" and protection.decrypt("") == ""


def test_lookup_hash_is_keyed():
    with override_settings(GRIDGOV_LOOKUP_KEY="a"):
        one = protection.lookup_hash("13904321234", "phone")
    with override_settings(GRIDGOV_LOOKUP_KEY="b"):
        two = protection.lookup_hash("13904321234", "phone")
    assert one != two and len(one) == 64
    assert protection.lookup_hash("13904321234", "id") != protection.lookup_hash(
        "13904321234", "phone"
    )


def test_a_dropped_key_is_a_clear_error():
    with override_settings(GRIDGOV_FIELD_KEYS=[OLD]):
        token = protection.encrypt("x")
    with override_settings(GRIDGOV_FIELD_KEYS=[NEW]), pytest.raises(ImproperlyConfigured):
        protection.decrypt(token)
    with override_settings(GRIDGOV_FIELD_KEYS=["not-a-key"]), pytest.raises(ImproperlyConfigured):
        protection.encrypt("x")


@pytest.mark.django_db
def test_rotation_and_rehash(people):
    from gridgov.registry.services import create_person, reveal

    with override_settings(GRIDGOV_FIELD_KEYS=[OLD]):
        person = create_person(actor=people.grid_worker, values=person_values())
        number = reveal(actor=people.grid_worker, obj=person, field="id_number", reason="测试")
    with override_settings(GRIDGOV_FIELD_KEYS=[NEW, OLD], GRIDGOV_LOOKUP_KEY="new-lookup"):
        call_command("rotate_field_keys", "--rehash", stdout=open("/dev/null", "w"))  # noqa: SIM115
        person.refresh_from_db()
    # Only the new key is needed now, and the new lookup key finds the person.
    with override_settings(GRIDGOV_FIELD_KEYS=[NEW], GRIDGOV_LOOKUP_KEY="new-lookup"):
        assert protection.decrypt(person.id_cipher) == number
        assert protection.decrypt(person.phone_cipher) == "13904321234"
        found = people_list(people.grid_worker, PersonFilter(q=number))
        assert list(found) == [person]
        assert list(people_list(people.grid_worker, PersonFilter(q="13904321234"))) == [person]


@pytest.mark.django_db
def test_nothing_clear_in_the_table(people):
    from gridgov.registry.services import create_person

    values = person_values()
    create_person(actor=people.grid_worker, values=values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table}")  # noqa: S608
        dumped = repr(cursor.fetchall())
    assert values["id_number"] not in dumped
    assert values["phone"] not in dumped
    assert values["id_number"][-4:] in dumped  # the masked form is there


def test_log_lines_are_redacted(caplog):
    from gridgov.core.privacy import RedactingFilter

    logger = logging.getLogger("gridgov.test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="gridgov.test.redact"):
        logger.info("查询 %s 电话 %s", "22028319800517003X", "13904321234")
    assert caplog.messages == ["查询 220283********003X 电话 139****1234"]


def test_settings_install_the_filter():
    from django.conf import settings

    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]


@pytest.mark.django_db
def test_search_links_carry_a_hash_not_the_number(people):
    from gridgov.registry.services import create_person

    values = person_values()
    person = create_person(actor=people.grid_worker, values=values)
    for q in (values["id_number"], values["id_number"].lower(), "139 0432 1234"):
        flt = PersonFilter(q=q)
        params = flt.as_params()
        assert "q" not in params and len(params["qh"]) == 64
        assert list(people_list(people.grid_worker, PersonFilter.from_params(params))) == [person]
        assert list(people_list(people.grid_worker, flt)) == [person]
    assert PersonFilter(q="王建").as_params() == {"q": "王建"}
    assert list(people_list(people.grid_worker, PersonFilter(q=values["id_number"][-4:]))) == [
        person
    ]
