"""Workbench pages of disputes, legal service and petitions (矛盾纠纷调解、法律服务、信访),
mounted at ``/work/mediation/``: the reception, mediation and legal service rooms
(``mediation_room_urls``), and petition reception and screening (``mediation_petition_urls``)."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("gridgov.web.mediation_room_urls")),
    path("", include("gridgov.web.mediation_petition_urls")),
]
