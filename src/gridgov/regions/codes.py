"""Region codes and materialised paths.

Administrative nodes carry the 12-digit statistical division code (2 province, 2 prefecture,
2 county, 3 township, 3 village). A grid is its village's code plus a 3-digit serial (15 digits);
a building or hamlet is its grid's code plus a 3-digit serial (18 digits).

The materialised *path* of a node is its code cut to the width of its level, so the path of
every ancestor is a prefix of the node's path, and a subtree is one index range:
``path >= P and path < next_prefix(P)``. Paths are digit strings only, so the range means the
same under any database collation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

LEVELS: tuple[str, ...] = (
    "province",
    "prefecture",
    "county",
    "township",
    "village",
    "grid",
    "building",
)
PATH_WIDTH: dict[str, int] = {
    "province": 2,
    "prefecture": 4,
    "county": 6,
    "township": 9,
    "village": 12,
    "grid": 15,
    "building": 18,
}
LEVEL_BY_WIDTH: dict[int, str] = {width: level for level, width in PATH_WIDTH.items()}
STATISTICAL_CODE_WIDTH = 12
_DIGITS = re.compile(r"^[0-9]+$")


class CodeError(ValueError):
    """A region code that does not fit the statistical code scheme."""


def is_digits(value: str) -> bool:
    return bool(_DIGITS.match(value))


def level_of_path(path: str) -> str:
    if not is_digits(path) or len(path) not in LEVEL_BY_WIDTH:
        raise CodeError(f"区划路径 {path!r} 的位数不对（应为 2/4/6/9/12/15/18 位数字）")
    return LEVEL_BY_WIDTH[len(path)]


def path_from_code(code: str) -> str:
    """The path of a code: 12-digit statistical codes are cut at their level; 15/18 digits stay.

    ``"220283000000"`` → ``"220283"``; ``"220283001001"`` → ``"220283001001"``;
    ``"5329"`` (already short) → ``"5329"``.
    """
    code = code.strip()
    if not is_digits(code):
        raise CodeError(f"区划代码 {code!r} 只能由数字组成")
    if len(code) in (15, 18):
        return code
    if len(code) == STATISTICAL_CODE_WIDTH:
        for level in ("village", "township", "county", "prefecture", "province"):
            width = PATH_WIDTH[level]
            parent_width = _parent_width(level)
            if code[width:].strip("0") == "" and code[parent_width:width].strip("0") != "":
                return code[:width]
        raise CodeError(f"区划代码 {code!r} 全为零")
    if len(code) in LEVEL_BY_WIDTH:
        return code
    raise CodeError(
        f"区划代码 {code!r} 的位数不对（应为 12 位统计用区划代码、15 位网格或 18 位楼栋代码）"
    )


def _parent_width(level: str) -> int:
    index = LEVELS.index(level)
    return 0 if index == 0 else PATH_WIDTH[LEVELS[index - 1]]


def code_from_path(path: str) -> str:
    """The full code of a path: administrative levels are padded to 12 digits."""
    level = level_of_path(path)
    if level in ("grid", "building"):
        return path
    return path.ljust(STATISTICAL_CODE_WIDTH, "0")


def parent_path(path: str) -> str | None:
    level = level_of_path(path)
    index = LEVELS.index(level)
    if index == 0:
        return None
    return path[: PATH_WIDTH[LEVELS[index - 1]]]


def ancestor_paths(path: str) -> Iterator[str]:
    """Every proper prefix of ``path`` that is a level's path, from the top down."""
    for level in LEVELS:
        width = PATH_WIDTH[level]
        if width >= len(path):
            return
        yield path[:width]


def next_prefix(path: str) -> str | None:
    """The smallest digit string greater than every string that starts with ``path``.

    ``None`` when there is none (``path`` is all nines): the subtree is then open-ended.
    """
    stripped = path.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def child_path(parent: str, serial: int) -> str:
    """The path of the ``serial``-th grid of a village or building of a grid (3-digit serial)."""
    if not 1 <= serial <= 999:
        raise CodeError(f"序号 {serial} 超出 001–999")
    return f"{parent}{serial:03d}"


def township_kind(path: str) -> str:
    """Township-level type from the statistical code's 3 digits (GB/T 10114 practice)."""
    serial = int(path[6:9])
    if serial < 100:
        return "street"
    if serial < 200:
        return "town"
    if serial < 400:
        return "township"
    return "other"


def village_kind(path: str) -> str:
    """Village-level type: 001–199 residents' committees (社区), 200–599 villagers' committees."""
    serial = int(path[9:12])
    return "community" if serial < 200 else "village"
