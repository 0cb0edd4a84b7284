"""The month-end 积分公示栏 as a picture: member points and each group's task completion (matplotlib).

Drawn with the Agg backend on a Figure of its own (no pyplot state, safe in a running bot) and one
CJK font for every label, so Chinese names never come out as boxes. The font is looked for among
the fonts matplotlib knows and the system's (Debian: fonts-wqy-microhei or fonts-noto-cjk); with
none, `month_chart` raises ChartUnavailable and the text summary goes out alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from sanhui_bot.render.replies import Renderer
from sanhui_bot.services.school import BranchStanding
from sanhui_bot.services.summaries import BranchSummary, GroupSummary, TaskCounts

log = logging.getLogger(__name__)

PNG_MIME = "image/png"
# Font families known to cover simplified Chinese, most likely first (Debian and common desktops).
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
# Characters every Chinese chart label uses; a font without them is no CJK font for us.
PROBE = "积分公示栏党小组任务完成逾期"
DONE_COLOUR, OPEN_COLOUR, OVERDUE_COLOUR = "#2e7d32", "#f9a825", "#c62828"
GAIN_COLOUR, LOSS_COLOUR = "#1565c0", "#9e9e9e"


class ChartUnavailable(RuntimeError):
    """No font with Chinese glyphs is installed, so no picture can be drawn without boxes."""


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    texts: tuple[str, ...]  # every piece of text drawn, for the glyph check
    font: Path
    text_fonts: tuple[tuple[str, str], ...] = ()  # (text, the font file it is drawn with)


def missing_glyphs(font: Path, texts: Iterable[str]) -> set[str]:
    """The characters of `texts` (spaces aside) that the font has no glyph for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font), fontNumber=0, lazy=True) as loaded:
        cmap = loaded.getBestCmap() or {}
    return {char for text in texts for char in text if not char.isspace() and ord(char) not in cmap}


def _covers(font: Path) -> bool:
    try:
        return not missing_glyphs(font, [PROBE])
    except Exception:  # an unreadable or odd font file is simply not a candidate
        return False


@lru_cache(maxsize=1)
def find_cjk_font() -> Path | None:
    """A font file with Chinese glyphs: a known family first, else any system font that covers them."""
    from matplotlib import font_manager

    known = {entry.name: Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known and _covers(known[family]):
            return known[family]
    # Fonts installed after matplotlib built its cache are not in ttflist; look at the files.
    candidates = sorted(Path(path) for path in font_manager.findSystemFonts())
    preferred = [p for p in candidates if any(tag in p.name.lower() for tag in ("cjk", "wqy", "hei", "han"))]
    for path in [*preferred, *(p for p in candidates if p not in preferred)]:
        if _covers(path):
            return path
    return None


def _task_rows(tasks: Iterable[TaskCounts], renderer: Renderer) -> list[tuple[str, int, int, int]]:
    rows = []
    for counts in tasks:
        if counts.group is None and counts.empty:
            continue
        name = renderer.t("summary_unassigned") if counts.group is None else renderer.group_name(counts.group)
        rows.append((name, counts.done, counts.open - counts.overdue, counts.overdue))
    return rows


def month_chart(summary: BranchSummary | GroupSummary, renderer: Renderer) -> Chart:
    """The summary's ranking and task completion as a PNG."""
    font = find_cjk_font()
    if font is None:
        raise ChartUnavailable("no font with Chinese glyphs is installed (e.g. fonts-wqy-microhei)")
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    prop = FontProperties(fname=str(font))
    title_prop = FontProperties(fname=str(font), size=15)
    unit = summary.group if isinstance(summary, GroupSummary) else summary.branch
    unit_name = (
        renderer.group_name(unit) if isinstance(summary, GroupSummary) else renderer.org.unit_name(unit)
    )
    tasks = [summary.tasks] if isinstance(summary, GroupSummary) else list(summary.tasks)
    # As on the text board: members with no entry this month are counted, not drawn as a row of +0s.
    ranking = [line for line in summary.ranking if line.rank is not None]
    unranked = len(summary.ranking) - len(ranking)
    task_rows = _task_rows(tasks, renderer)
    any_task = any(sum(row[1:4]) for row in task_rows)
    height = max(4.5, 0.42 * max(len(ranking), len(task_rows), 1) + 2)

    # unicode_minus off: a plain "-" is in every font; U+2212 is not in all CJK ones.
    with matplotlib.rc_context({"axes.unicode_minus": False}):
        # Constrained layout fits the labels within the one draw that saving does (tight_layout draws twice).
        figure = Figure(figsize=(11, height), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        points_axes, tasks_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        figure.suptitle(
            renderer.t("report_chart_title", unit_name=unit_name, year=summary.year, month=summary.month),
            fontproperties=title_prop,
        )

        names = [renderer.name(line.member) for line in ranking]
        totals = [line.month_total for line in ranking]
        positions = list(range(len(ranking)))
        points_axes.barh(positions, totals, color=[GAIN_COLOUR if v >= 0 else LOSS_COLOUR for v in totals])
        points_axes.set_yticks(positions, names, fontproperties=prop)
        points_axes.invert_yaxis()  # rank 1 on top
        points_axes.axvline(0, color="#555555", linewidth=0.8)
        for position, value in zip(positions, totals, strict=True):
            points_axes.annotate(
                f"{value:+d}",
                (value, position),
                xytext=(4 if value >= 0 else -4, 0),
                textcoords="offset points",
                ha="left" if value >= 0 else "right",
                va="center",
                fontproperties=prop,
            )
        points_axes.set_title(renderer.t("report_chart_points"), fontproperties=prop)
        if not ranking:
            empty = renderer.t("summary_ranking_empty", count=unranked) if unranked else ""
            points_axes.text(
                0.5,
                0.5,
                empty.strip() or renderer.t("report_chart_empty"),
                ha="center",
                transform=points_axes.transAxes,
                fontproperties=prop,
            )
            points_axes.set_yticks([])
            points_axes.set_xticks([])
        elif unranked:
            points_axes.set_xlabel(
                renderer.t("summary_unranked", count=unranked).strip(), fontproperties=prop
            )
        low, high = min([0, *totals]), max([0, *totals])
        margin = max(2, (high - low) * 0.15)
        points_axes.set_xlim(low - (margin if low < 0 else 0), high + margin)

        labels = [row[0] for row in task_rows]
        done = [row[1] for row in task_rows]
        pending = [row[2] for row in task_rows]
        overdue = [row[3] for row in task_rows]
        rows = list(range(len(task_rows)))
        tasks_axes.barh(rows, done, color=DONE_COLOUR, label=renderer.t("report_chart_done"))
        tasks_axes.barh(rows, pending, left=done, color=OPEN_COLOUR, label=renderer.t("report_chart_open"))
        tasks_axes.barh(
            rows,
            overdue,
            left=[a + b for a, b in zip(done, pending, strict=True)],
            color=OVERDUE_COLOUR,
            label=renderer.t("report_chart_overdue"),
        )
        tasks_axes.set_yticks(rows, labels, fontproperties=prop)
        tasks_axes.invert_yaxis()
        tasks_axes.set_title(renderer.t("report_chart_tasks"), fontproperties=prop)
        for axes in (points_axes, tasks_axes):
            if axes.get_xticks().size:  # an empty side has no scale at all
                axes.xaxis.get_major_locator().set_params(integer=True)  # points and tasks are whole numbers
        if any_task:
            tasks_axes.legend(
                prop=prop, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False
            )
        else:  # no task this month: a note, not an empty scale around zero
            tasks_axes.set_xlim(0, 1)
            tasks_axes.set_xticks([])
            tasks_axes.set_yticks([])
            tasks_axes.text(
                0.5,
                0.5,
                renderer.t("report_chart_no_tasks"),
                ha="center",
                transform=tasks_axes.transAxes,
                fontproperties=prop,
            )
        for axes in (points_axes, tasks_axes):
            for label in axes.get_xticklabels():
                label.set_fontproperties(prop)
        buffer = BytesIO()
        # A chart is flat colour: light compression is nearly as small and much faster.
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
        drawn = [text for text in figure.findobj(Text) if text.get_text() and text.get_visible()]
        text_fonts = tuple(
            (text.get_text(), str(font_manager.findfont(text.get_fontproperties()))) for text in drawn
        )
    return Chart(buffer.getvalue(), tuple(label for label, _ in text_fonts), font, text_fonts)


CHART_BRANCHES = (
    25  # branches drawn in the school chart (those needing attention first); the rest: the workbook
)
HELD_COLOUR, SHORT_COLOUR = "#2e7d32", "#c62828"


def school_chart(standings: Sequence[BranchStanding], title: str, renderer: Renderer) -> Chart:
    """The 党委's month-end as a PNG: per branch, meetings held and short of the requirement, and
    公示 on time / late / never; the first CHART_BRANCHES branches, as `school_summary` orders them."""
    font = find_cjk_font()
    if font is None:
        raise ChartUnavailable("no font with Chinese glyphs is installed (e.g. fonts-wqy-microhei)")
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    prop = FontProperties(fname=str(font))
    shown = list(standings[:CHART_BRANCHES])
    names = [renderer.org.unit_name(s.branch) for s in shown]
    rows = list(range(len(shown)))
    height = max(4.5, 0.42 * max(len(shown), 1) + 2)
    with matplotlib.rc_context({"axes.unicode_minus": False}):
        figure = Figure(figsize=(11, height), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        meetings_axes, publication_axes = figure.subplots(1, 2)
        figure.suptitle(title, fontproperties=FontProperties(fname=str(font), size=15))
        held = [sum(min(s.held.get(k, 0), r) for k, r in s.required.items()) for s in shown]
        short = [sum(s.missing.values()) for s in shown]
        meetings_axes.barh(rows, held, color=HELD_COLOUR, label=renderer.t("school_chart_held"))
        meetings_axes.barh(rows, short, left=held, color=SHORT_COLOUR, label=renderer.t("school_chart_short"))
        meetings_axes.set_title(renderer.t("school_chart_meetings"), fontproperties=prop)
        on_time = [s.publication_on_time for s in shown]
        late = [s.publication_late for s in shown]
        never = [s.publication_missing for s in shown]
        publication_axes.barh(rows, on_time, color=DONE_COLOUR, label=renderer.t("school_chart_on_time"))
        publication_axes.barh(
            rows, late, left=on_time, color=OPEN_COLOUR, label=renderer.t("school_chart_late")
        )
        publication_axes.barh(
            rows,
            never,
            left=[a + b for a, b in zip(on_time, late, strict=True)],
            color=OVERDUE_COLOUR,
            label=renderer.t("school_chart_never"),
        )
        publication_axes.set_title(renderer.t("school_chart_publication"), fontproperties=prop)
        for axes in (meetings_axes, publication_axes):
            axes.set_yticks(rows, names, fontproperties=prop)
            axes.invert_yaxis()  # the branch needing attention most on top
            axes.xaxis.get_major_locator().set_params(integer=True)
            axes.legend(prop=prop, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False)
            for label in axes.get_xticklabels():
                label.set_fontproperties(prop)
        buffer = BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
        drawn = [text for text in figure.findobj(Text) if text.get_text() and text.get_visible()]
        text_fonts = tuple(
            (text.get_text(), str(font_manager.findfont(text.get_fontproperties()))) for text in drawn
        )
    return Chart(buffer.getvalue(), tuple(label for label, _ in text_fonts), font, text_fonts)
