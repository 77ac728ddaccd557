from django.contrib import admin
from django.urls import include, path

from gridgov.api import api
from gridgov.cases.media import serve_photo

admin.site.site_header = "gridgov 网格化服务管理平台"
admin.site.site_title = "gridgov 后台"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("gridgov.open311.urls")),
    path("photos/<str:token>/", serve_photo, name="case-photo"),
    path("", include("gridgov.accounts.urls")),
    path("", include("gridgov.web.urls")),
]
