from django.urls import path

from gridgov.web import workbench

urlpatterns = [
    path("", workbench.home, name="work-home"),
    path("cases/", workbench.case_list, name="work-cases"),
    path("dispatch/", workbench.bulk_dispatch, name="work-bulk-dispatch"),
    path("cases/<str:number>/", workbench.case_detail, name="work-case"),
    path("cases/<str:number>/<str:action>/", workbench.case_action, name="work-case-action"),
]
