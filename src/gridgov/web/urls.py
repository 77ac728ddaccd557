from django.urls import path

from gridgov.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/", views.region_detail, name="region-detail"),
    path("regions/<str:path>/", views.region_detail, name="region-detail"),
    path(
        "regions/<str:path>/children.geojson",
        views.region_children_geojson,
        name="region-children-geojson",
    ),
]
