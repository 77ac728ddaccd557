"""The party map (党建地图), mounted at ``/work/party/map/``."""

from django.urls import URLPattern, path

from gridgov.web import party_map

urlpatterns: list[URLPattern] = [
    path("", party_map.map_page, name="party-map"),
    path("layer.geojson", party_map.layer_geojson, name="party-map-layer"),
]
