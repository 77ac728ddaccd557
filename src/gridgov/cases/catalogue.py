"""Loading the default catalogue of matters (事项清单) for a county."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from gridgov.accounts.models import Department
from gridgov.cases.catalogue_data import BOARDS, ITEMS
from gridgov.cases.models import Board, Item
from gridgov.cases.services import publish_item_version
from gridgov.regions.models import Region


@dataclass
class CatalogueReport:
    boards: int = 0
    items_created: int = 0
    items_kept: int = 0
    unmatched_departments: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"板块 {self.boards} 个；事项新建 {self.items_created} 项，保留已有 {self.items_kept} 项"
        if self.unmatched_departments:
            text += "；未找到部门：" + "、".join(self.unmatched_departments)
        return text


@transaction.atomic
def load_default_catalogue(*, county: Region) -> CatalogueReport:
    """Create the boards and items that are missing; items already there (perhaps edited by
    an administrator) are kept as they are. Departments are matched by short name among the
    departments serving ``county``."""
    report = CatalogueReport()
    boards = {}
    for order, (code, name) in enumerate(BOARDS, start=1):
        board, _created = Board.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        boards[code] = board
    report.boards = len(boards)
    departments = {
        d.short_name: d
        for d in Department.objects.filter(region__path__startswith=county.path, is_active=True)
    }
    existing = set(Item.objects.values_list("code", flat=True))
    unmatched = set()
    for spec in ITEMS:
        if spec.code in existing:
            report.items_kept += 1
            continue
        department = departments.get(spec.department) if spec.department else None
        if spec.department and department is None:
            unmatched.add(spec.department)
        item = Item.objects.create(
            code=spec.code,
            name=spec.name,
            board=boards[spec.board],
            level=spec.level,
            department=department,
            difficulty=spec.difficulty,
            description=spec.description,
            weight=spec.weight,
            sign_amount=spec.sign[0],
            sign_unit=spec.sign[1],
            handle_amount=spec.handle[0],
            handle_unit=spec.handle[1],
            verify_amount=spec.verify[0],
            verify_unit=spec.verify[1],
        )
        publish_item_version(item=item)
        report.items_created += 1
    report.unmatched_departments = tuple(sorted(unmatched))
    return report
