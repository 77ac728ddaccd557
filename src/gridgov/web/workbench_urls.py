from django.urls import path, re_path

from gridgov.web import workbench

urlpatterns = [
    path("", workbench.home, name="work-home"),
    path("cases/", workbench.case_list, name="work-cases"),
    re_path(r"^cases/export\.(?P<fmt>csv|xlsx)$", workbench.case_export, name="work-cases-export"),
    path("dispatch/", workbench.bulk_dispatch, name="work-bulk-dispatch"),
    path("cases/<str:number>/", workbench.case_detail, name="work-case"),
    path(
        "cases/<str:number>/reporter-phone/",
        workbench.reporter_phone,
        name="work-case-reporter-phone",
    ),
    path("cases/<str:number>/<str:action>/", workbench.case_action, name="work-case-action"),
]
