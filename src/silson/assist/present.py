"""How assisted-mode records read on the pages (issue 18): who made a pick or a record, and a row's
columns as a plain object for templates that render after the transaction. No web imports, so both
the relay and the assist pages use it without importing each other."""

from types import SimpleNamespace
from typing import Any

from sqlalchemy import inspect

from silson.access import Role


def plain(row: Any) -> SimpleNamespace:
    """A row's columns as a plain object, read inside the transaction (templates render after it)."""
    return SimpleNamespace(**{a.key: getattr(row, a.key) for a in inspect(row).mapper.column_attrs})


def who_label(label: str | None) -> str:
    """Who made a pick or a record, as the person reads it.

    >>> who_label("assistant:call-park"), who_label("customer:7"), who_label(None)
    ('상담원 call-park (대리 처리)', '본인', 'silson')
    """
    if not label:
        return "silson"
    role, _sep, ident = label.partition(":")
    return (
        f"상담원 {ident} (대리 처리)" if role == Role.ASSISTANT.value else "본인" if role == "customer" else "심사센터"
    )
