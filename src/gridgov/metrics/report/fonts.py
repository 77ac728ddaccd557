"""A font that renders Chinese in the PDF report, found offline.

The ``GRIDGOV_PDF_FONT`` setting (a TTF/TTC path) wins; otherwise the first of the usual
Debian CJK fonts that reportlab can load (TrueType outlines only: an OpenType/CFF file fails to
register and is skipped). With none available the report falls back to reportlab's built-in
CID font STSong-Light, which needs no file but is not embedded (viewers substitute a Song
face), and a warning is logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FALLBACK = "STSong-Light"
FONT_NAME = "GridgovCJK"

_chosen: dict[str, str] = {}  # configured path → registered font name


def _register_file(path: Path, name: str) -> bool:
    try:
        if path.suffix.lower() == ".ttc":
            font = TTFont(name, str(path), subfontIndex=0)
        else:
            font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
    except Exception as error:  # reportlab raises TTFError, but also struct/OS errors
        logger.info("PDF 字体 %s 无法使用：%s", path, error)
        return False
    return True


def _family(name: str) -> None:
    """One face for every style, so <b>/<i> markup never asks for a missing font."""
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)


def cjk_font() -> str:
    """Register (once per configured path) and return the name of a font that shows Chinese."""
    configured = str(getattr(settings, "GRIDGOV_PDF_FONT", "") or "")
    if configured in _chosen:
        return _chosen[configured]
    paths = [Path(configured)] if configured else []
    paths += [Path(p) for p in CANDIDATES]
    for index, path in enumerate(paths):
        if not path.is_file():
            if configured and index == 0:
                logger.warning("GRIDGOV_PDF_FONT=%s 不存在，改用系统字体", configured)
            continue
        name = f"{FONT_NAME}{len(_chosen)}"
        if _register_file(path, name):
            _family(name)
            _chosen[configured] = name
            return name
        if configured and index == 0:
            logger.warning("GRIDGOV_PDF_FONT=%s 无法载入（只支持 TrueType），改用系统字体", path)
    logger.warning(
        "未找到可用的中文字体（可安装 fonts-wqy-microhei 或设置 GRIDGOV_PDF_FONT），"
        "PDF 改用内置的 %s（不嵌入字体）",
        FALLBACK,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    _family(FALLBACK)
    _chosen[configured] = FALLBACK
    return FALLBACK
