"""网格通 · 考勤巡查, mounted at ``/m/ops/`` (see ``web.mobile_ops``)."""

from django.urls import URLPattern, path

from gridgov.web import mobile_ops

urlpatterns: list[URLPattern] = [
    path("", mobile_ops.today, name="mobile-ops"),
    path("patrol/", mobile_ops.patrol, name="mobile-ops-patrol"),
    path("month/", mobile_ops.month, name="mobile-ops-month"),
]
