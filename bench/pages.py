"""Server time of every page for each role's account on the demo data.

    python bench/pages.py [--data-dir /tmp/gridgov-bench-pages] [--repeat 3]

Loads the demo county with its year of cases into a SQLite database under --data-dir (once;
reused on later runs), then renders each page in-process with Django's test client for each
demo account, and prints the median of --repeat renders. The baseline, measured in the same
run, is the login page (a template with no queries): the ratio shows what each page adds.
The goal is under 1 s per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROLES = (
    "county_op",
    "township_op",
    "village_op",
    "grid_chief",
    "grid_worker",
    "dept_handler",
    "supervisor",
    "leader",
    "admin",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "gridgov-bench-pages")
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ.update(
        GRIDGOV_DEMO="1",
        GRIDGOV_DATA_DIR=args.data_dir,
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_LOG_LEVEL="ERROR",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from gridgov.accounts.models import User
    from gridgov.cases.models import Case
    from gridgov.demo import load_demo

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from gridgov.party.models import PartyOrganisation

    if not Case.objects.exists() or not PartyOrganisation.objects.exists():
        print("loading the demo county with a year of cases and its registers …", flush=True)
        load_demo(log=lambda *_: None)
    from gridgov.demo.mediation import generate_mediation
    from gridgov.mediation.models import Campaign, Committee, Dispute, Petition
    from gridgov.regions.models import Region

    if not Committee.objects.exists():  # a data folder made before the mediation demo
        print("adding the demo month of disputes and petitions …", flush=True)
        generate_mediation(county=Region.objects.get(path="220283"), log=lambda *_: None)
    dispute = Dispute.objects.order_by("-pk").first()
    petition = Petition.objects.order_by("-pk").first()
    campaign = Campaign.objects.order_by("pk").first()
    assert dispute is not None and petition is not None and campaign is not None
    open_case = Case.objects.filter(status="in_progress").order_by("-created_at").first()
    any_case = open_case or Case.objects.order_by("-created_at").first()
    assert any_case is not None
    pages = [
        "/",
        "/work/",
        "/work/?queue=overdue",
        "/work/?queue=supervision",
        "/work/cases/",
        "/work/cases/?light=red",
        "/work/cases/?board=CG&sort=due",
        f"/work/cases/{any_case.number}/",
        "/regions/220283/",
        "/regions/220283001/",
        "/screen/220283/",
        "/screen/220283/headline/",
        "/screen/220283001/",
        "/m/",
        "/m/tasks/",
        "/api/v1/cases?limit=50",
        "/api/v1/me/queue",
        "/work/party/",
        "/work/party/orgs/",
        "/work/party/orgs/?view=list",
        "/work/party/members/",
        "/work/party/sinking/",
        "/work/party/needs/",
        "/work/party/meetings/",
        "/work/party/meetings/participation/",
        "/work/party/map/",
        "/work/party/map/layer.geojson?region=220283",
        "/screen/220283/party.json",
        "/api/v1/party/figures/coverage?region=220283",
        "/api/v1/party/members?limit=50",
        "/work/mediation/",
        "/work/mediation/reception/",
        "/work/mediation/disputes/",
        f"/work/mediation/disputes/{dispute.pk}/",
        "/work/mediation/legal/",
        "/work/mediation/legal/rota/",
        "/work/mediation/committees/",
        "/work/mediation/petitions/",
        f"/work/mediation/petitions/{petition.pk}/",
        "/work/mediation/petitions/centre/",
        "/work/mediation/screening/",
        f"/work/mediation/screening/{campaign.pk}/",
        f"/work/mediation/screening/{campaign.pk}/grids.geojson",
        "/m/screening/",
        "/api/v1/mediation/disputes?limit=50",
        "/api/v1/mediation/petitions/deadlines",
        f"/api/v1/mediation/campaigns/{campaign.pk}/screening",
    ]
    public = ["/r/", "/open311/v2/services.json", "/open311/v2/requests.json"]
    client = Client()

    def timed(url: str) -> tuple[int, float]:
        samples, status = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - start)
            status = response.status_code
        return status, statistics.median(samples)

    client.get("/login/")
    _status, baseline = timed("/login/")
    print(f"baseline: /login/ {baseline * 1000:.1f} ms")
    worst = 0.0
    for url in public:
        status, seconds = timed(url)
        worst = max(worst, seconds)
        print(
            f"{'(anonymous)':<14} {status} {seconds * 1000:8.1f} ms {seconds / baseline:7.1f}×  {url}"
        )
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        for url in pages:
            status, seconds = timed(url)
            if status == 404:
                continue  # not this role's page, or outside its jurisdiction
            worst = max(worst, seconds)
            flag = "" if seconds < 1 else "  ← over 1 s"
            print(
                f"{username:<14} {status} {seconds * 1000:8.1f} ms "
                f"{seconds / baseline:7.1f}×  {url}{flag}"
            )
        client.logout()
    print(f"slowest page: {worst * 1000:.0f} ms ({'under' if worst < 1 else 'OVER'} 1 s)")
    return 0 if worst < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
