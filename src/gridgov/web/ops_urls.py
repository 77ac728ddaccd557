"""Workbench pages of field work (网格力量), mounted at ``/work/ops/``."""

from django.urls import URLPattern, path

from gridgov.web import ops, ops_field, ops_training, ops_workers

urlpatterns: list[URLPattern] = [
    path("", ops.overview, name="ops-home"),
    path("coverage/", ops.coverage, name="ops-coverage"),
    path("map/grids.geojson", ops.map_layer, name="ops-map-layer"),
    path("assessment/", ops.assessment, name="ops-assessment"),
    # roster
    path("workers/", ops_workers.workers_list, name="ops-workers"),
    path("workers/new/", ops_workers.worker_new, name="ops-worker-new"),
    path("workers/<int:pk>/", ops_workers.worker_detail, name="ops-worker"),
    path("workers/<int:pk>/edit/", ops_workers.worker_edit, name="ops-worker-edit"),
    path("workers/<int:pk>/assign/", ops_workers.worker_assign, name="ops-worker-assign"),
    path(
        "workers/<int:pk>/assignments/end/",
        ops_workers.assignment_end,
        name="ops-assignment-end",
    ),
    path("workers/<int:pk>/end/", ops_workers.worker_end, name="ops-worker-end"),
    # training, leave, duty
    path("training/", ops_training.training, name="ops-training"),
    path("training/courses/new/", ops_training.course_new, name="ops-course-new"),
    path("training/sessions/new/", ops_training.session_new, name="ops-session-new"),
    path("training/<int:pk>/", ops_training.session_detail, name="ops-session"),
    path("leave/", ops_training.leave_list, name="ops-leave"),
    path("leave/<int:pk>/<str:action>/", ops_training.leave_action, name="ops-leave-action"),
    path("duty/", ops_training.duty, name="ops-duty"),
    path("duty/<int:pk>/remove/", ops_training.duty_remove, name="ops-duty-remove"),
    # check-ins, patrols, plans
    path("checkins/", ops_field.checkins_list, name="ops-checkins"),
    path("checkins/map/", ops_field.checkins_map, name="ops-checkins-map"),
    path("patrols/", ops_field.patrols_list, name="ops-patrols"),
    path("patrols/<int:pk>/", ops_field.patrol_detail, name="ops-patrol"),
    path("patrols/<int:pk>/track.geojson", ops_field.patrol_track, name="ops-patrol-track"),
    path("plans/", ops_field.plans, name="ops-plans"),
    path("plans/<int:pk>/end/", ops_field.plan_end, name="ops-plan-end"),
]
