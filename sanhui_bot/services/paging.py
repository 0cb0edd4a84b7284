"""Paged lists: a chat reply lists one page, so that it is always one message (issue 14)."""

from __future__ import annotations

from sanhui_bot.domain.errors import DomainError


def page_slice(total: int, page: int, per_page: int) -> tuple[int, int]:
    """How many pages `total` items make (at least 1) and the index of the page's first item;
    a page past the end is refused, naming how many there are."""
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise DomainError("page_out_of_range", page=page, pages=pages)
    return pages, (page - 1) * per_page
