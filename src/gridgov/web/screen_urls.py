"""The big screen, mounted at ``/screen/``."""

from django.urls import URLPattern, path, re_path

from gridgov.web import screen

REGION = r"(?P<path>[0-9]{2,18})"

urlpatterns: list[URLPattern] = [
    path("", screen.index, name="screen"),
    path("case/<str:number>/", screen.case_panel, name="screen-case"),
    path("case/<str:number>/command/", screen.case_command, name="screen-case-command"),
    re_path(rf"^{REGION}/$", screen.region_screen, name="screen-region"),
    re_path(rf"^{REGION}/headline/$", screen.headline_partial, name="screen-headline"),
    re_path(rf"^{REGION}/feed/$", screen.feed_partial, name="screen-feed"),
    re_path(rf"^{REGION}/map\.json$", screen.map_json, name="screen-map"),
    re_path(rf"^{REGION}/points\.json$", screen.points_json, name="screen-points"),
    re_path(rf"^{REGION}/party\.json$", screen.party_json, name="screen-party"),
    re_path(rf"^{REGION}/workers\.json$", screen.workers_json, name="screen-workers"),
    re_path(rf"^{REGION}/duty/$", screen.duty_partial, name="screen-duty"),
]
