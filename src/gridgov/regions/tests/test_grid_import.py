from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import Polygon, box, mapping

from gridgov.regions.gridimport import GridImportError, import_grids
from gridgov.regions.models import Region
from gridgov.regions.services import import_divisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    import_divisions(code="310101", boundaries=False)
    return Region.objects.filter(level="village", path__startswith="310101").order_by("path")[0]


def collection(village, cells):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": f"{village.path}{i:03d}",
                    "households": 300 + i,
                    "population": 800,
                },
                "geometry": mapping(geom),
            }
            for i, geom in enumerate(cells, start=1)
        ],
    }


def grid_of(lng0=121.47, lat0=31.22, n=3, size=0.002):
    return [
        box(lng0 + i * size, lat0 + j * size, lng0 + (i + 1) * size, lat0 + (j + 1) * size)
        for i in range(n)
        for j in range(n)
    ]


def test_import_good_grids_and_derive_the_village(village):
    report = import_grids(data=collection(village, grid_of()))
    assert (report.created, report.updated) == (9, 0)
    grids = Region.objects.filter(parent=village, level="grid")
    assert grids.count() == 9 and all(g.kind == "urban" and g.area_km2 for g in grids)
    village.refresh_from_db()
    assert village.geometry is not None
    assert abs((village.area_km2 or 0.0) - sum(g.area_km2 or 0.0 for g in grids)) < 1e-9
    # Importing again updates in place.
    report = import_grids(data=collection(village, grid_of()))
    assert (report.created, report.updated) == (0, 9)


def test_overlap_is_reported_and_nothing_is_loaded(village):
    cells = grid_of()
    cells[4] = box(121.4715, 31.2215, 121.4745, 31.2245)  # spills into neighbours
    with pytest.raises(GridImportError) as info:
        import_grids(data=collection(village, cells))
    kinds = {p.kind for p in info.value.problems}
    assert "overlap" in kinds
    assert any("重叠" in p.message_zh for p in info.value.problems)
    assert not Region.objects.filter(parent=village, level="grid").exists()


def test_enclosed_gap_is_reported(village):
    cells = grid_of()
    del cells[4]  # the middle one: a hole surrounded by grids
    with pytest.raises(GridImportError) as info:
        import_grids(data=collection(village, cells))
    assert [p.kind for p in info.value.problems] == ["gap"]
    assert not Region.objects.filter(parent=village, level="grid").exists()
    report = import_grids(data=collection(village, cells), allow_gaps=True)
    assert report.created == 8


def test_invalid_ring_is_reported(village):
    bowtie = Polygon([(121.47, 31.22), (121.472, 31.222), (121.472, 31.22), (121.47, 31.222)])
    with pytest.raises(GridImportError) as info:
        import_grids(data=collection(village, [bowtie]))
    assert info.value.problems[0].kind == "invalid"
    assert "无效" in info.value.problems[0].message_zh


def test_bad_features_are_reported_field_by_field(village):
    data = collection(village, grid_of(n=1))
    data["features"] += [
        {"type": "Feature", "properties": {}, "geometry": mapping(box(0, 0, 1, 1))},
        {"type": "Feature", "properties": {"code": "12345"}, "geometry": mapping(box(0, 0, 1, 1))},
        {
            "type": "Feature",
            "properties": {"code": "999999999999001"},
            "geometry": mapping(box(10, 10, 11, 11)),
        },
        {
            "type": "Feature",
            "properties": {"code": f"{village.path}050", "kind": "castle"},
            "geometry": mapping(box(0, 0, 1, 1)),
        },
        {
            "type": "Feature",
            "properties": {"code": f"{village.path}051", "households": "many"},
            "geometry": {"type": "Point", "coordinates": [1, 2]},
        },
    ]
    with pytest.raises(GridImportError) as info:
        import_grids(data=data)
    messages = " / ".join(p.message_zh for p in info.value.problems)
    for expected in (
        "缺少 properties.code",
        "15 位数字",
        "不存在",
        "类型“castle”无效",
        "Polygon 或 MultiPolygon",
    ):
        assert expected in messages
    assert not Region.objects.filter(parent=village, level="grid").exists()


def test_command_prints_problems_and_fails(village, tmp_path, capsys):
    cells = grid_of()
    cells[4] = box(121.4715, 31.2215, 121.4745, 31.2245)
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(collection(village, cells)), encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何网格"):
        call_command("import_grids", str(path))
    assert "重叠" in capsys.readouterr().err
    path.write_text(json.dumps(collection(village, grid_of())), encoding="utf-8")
    call_command("import_grids", str(path))
    assert "新建 9 个" in capsys.readouterr().out
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_grids", str(path))
