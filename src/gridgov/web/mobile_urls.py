"""网格通 (the grid worker's phone app), mounted at /m/."""

from django.urls import path

from gridgov.web import mobile

urlpatterns = [
    path("", mobile.home, name="mobile-home"),
    path("report/", mobile.report, name="mobile-report"),
    path("tasks/", mobile.tasks, name="mobile-tasks"),
    path("cases/<str:number>/", mobile.case_detail, name="mobile-case"),
    path("cases/<str:number>/<str:action>/", mobile.case_act, name="mobile-act"),
    path("grid.geojson", mobile.grid_geojson, name="mobile-grid-geojson"),
    path("manifest.webmanifest", mobile.manifest, name="mobile-manifest"),
    path("sw.js", mobile.service_worker, name="mobile-sw"),
]
