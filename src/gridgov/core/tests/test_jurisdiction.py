from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import given
from hypothesis import strategies as st

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.roles import Role
from gridgov.accounts.services import end_post
from gridgov.core.jurisdiction import can, minimal_roots, restrict, scope_for
from gridgov.regions.models import Region
from gridgov.testing import region, staff

pytestmark = pytest.mark.django_db

GRID_A = "220283001001001"
GRID_B = "220283001001002"
VILLAGE = "220283001001"
TOWNSHIP = "220283001"
OTHER_TOWNSHIP = "220283100"


def test_grid_worker_of_grid_a_sees_nothing_of_grid_b():
    worker = staff(Role.GRID_WORKER, region=region(GRID_A))
    visible = set(restrict(Region.objects.all(), worker).values_list("path", flat=True))
    # Its grid and the buildings in it, nothing else.
    assert GRID_A in visible and len(visible) > 1
    assert all(path.startswith(GRID_A) for path in visible)
    assert not can(worker, region(GRID_B))
    assert not can(worker, region(VILLAGE))
    # Nor the people on duty in grid B, nor their posts.
    b_workers = User.objects.filter(posts__region__path=GRID_B)
    assert b_workers.exists()
    assert not restrict(b_workers, worker).exists()
    assert not restrict(Post.objects.filter(region__path=GRID_B), worker).exists()
    # It sees its own post and itself.
    assert restrict(Post.objects.filter(user=worker), worker).count() == 1
    assert restrict(User.objects.filter(pk=worker.pk), worker).exists()


def test_township_operator_sees_its_subtree_only():
    operator = staff(Role.TOWNSHIP_OPERATOR, region=region(TOWNSHIP))
    visible = restrict(Region.objects.all(), operator)
    paths = list(visible.values_list("path", flat=True))
    assert paths and all(p.startswith(TOWNSHIP) for p in paths)
    assert visible.count() == Region.objects.filter(path__startswith=TOWNSHIP).count()
    assert not can(operator, region(OTHER_TOWNSHIP))
    assert not can(operator, region("220283"))


def test_union_of_several_posts():
    user = staff(Role.GRID_WORKER, region=region(GRID_A))
    from gridgov.accounts.services import assign_post

    assign_post(user=user, role=Role.LEADER, region=region(OTHER_TOWNSHIP), actor=None)
    user = User.objects.get(pk=user.pk)  # a new request
    assert can(user, region(GRID_A))
    assert can(user, region(OTHER_TOWNSHIP))
    assert not can(user, region(GRID_B))
    # The leader post reads but does not act; the grid-worker post acts.
    assert can(user, region(GRID_A), "act")
    assert not can(user, region(OTHER_TOWNSHIP), "act")


def test_leader_views_but_cannot_act():
    leader = staff(Role.LEADER, region=region("220283"))
    assert restrict(Region.objects.all(), leader).count() == Region.objects.count()
    assert not restrict(Region.objects.all(), leader, "act").exists()


def test_department_handler_sees_its_department_and_territory_but_no_posts_of_regions():
    department = Department.objects.get(short_name="城管局")
    handler = staff(Role.DEPARTMENT_HANDLER, department=department)
    scope = scope_for(handler)
    assert scope.view_paths == ()
    assert department.pk in scope.view_departments
    # The territory its department serves is visible as a map ...
    assert can(handler, region(GRID_A))
    # ... but not the records of the regions: posts of grid workers are not its business.
    assert not restrict(Post.objects.filter(region__path=GRID_A), handler).exists()
    assert restrict(Post.objects.filter(department=department), handler).exists()
    assert restrict(Department.objects.all(), handler).filter(pk=department.pk).exists()


def test_township_operator_can_dispatch_to_county_departments_but_not_other_townships():
    county = region("220283")
    other = Department.objects.create(
        code="T-100-1", name="法特镇综合执法队", region=region(OTHER_TOWNSHIP)
    )
    own = Department.objects.create(
        code="T-001-1", name="北城街道综合执法队", region=region(TOWNSHIP)
    )
    operator = staff(Role.TOWNSHIP_OPERATOR, region=region(TOWNSHIP))
    visible = restrict(Department.objects.all(), operator)
    assert visible.filter(region=county).count() == Department.objects.filter(region=county).count()
    assert visible.filter(pk=own.pk).exists()
    assert not visible.filter(pk=other.pk).exists()


def test_no_post_no_scope_and_anonymous_sees_nothing():
    from gridgov.accounts.services import create_staff_user

    nobody = create_staff_user(username="nobody", full_name="", password=None, actor=None)
    assert not restrict(Region.objects.all(), nobody).exists()
    assert not restrict(Region.objects.all(), AnonymousUser()).exists()
    assert not restrict(Region.objects.all(), None).exists()


def test_ended_post_grants_nothing():
    today = dt.date.today()
    worker = staff(Role.GRID_WORKER, region=region(GRID_A))
    post = worker.posts.get()
    Post.objects.filter(pk=post.pk).update(starts_on=today - dt.timedelta(days=10))
    post.refresh_from_db()
    end_post(post=post, actor=None, ends_on=today - dt.timedelta(days=1))
    worker = User.objects.get(pk=worker.pk)
    assert not restrict(Region.objects.all(), worker).exists()


def test_post_that_has_not_started_grants_nothing():
    worker = staff(Role.GRID_WORKER, region=region(GRID_A))
    worker.posts.update(starts_on=dt.date.today() + dt.timedelta(days=3))
    worker = User.objects.get(pk=worker.pk)
    assert not restrict(Region.objects.all(), worker).exists()


def test_inactive_user_sees_nothing():
    worker = staff(Role.GRID_WORKER, region=region(GRID_A))
    worker.is_active = False
    assert not restrict(Region.objects.all(), worker).exists()


def test_superuser_and_system_admin_see_everything():
    admin = User.objects.get(username="admin")
    assert restrict(Region.objects.all(), admin).count() == Region.objects.count()
    sysadmin = staff(Role.SYSTEM_ADMIN, region=region("220283"))
    assert scope_for(sysadmin).everything


def test_demo_accounts_scopes():
    def paths(username: str) -> set[str]:
        user = User.objects.get(username=username)
        return set(scope_for(user).view_paths)

    assert paths("grid_worker") == {GRID_A}
    assert paths("village_op") == {VILLAGE}
    assert paths("township_op") == {TOWNSHIP}
    assert paths("county_op") == {"220283"}


digits = st.text(alphabet="0123456789", min_size=2, max_size=8)


@given(st.lists(digits, max_size=8), st.lists(digits, max_size=8))
def test_minimal_roots_keeps_the_union_of_subtrees(roots, probes):
    kept = minimal_roots(roots)
    assert set(kept) <= set(roots)
    for a in kept:
        for b in kept:
            assert a == b or not b.startswith(a)
    for probe in probes + roots:
        assert any(probe.startswith(r) for r in roots) == any(probe.startswith(r) for r in kept)
