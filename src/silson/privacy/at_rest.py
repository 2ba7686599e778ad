"""Personal data at rest beyond a person's profile, sealed under the person's data key so that erasing
the person shreds it too: where they were treated (the provider's 사업자등록번호 on each spending row:
with the name, it says which clinic a person visits) and what a reviewer changed on their visits (the
amounts and the free-text reason of a correction, kept in the audit chain, which then hashes the
sealed form). Staff and the person open them; the raw file holds none of them."""

from __future__ import annotations

import base64
import json
from typing import Any

from silson.privacy.crypto import CryptoError, open_sealed, seal
from silson.store.models import SpendingRow

PROVIDER_FIELD = "spending.provider_id"
SEALED = "sealed"  # the one key of an audit detail that is sealed


def seal_provider(key: bytes, provider_id: str) -> bytes:
    return seal(key, provider_id, PROVIDER_FIELD)


def open_provider(key: bytes, row: SpendingRow) -> str:
    return open_sealed(key, row.provider_id_sealed, PROVIDER_FIELD)


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
