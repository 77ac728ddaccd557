"""The assessment pages (考核), mounted at ``/work/metrics/``."""

from django.urls import URLPattern, path, re_path

from gridgov.web import metrics

REGION = r"(?P<path>[0-9]{2,18})"

urlpatterns: list[URLPattern] = [
    path("", metrics.index, name="metrics"),
    path("department/<int:department_id>/", metrics.department_figures, name="metrics-department"),
    re_path(rf"^{REGION}/$", metrics.region_figures, name="metrics-region"),
    re_path(rf"^{REGION}/rankings/$", metrics.region_rankings, name="metrics-rankings"),
    re_path(rf"^{REGION}/subsidy/$", metrics.region_subsidy, name="metrics-subsidy"),
    re_path(rf"^{REGION}/report/$", metrics.region_report, name="metrics-report"),
]
