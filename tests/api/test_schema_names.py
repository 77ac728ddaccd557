"""django-ninja names each OpenAPI component after its class; two schema classes with one name
would silently share a component and one side's responses would then break their schema."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import gridgov


def _import_api_modules() -> None:
    for info in pkgutil.walk_packages(gridgov.__path__, "gridgov."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf in {"api", "schemas", "apischemas"} or leaf.endswith("_api"):
            importlib.import_module(info.name)


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def test_schema_class_names_are_unique_across_apps():
    import gridgov.api  # noqa: F401  (registers every router)

    _import_api_modules()
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _all_subclasses(Schema):
        if cls.__module__.startswith("gridgov.") and "[" not in cls.__name__:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}


def test_openapi_document_builds():
    from gridgov.api import api

    document = api.get_openapi_schema()
    assert "WorkerTodayOut" in document["components"]["schemas"]
    assert "MeOut" in document["components"]["schemas"]
