"""网格通 (the grid worker's phone app), mounted at /m/."""

from django.urls import include, path

from gridgov.web import mobile, mobile_mediation, mobile_registry

urlpatterns = [
    path("", mobile.home, name="mobile-home"),
    path("report/", mobile.report, name="mobile-report"),
    path("tasks/", mobile.tasks, name="mobile-tasks"),
    path("cases/<str:number>/", mobile.case_detail, name="mobile-case"),
    path("cases/<str:number>/<str:action>/", mobile.case_act, name="mobile-act"),
    path("registry/", mobile_registry.home, name="mobile-registry"),
    path("registry/care/", mobile_registry.care, name="mobile-registry-care"),
    path("registry/places/<str:path>/", mobile_registry.building, name="mobile-registry-place"),
    path("registry/rooms/<int:pk>/", mobile_registry.room, name="mobile-registry-room"),
    path("registry/people/<int:pk>/", mobile_registry.person, name="mobile-registry-person"),
    path(
        "registry/people/<int:pk>/phone/",
        mobile_registry.reveal_phone,
        name="mobile-registry-phone",
    ),
    path("registry/people/<int:pk>/update/", mobile_registry.update, name="mobile-registry-update"),
    path("registry/people/<int:pk>/visit/", mobile_registry.visit, name="mobile-registry-visit"),
    path("ops/", include("gridgov.web.mobile_ops_urls")),
    path("screening/", mobile_mediation.screening, name="mobile-screening"),
    path(
        "screening/<int:pk>/<str:path>/",
        mobile_mediation.report,
        name="mobile-screening-report",
    ),
    path("grid.geojson", mobile.grid_geojson, name="mobile-grid-geojson"),
    path("manifest.webmanifest", mobile.manifest, name="mobile-manifest"),
    path("sw.js", mobile.service_worker, name="mobile-sw"),
]
