"""Personal data at rest beyond a person's profile, sealed under the person's data key so that erasing
the person shreds it too: where they were treated (the provider's 사업자등록번호 on each spending row,
the institution of a 위임장: with the name, it says which clinic a person visits), what people and
insurers wrote about their claims (the reason of each move of a claim, why a denied item is filed
again, the insurer's reason for a delay) and what a reviewer changed on their visits (the amounts and
the free-text reason of a correction). Audit entries that carry any of it are sealed whole, and the
chain hashes the sealed form. Staff and the person open them; the raw file holds none of them, and
after erasure nobody can."""

from __future__ import annotations

import base64
import json
from typing import Any

from silson.privacy.crypto import CryptoError, open_sealed, seal
from silson.store.models import SpendingRow

PROVIDER_FIELD = "spending.provider_id"
TRANSITION_REASON = "claim_transition.reason"
RECLAIM_REASON = "claim_item.reclaim_reason"
ITEM_NOTE = "claim_item.note"
DELAY_REASON = "claim_package.delay_reason"
POA_INSTITUTION = "power_of_attorney.institution_id"
ERASED = "(삭제된 회원의 기록)"  # what a reader shows where a sealed value can no longer be opened
SEALED = "sealed"  # the one key of an audit detail that is sealed


def seal_provider(key: bytes, provider_id: str) -> bytes:
    return seal(key, provider_id, PROVIDER_FIELD)


def open_provider(key: bytes, row: SpendingRow) -> str:
    return open_sealed(key, row.provider_id_sealed, PROVIDER_FIELD)


def seal_text(key: bytes, field: str, value: str) -> bytes:
    """A person's free text or identifier as its column stores it; `field` is bound in, so a sealed
    value cannot be moved to another column."""
    return seal(key, value, field)


def open_text(key: bytes | None, field: str, sealed: bytes | None) -> str | None:
    """The value as it was written; None when there is none; ERASED when the person's key is gone."""
    if sealed is None:
        return None
    if key is None or not sealed:
        return ERASED
    try:
        return open_sealed(key, bytes(sealed), field)
    except CryptoError:
        return ERASED


def _audit_field(object_type: str, object_id: str) -> str:
    return f"audit.{object_type}.{object_id}"  # bound in: a sealed detail cannot be moved to another object


def seal_detail(key: bytes, object_type: str, object_id: str, detail: dict[str, Any]) -> dict[str, str]:
    """An audit entry's detail as the chain stores (and hashes) it: one sealed blob."""
    blob = seal(key, json.dumps(detail, ensure_ascii=False, sort_keys=True), _audit_field(object_type, object_id))
    return {SEALED: base64.b64encode(blob).decode("ascii")}


def open_detail(key: bytes | None, object_type: str, object_id: str, detail: dict[str, Any]) -> dict[str, Any] | None:
    """The detail as it was written; a clear one as it is; None when it is sealed and cannot be
    opened (the person was erased)."""
    if set(detail) != {SEALED}:
        return detail
    if key is None:
        return None
    try:
        raw = open_sealed(key, base64.b64decode(detail[SEALED]), _audit_field(object_type, object_id))
    except (CryptoError, ValueError):
        return None
    opened: dict[str, Any] = json.loads(raw)
    return opened
