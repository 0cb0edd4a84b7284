"""Names of report periods and meeting-gap lines, shared by `/report` and the month-end summary."""

from __future__ import annotations

from sanhui_bot.domain.compliance import Compliance, Period, PeriodKind
from sanhui_bot.domain.model import MeetingKind
from sanhui_bot.render.replies import Renderer

QUARTERS_ZH = "一二三四"


def period_name(period: Period, renderer: Renderer) -> str:
    """2026年3月 / 2026年第一季度 / 2026年 (en: 2026-03 / 2026 Q1 / 2026)."""
    if period.kind is PeriodKind.MONTH:
        return renderer.t("report_period_month", year=period.year, number=period.number)
    if period.kind is PeriodKind.QUARTER:
        return renderer.t(
            "report_period_quarter",
            year=period.year,
            number=period.number,
            number_zh=QUARTERS_ZH[period.number - 1],
        )
    return renderer.t("report_period_year", year=period.year)


def unit_part(kind: MeetingKind, unit: str, renderer: Renderer) -> str:
    """ "·数学党小组" for a group meeting; congress, committee and lesson have one unit per branch."""
    return f"·{renderer.group_name(unit)}" if kind is MeetingKind.GROUP else ""


def gap_line(gap: Compliance, renderer: Renderer) -> str:
    """ "2026年第一季度 未召开支部党员大会", or how many of how many were held."""
    common = {
        "period_name": period_name(gap.period, renderer),
        "kind_name": renderer.w(f"kind.{gap.kind}"),
        "unit_part": unit_part(gap.kind, gap.unit, renderer),
    }
    if gap.held == 0:
        return renderer.t("report_gap_missing", **common)
    return renderer.t("report_gap_short", held=gap.held, required=gap.required, **common)
