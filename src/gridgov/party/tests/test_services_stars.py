"""Star ratings (星级评定) by the level above, and party-and-people service centres."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import ServiceCentre, StarCriterion, StarRating
from gridgov.party.tests.factories import COMMUNITY, GRID_A, TOWNSHIP, make_tree
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
OTHER_TOWNSHIP = "220283002"
CODES = ("leadership", "members", "life", "service", "governance")


def scores(*points):
    return dict(zip(CODES, points, strict=True))


def test_default_criteria_are_five_of_twenty():
    assert list(StarCriterion.objects.filter(is_active=True).values_list("code", "max_points")) == [
        (code, 20) for code in CODES
    ]


@pytest.mark.parametrize(
    ("total", "stars"),
    [(100, 5), (90, 5), (89.9, 4), (80, 4), (70, 3), (69.9, 2), (60, 2), (59.9, 1), (0, 1)],
)
def test_stars_from_share_of_the_maximum(total, stars):
    assert services.stars_for(Decimal(str(total)), 100) == stars


@override_settings(GRIDGOV_STAR_THRESHOLDS=(50, 60, 70, 80))
def test_thresholds_are_configurable():
    assert services.stars_for(Decimal("80"), 100) == 5
    assert services.stars_for(Decimal("49"), 100) == 1


def test_rating_by_the_level_above_sets_stars(people):
    tree = make_tree()
    year = timezone.localdate().year
    rating = services.rate_organisation(
        actor=people.township_op,
        organisation_id=tree.community.pk,
        year=str(year - 1),
        scores=scores(20, 18, "17.5", 16, 20),
        note="班子团结",
    )
    assert rating.total == Decimal("91.5") and rating.max_total == 100 and rating.stars == 5
    assert rating.scores["life"] == "17.5" and rating.region_path == COMMUNITY
    assert rating.rated_by == people.township_op
    tree.community.refresh_from_db()
    assert tree.community.stars == 5 and tree.community.version == 2
    # The latest year rules; an older year's rating does not change the stars.
    services.rate_organisation(
        actor=people.township_op,
        organisation_id=tree.community.pk,
        year=year,
        scores=scores(14, 14, 14, 14, 14),
    )
    services.rate_organisation(
        actor=people.county_op,
        organisation_id=tree.community.pk,
        year=year - 2,
        scores=scores(20, 20, 20, 20, 20),
    )
    tree.community.refresh_from_db()
    assert tree.community.stars == 3
    # A newer rating of the same year replaces it.
    services.rate_organisation(
        actor=people.township_op,
        organisation_id=tree.community.pk,
        year=year,
        scores=scores(10, 10, 10, 10, 10),
    )
    tree.community.refresh_from_db()
    assert tree.community.stars == 1
    assert StarRating.objects.filter(organisation=tree.community).count() == 4


def test_rating_refusals_write_nothing(people):
    tree = make_tree()
    before = StarRating.objects.count()
    # Not above: the village's own operator rates the village committee.
    with pytest.raises(PermissionDenied):
        services.rate_organisation(
            actor=people.village_op,
            organisation_id=tree.community.pk,
            year=2025,
            scores=scores(20, 20, 20, 20, 20),
        )
    with pytest.raises(PermissionDenied):
        services.rate_organisation(
            actor=people.leader,
            organisation_id=tree.branch_a.pk,
            year=2025,
            scores=scores(20, 20, 20, 20, 20),
        )
    other = staff("township_operator", region=Region.objects.get(path=OTHER_TOWNSHIP))
    with pytest.raises(Http404):
        services.rate_organisation(
            actor=other,
            organisation_id=tree.branch_a.pk,
            year=2025,
            scores=scores(20, 20, 20, 20, 20),
        )
    with pytest.raises(ValidationError) as info:
        services.rate_organisation(
            actor=people.village_op,
            organisation_id=tree.branch_a.pk,
            year=1999,
            scores={"leadership": 21, "members": "abc", "life": -1, "service": 5, "bogus": 1},
            note="长" * 301,
        )
    errors = info.value.message_dict
    assert {
        "year",
        "scores",
        "scores.leadership",
        "scores.members",
        "scores.life",
        "scores.governance",
        "note",
    } <= set(errors)
    assert "scores.service" not in errors
    assert StarRating.objects.count() == before
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.stars == 0
    services.dissolve_organisation(
        actor=people.village_op, organisation_id=tree.group_a.pk, reason="撤销"
    )
    with pytest.raises(PartyConflict):
        services.rate_organisation(
            actor=people.village_op,
            organisation_id=tree.group_a.pk,
            year=2025,
            scores=scores(20, 20, 20, 20, 20),
        )


def test_create_service_centre(people):
    tree = make_tree()
    centre = services.create_service_centre(
        actor=people.township_op,
        values={
            "name": "城关街道党群服务中心",
            "region": TOWNSHIP,
            "organisation": tree.township.pk,
            "lng": "126.96",
            "lat": "44.40",
            "area_m2": "800",
            "opening_hours": "周一至周五",
        },
    )
    assert centre.level == "township" and centre.region_path == TOWNSHIP
    assert centre.organisation == tree.township and centre.area_m2 == 800
    before = ServiceCentre.objects.count()
    with pytest.raises(ValidationError) as info:
        services.create_service_centre(
            actor=people.village_op,
            values={"name": "", "region": TOWNSHIP, "level": "grid", "lng": "200", "area_m2": "-1"},
        )
    assert {"name", "region", "level", "lng", "area_m2"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.create_service_centre(
            actor=people.village_op, values={"name": "x", "region": GRID_A, "lat": "44.4"}
        )
    assert "lng" in info.value.message_dict
    for refused in (people.leader, people.grid_worker):
        with pytest.raises(PermissionDenied):
            services.create_service_centre(actor=refused, values={"name": "x", "region": GRID_A})
    assert ServiceCentre.objects.count() == before
