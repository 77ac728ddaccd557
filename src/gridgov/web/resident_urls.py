"""The resident portal, mounted at /r/."""

from django.urls import path

from gridgov.web import resident, resident_mediation, resident_party

urlpatterns = [
    path("", resident.home, name="resident-home"),
    path("report/", resident.report, name="resident-report"),
    path("report/done/", resident.report_done, name="resident-report-done"),
    path("track/", resident.track, name="resident-track"),
    path("cases/<str:number>/", resident.case_detail, name="resident-case"),
    path("cases/<str:number>/rate/", resident.rate, name="resident-rate"),
    path("login/", resident.login, name="resident-login"),
    path("logout/", resident.logout, name="resident-logout"),
    path("mine/", resident.mine, name="resident-mine"),
    path("party/", resident_party.home, name="resident-party"),
    path("party/meetings/<int:pk>/", resident_party.meeting_detail, name="resident-party-meeting"),
    path(
        "party/meetings/<int:pk>/sign-in/",
        resident_party.sign_in,
        name="resident-party-sign-in",
    ),
    path("legal/", resident_mediation.legal, name="resident-legal"),
    path("legal/mine/", resident_mediation.legal_mine, name="resident-legal-mine"),
    path("mediation/", resident_mediation.mediation, name="resident-mediation"),
    path("mediation/mine/", resident_mediation.mediation_mine, name="resident-mediation-mine"),
]
