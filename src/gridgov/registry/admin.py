"""Back office for the registers: the tag catalogue is edited here; the registers themselves
are read-only (they change through the workbench services, which check and log every change),
show protected values masked only, and stay inside the user's jurisdiction."""

from __future__ import annotations

from django.contrib import admin

from gridgov.core.admin import ViewOnlyAdminMixin
from gridgov.registry.models import (
    CareContract,
    ImportJob,
    Organisation,
    Person,
    RegistryChange,
    RevealRecord,
    Room,
    Tag,
    TagGroup,
    Visit,
)


class TagInline(admin.TabularInline[Tag, TagGroup]):
    model = Tag
    extra = 0
    fields = ("code", "name", "visit_every_days", "order", "is_active")


@admin.register(TagGroup)
class TagGroupAdmin(admin.ModelAdmin[TagGroup]):
    list_display = ("code", "name", "kind", "sensitive", "order")
    list_editable = ("order",)
    inlines = [TagInline]


class ReadOnlyAdmin(ViewOnlyAdminMixin):
    """Look, never write: the registers change through the services."""


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin, admin.ModelAdmin[Person]):
    list_display = ("name", "id_masked", "gender", "birth_date", "phone_masked", "kind", "state")
    list_filter = ("kind", "residence_status", "state", "is_party_member")
    search_fields = ("name",)
    exclude = ("id_cipher", "id_hash", "phone_cipher", "phone_hash")
    readonly_fields = ("id_masked", "phone_masked", "region_path")
    list_select_related = ()


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin, admin.ModelAdmin[Room]):
    list_display = ("__str__", "building", "use", "occupancy", "area_m2")
    list_filter = ("use", "occupancy")
    list_select_related = ("building",)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin, admin.ModelAdmin[Organisation]):
    list_display = ("name", "credit_code", "kind", "phone_masked", "employees", "state")
    list_filter = ("kind", "state")
    search_fields = ("name", "credit_code")
    exclude = ("phone_cipher", "phone_hash")
    readonly_fields = ("phone_masked", "region_path")


@admin.register(CareContract)
class CareContractAdmin(ReadOnlyAdmin, admin.ModelAdmin[CareContract]):
    list_display = ("person", "carer", "visit_every_days", "starts_on", "state", "last_visit_at")
    list_filter = ("state",)
    list_select_related = ("person", "carer")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin, admin.ModelAdmin[Visit]):
    list_display = ("visited_at", "kind", "result", "visitor", "person")
    list_filter = ("kind", "result")
    date_hierarchy = "visited_at"
    list_select_related = ("visitor", "person")


@admin.register(RegistryChange)
class RegistryChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin[RegistryChange]):
    list_display = ("at", "actor", "model", "object_id", "action")
    list_filter = ("model", "action")
    date_hierarchy = "at"


@admin.register(RevealRecord)
class RevealRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin[RevealRecord]):
    list_display = ("at", "actor", "subject", "field", "reason", "ip")
    list_filter = ("field",)
    search_fields = ("subject", "actor__username", "reason")
    date_hierarchy = "at"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin, admin.ModelAdmin[ImportJob]):
    list_display = ("created_at", "created_by", "kind", "filename", "status", "rows", "imported")
    list_filter = ("kind", "status")
    exclude = ("report",)
    date_hierarchy = "created_at"
