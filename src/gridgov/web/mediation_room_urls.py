"""Workbench pages at ``/work/mediation/`` (see ``mediation_urls``): the overview, the reception
window, the mediation room, the legal service room and the committees."""

from django.urls import URLPattern, path

from gridgov.web import (
    mediation_room,
    mediation_room_committees,
    mediation_room_disputes,
    mediation_room_legal,
)

urlpatterns: list[URLPattern] = [
    path("", mediation_room.overview, name="mediation-home"),
    path("reception/", mediation_room.reception, name="mediation-reception"),
    # mediation room
    path("disputes/", mediation_room_disputes.disputes_list, name="mediation-disputes"),
    path("disputes/<int:pk>/", mediation_room_disputes.dispute_detail, name="mediation-dispute"),
    path(
        "disputes/<int:pk>/start/", mediation_room_disputes.mediation_start, name="mediation-start"
    ),
    path(
        "mediations/<int:pk>/sessions/",
        mediation_room_disputes.session_new,
        name="mediation-session",
    ),
    path(
        "mediations/<int:pk>/close/",
        mediation_room_disputes.mediation_close,
        name="mediation-close",
    ),
    path(
        "mediations/<int:pk>/follow-ups/",
        mediation_room_disputes.follow_up_new,
        name="mediation-follow-up",
    ),
    path(
        "agreements/<int:pk>/confirmation/",
        mediation_room_disputes.confirmation_apply,
        name="mediation-confirm",
    ),
    path(
        "agreements/<int:pk>/agreement.pdf",
        mediation_room_disputes.agreement_pdf,
        name="mediation-agreement-pdf",
    ),
    path(
        "confirmations/<int:pk>/decide/",
        mediation_room_disputes.confirmation_decide,
        name="mediation-decide",
    ),
    # legal service room
    path("legal/", mediation_room_legal.consultations_list, name="mediation-consultations"),
    path(
        "legal/<int:pk>/",
        mediation_room_legal.consultation_detail,
        name="mediation-consultation",
    ),
    path("legal/rota/", mediation_room_legal.rota, name="mediation-rota"),
    path(
        "legal/rota/<int:pk>/remove/",
        mediation_room_legal.duty_remove,
        name="mediation-duty-remove",
    ),
    path("rota/mediators/", mediation_room_legal.mediator_rota, name="mediation-mediator-rota"),
    path(
        "rota/mediators/<int:pk>/remove/",
        mediation_room_legal.mediator_duty_remove,
        name="mediation-mediator-duty-remove",
    ),
    path("legal/lawyers/", mediation_room_legal.lawyers, name="mediation-lawyers"),
    # committees and mediators
    path("committees/", mediation_room_committees.committees, name="mediation-committees"),
    path(
        "committees/<int:pk>/",
        mediation_room_committees.committee_detail,
        name="mediation-committee",
    ),
    path(
        "mediators/<int:pk>/", mediation_room_committees.mediator_detail, name="mediation-mediator"
    ),
]
