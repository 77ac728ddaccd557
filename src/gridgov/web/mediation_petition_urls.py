"""Workbench pages at ``/work/mediation/`` (see ``mediation_urls``): petition reception
(``mediation_petitions``) and dispute screening (``mediation_screening``)."""

from django.urls import URLPattern, path

from gridgov.web import mediation_petitions as petitions
from gridgov.web import mediation_screening as screening

urlpatterns: list[URLPattern] = [
    path("petitions/", petitions.petitions_list, name="mediation-petitions"),
    path("petitions/new/", petitions.petition_new, name="mediation-petition-new"),
    path("petitions/centre/", petitions.petitions_centre, name="mediation-petition-centre"),
    path("petitions/<int:pk>/", petitions.petition_detail, name="mediation-petition"),
    path(
        "petitions/<int:pk>/reply.pdf",
        petitions.petition_reply_pdf,
        name="mediation-petition-reply-pdf",
    ),
    path(
        "petitions/<int:pk>/repeat-of/<int:earlier>/",
        petitions.petition_link,
        name="mediation-petition-link",
    ),
    path(
        "petitions/<int:pk>/<str:action>/",
        petitions.petition_action,
        name="mediation-petition-action",
    ),
    path("screening/", screening.campaigns_list, name="mediation-screening"),
    path("screening/new/", screening.campaign_new, name="mediation-screening-new"),
    path("screening/<int:pk>/", screening.campaign_detail, name="mediation-screening-campaign"),
    path(
        "screening/<int:pk>/grids.geojson",
        screening.campaign_map,
        name="mediation-screening-map",
    ),
    path(
        "screening/<int:pk>/report/",
        screening.campaign_report,
        name="mediation-screening-report",
    ),
]
