"""Fonts for datasheet figures: every label of the data drawn, none as an empty box.

Why this module: matplotlib's default font (DejaVu Sans) has no CJK glyphs, so Chinese group
labels (e.g. a mother-language level) came out as boxes and matplotlib printed one "Glyph ...
missing" warning per character on the user's terminal. Here, before drawing, the labels of a
figure are checked against the fonts that are really available, glyph by glyph:

1. DejaVu Sans (ships with matplotlib) for Latin, Greek, Cyrillic;
2. an installed system font covering CJK (Noto Sans CJK, Source Han Sans, WenQuanYi, ...);
3. Noto Sans CJK SC from the ``mplfonts`` package (OFL font, installed by the ``figures``
   extra: ``pip install 'mer-datasets[figures]'``), registered by path without touching
   matplotlib's configuration.

matplotlib (>= 3.6) falls back through the family list per glyph. A character that no font
covers is replaced by its code point (``U+4E2D``) in the figure: readable, never a box, and the
page's tables carry the real text. Nothing is printed.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

BASE_FAMILY = "DejaVu Sans"
#: System fonts tried, in order, for characters DejaVu Sans lacks.
SYSTEM_FALLBACKS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
#: The packaged font of the ``figures`` extra (package, file inside it).
PACKAGED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


def _packaged_font_path() -> Path | None:
    try:
        from importlib.resources import files

        path = Path(str(files(PACKAGED_FONT[0]).joinpath(PACKAGED_FONT[1])))
    except (ImportError, ModuleNotFoundError, TypeError):
        return None
    return path if path.is_file() else None


_PATHS: dict[str, str] = {}


@cache
def _charmaps() -> tuple[tuple[str, frozenset[int]], ...]:
    """(family, code points) of the base font and each available fallback, in order."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    manager = font_manager.fontManager
    packaged = _packaged_font_path()
    if packaged is not None:
        with contextlib.suppress(Exception):  # a broken font file just means no fallback
            manager.addfont(str(packaged))
    by_name: dict[str, str] = {}
    for entry in manager.ttflist:
        if entry.style == "normal" and entry.weight in (400, "normal", "regular", "book"):
            by_name.setdefault(entry.name, entry.fname)
    for entry in manager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    packaged_name = None
    if packaged is not None:
        packaged_name = next((e.name for e in manager.ttflist if e.fname == str(packaged)), None)
    names = [BASE_FAMILY, *SYSTEM_FALLBACKS]
    if packaged_name and packaged_name not in names:
        names.append(packaged_name)
    out: list[tuple[str, frozenset[int]]] = []
    for name in names:
        path = by_name.get(name)
        if path is None:
            continue
        try:
            font = TTFont(path, fontNumber=0, lazy=True)
            cmap = frozenset(font.getBestCmap() or {})
            font.close()
        except Exception:  # noqa: BLE001 - an unreadable font is simply not used
            continue
        out.append((name, cmap))
        _PATHS[name] = path
    return tuple(out)


def families_for(labels: Iterable[str]) -> list[str]:
    """The font families (base first) needed to draw ``labels``; only fonts that exist."""
    chars = {ord(c) for label in labels for c in str(label) if not c.isspace()}
    maps = _charmaps()
    if not maps:
        return [BASE_FAMILY]
    chosen = [maps[0][0]]
    missing = chars - maps[0][1]
    for name, cmap in maps[1:]:
        if not missing:
            break
        if missing & cmap:
            chosen.append(name)
            missing -= cmap
    return chosen


def drawable(label: Any, families: Iterable[str] | None = None) -> str:
    """``label`` with every character no chosen font covers written as ``U+XXXX``."""
    text = str(label)
    maps = dict(_charmaps())
    names = list(families) if families is not None else list(maps)
    covered: set[int] = set()
    for name in names:
        covered |= maps.get(name, frozenset())
    if not covered:
        return text
    return "".join(
        c if c.isspace() or ord(c) in covered or ord(c) < 32 else f"U+{ord(c):04X}" for c in text
    )


def missing_glyphs(labels: Iterable[str]) -> set[str]:
    """Characters of ``labels`` that no available font covers (drawn as code points)."""
    maps = _charmaps()
    covered: set[int] = set()
    for _, cmap in maps:
        covered |= cmap
    return {c for label in labels for c in str(label) if not c.isspace() and ord(c) not in covered}


@contextlib.contextmanager
def quiet_fonts(labels: Iterable[str]) -> Iterator[list[str]]:
    """Draw with fonts covering ``labels``; matplotlib's glyph and font warnings stay silent.

    Silencing is safe because :func:`drawable` has replaced what no font covers: the warnings
    could only repeat that, on the user's terminal.
    """
    import matplotlib

    families = families_for(labels)
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            matplotlib.rc_context({"font.family": families, "svg.fonttype": "none"}),
        ):
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
            yield families
    finally:
        logger.setLevel(level)


def subset_font(chars: Iterable[str], destination: str | Path) -> Path | None:
    """Write a font holding only ``chars`` (those DejaVu Sans lacks), for a web page to declare.

    Why: a browser without a CJK font shows boxes for Chinese labels in the page's tables. The
    subset of the fallback font that covers them is a few kilobytes, where the whole Noto Sans
    CJK is 16 MB. None when nothing is missing or no available font covers the characters.
    """
    from fontTools import subset

    wanted = {ord(c) for c in chars if not c.isspace()}
    maps = _charmaps()
    if not maps:
        return None
    wanted -= maps[0][1]
    donor = next(((name, cmap) for name, cmap in maps[1:] if wanted and wanted <= cmap), None)
    if donor is None:
        return None
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    font = subset.load_font(_PATHS[donor[0]], options, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted))
    subsetter.subset(font)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(destination), options)
    return destination


#: Characters from here up (CJK radicals onwards) may need a declared font in a browser.
FIRST_WIDE = 0x2E80
PAGE_FONT_FAMILY = "MER datasheet CJK"


def embedded_font_css(text: str) -> str:
    """CSS declaring a subset font (as a data URI) for the CJK characters of ``text``.

    Empty when there are none, or when no font covering them (or matplotlib/fontTools, which
    find and cut it) is available: the page then relies on the reader's fonts.
    """
    import base64
    import tempfile

    chars = {c for c in text if ord(c) >= FIRST_WIDE}
    if not chars:
        return ""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            made = subset_font(chars, Path(tmp) / "subset.otf")
            data = made.read_bytes() if made is not None else None
    except ImportError:
        return ""
    if data is None:
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face{{font-family:"{PAGE_FONT_FAMILY}";'
        f'src:url(data:font/otf;base64,{encoded}) format("opentype");}}'
    )
