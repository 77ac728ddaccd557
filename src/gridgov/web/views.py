"""Thin page views: they call selectors and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from gridgov.accounts.selectors import current_posts
from gridgov.regions import selectors as regions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "posts": current_posts(request.user),
            "roots": regions.root_regions(request.user),
            "counts": regions.territory_counts(request.user),
        },
    )


@login_required
def region_detail(request: HttpRequest, path: str | None = None) -> HttpResponse:
    if path is None:
        roots = regions.root_regions(request.user)
        if len(roots) == 1:
            return redirect("region-detail", path=roots[0].path)
        return render(request, "web/region_roots.html", {"roots": roots})
    region = regions.get_region(request.user, path)
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "crumbs": regions.breadcrumbs(request.user, region),
            "children": regions.children_summary(request.user, region),
        },
    )


@login_required
def region_children_geojson(request: HttpRequest, path: str) -> JsonResponse:
    region = regions.get_region(request.user, path)
    return JsonResponse(regions.children_geojson(request.user, region))
