"""Page a query the way every list endpoint does: 1-based `page`, `per_page`, and a total."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def paginate(session: Session, query: Select[T], page: int, per_page: int) -> tuple[list[T], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total)


def pages(total: int, per_page: int) -> int:
    return (total + per_page - 1) // per_page if total else 0
