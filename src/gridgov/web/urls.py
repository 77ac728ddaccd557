from django.urls import include, path

from gridgov.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("work/metrics/", include("gridgov.web.metrics_urls")),
    path("work/registry/", include("gridgov.web.registry_urls")),
    path("work/party/", include("gridgov.web.party_urls")),
    path("work/ops/", include("gridgov.web.ops_urls")),
    path("work/mediation/", include("gridgov.web.mediation_urls")),
    path("work/", include("gridgov.web.workbench_urls")),
    path("screen/", include("gridgov.web.screen_urls")),
    path("m/", include("gridgov.web.mobile_urls")),
    path("r/", include("gridgov.web.resident_urls")),
    path("regions/", views.region_detail, name="region-detail"),
    path("regions/<str:path>/", views.region_detail, name="region-detail"),
    path(
        "regions/<str:path>/children.geojson",
        views.region_children_geojson,
        name="region-children-geojson",
    ),
]
