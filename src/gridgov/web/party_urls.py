"""Workbench pages of party building (/work/party/…)."""

from django.urls import include, path

from gridgov.web import party, party_life, party_members, party_orgs, party_sinking

urlpatterns = [
    path("", party.home, name="party-home"),
    path("map/", include("gridgov.web.party_map_urls")),
    # organisations
    path("orgs/", party_orgs.orgs_list, name="party-orgs"),
    path("orgs/new/", party_orgs.org_new, name="party-org-new"),
    path("orgs/<int:pk>/", party_orgs.org_detail, name="party-org"),
    path("orgs/<int:pk>/children/", party_orgs.org_children, name="party-org-children"),
    path("orgs/<int:pk>/edit/", party_orgs.org_edit, name="party-org-edit"),
    path("orgs/<int:pk>/dissolve/", party_orgs.org_dissolve, name="party-org-dissolve"),
    path("orgs/<int:pk>/cases/", party_orgs.org_cases, name="party-org-cases"),
    path("orgs/<int:pk>/seats/", party_orgs.org_seat, name="party-org-seat"),
    path("orgs/<int:pk>/rate/", party_orgs.org_rate, name="party-org-rate"),
    path("orgs/<int:pk>/chief/", party_orgs.org_chief, name="party-org-chief"),
    path("seats/<int:pk>/end/", party_orgs.seat_end, name="party-seat-end"),
    # members
    path("members/", party_members.members_list, name="party-members"),
    path("members/new/", party_members.member_new, name="party-member-new"),
    path("members/<int:pk>/", party_members.member_detail, name="party-member"),
    path("members/<int:pk>/edit/", party_members.member_edit, name="party-member-edit"),
    path("members/<int:pk>/end/", party_members.member_end, name="party-member-end"),
    # grid chiefs
    path("chiefs/", party.chiefs, name="party-chiefs"),
    # 双报到
    path("sinking/", party_sinking.registrations_list, name="party-sinking"),
    path("sinking/new/", party_sinking.registration_new, name="party-registration-new"),
    path("sinking/<int:pk>/", party_sinking.registration_detail, name="party-registration"),
    path(
        "sinking/<int:pk>/assign/",
        party_sinking.registration_assign,
        name="party-registration-assign",
    ),
    path("sinking/<int:pk>/end/", party_sinking.registration_end, name="party-registration-end"),
    path(
        "sinking/<int:pk>/hours/",
        party_sinking.registration_hours,
        name="party-registration-hours",
    ),
    # needs
    path("needs/", party_sinking.needs_list, name="party-needs"),
    path("needs/new/", party_sinking.need_new, name="party-need-new"),
    path("needs/<int:pk>/", party_sinking.need_detail, name="party-need"),
    path("needs/<int:pk>/claim/", party_sinking.need_claim, name="party-need-claim"),
    path("needs/<int:pk>/cancel/", party_sinking.need_cancel, name="party-need-cancel"),
    path("claims/<int:pk>/<str:action>/", party_sinking.claim_action, name="party-claim-action"),
    # organisational life
    path("meetings/", party_life.meetings_list, name="party-meetings"),
    path("meetings/new/", party_life.meeting_new, name="party-meeting-new"),
    path("meetings/participation/", party_life.participation, name="party-participation"),
    path("meetings/<int:pk>/", party_life.meeting_detail, name="party-meeting"),
    path("meetings/<int:pk>/edit/", party_life.meeting_edit, name="party-meeting-edit"),
    path("meetings/<int:pk>/cancel/", party_life.meeting_cancel, name="party-meeting-cancel"),
    path(
        "meetings/<int:pk>/attendance/",
        party_life.meeting_attendance,
        name="party-meeting-attendance",
    ),
]
