"""Workbench pages of the registers (/work/registry/…)."""

from django.urls import path, re_path

from gridgov.web import registry, registry_orgs, registry_people, registry_rooms

urlpatterns = [
    path("", registry.home, name="registry-home"),
    path("groups/", registry.groups, name="registry-groups"),
    # people
    path("people/", registry_people.people_list, name="registry-people"),
    path("people/export.xlsx", registry_people.people_export, name="registry-people-export"),
    path("people/new/", registry_people.person_new, name="registry-person-new"),
    path("people/<int:pk>/", registry_people.person_detail, name="registry-person"),
    path("people/<int:pk>/edit/", registry_people.person_edit, name="registry-person-edit"),
    path("people/<int:pk>/remove/", registry_people.person_remove, name="registry-person-remove"),
    path(
        "people/<int:pk>/reveal/<str:field>/",
        registry_people.person_reveal,
        name="registry-person-reveal",
    ),
    path("people/<int:pk>/tags/", registry_people.person_tag, name="registry-person-tag"),
    path(
        "people/<int:pk>/tags/remove/", registry_people.person_untag, name="registry-person-untag"
    ),
    path(
        "people/<int:pk>/contracts/",
        registry_people.person_contract,
        name="registry-person-contract",
    ),
    path("people/<int:pk>/visits/", registry_people.person_visit, name="registry-person-visit"),
    path("contracts/<int:pk>/end/", registry_people.contract_end, name="registry-contract-end"),
    # rooms
    path("rooms/", registry_rooms.rooms_list, name="registry-rooms"),
    path("rooms/new/", registry_rooms.room_new, name="registry-room-new"),
    path("rooms/<int:pk>/", registry_rooms.room_detail, name="registry-room"),
    path("rooms/<int:pk>/edit/", registry_rooms.room_edit, name="registry-room-edit"),
    path("rooms/<int:pk>/tenancies/", registry_rooms.room_tenancy, name="registry-room-tenancy"),
    path("rooms/<int:pk>/visits/", registry_rooms.room_visit, name="registry-room-visit"),
    path("tenancies/<int:pk>/end/", registry_rooms.tenancy_end, name="registry-tenancy-end"),
    # organisations
    path("orgs/", registry_orgs.orgs_list, name="registry-orgs"),
    path("orgs/new/", registry_orgs.org_new, name="registry-org-new"),
    path("orgs/<int:pk>/", registry_orgs.org_detail, name="registry-org"),
    path("orgs/<int:pk>/edit/", registry_orgs.org_edit, name="registry-org-edit"),
    path("orgs/<int:pk>/reveal/", registry_orgs.org_reveal, name="registry-org-reveal"),
    path("orgs/<int:pk>/visits/", registry_orgs.org_visit, name="registry-org-visit"),
    # imports
    path("import/<str:kind>/", registry.import_page, name="registry-import"),
    re_path(
        r"^import/(?P<kind>[a-z]+)/template\.(?P<fmt>xlsx|csv)$",
        registry.import_template,
        name="registry-import-template",
    ),
    path("import/reports/<int:pk>/", registry.import_report, name="registry-import-report"),
]
