"""A person's estimate, computed once per change of its inputs and stored sealed (issue 19).

Discover runs the engine over three years of spending (about 160 adjudications for the demo
customer), which made every estimate page and API call cost half a second of CPU. The report depends
only on: the person's spending rows, their contracts, the 실손 already received (B201Y), the day it
is computed for, the catalogue version, and the code that computes it. `inputs_digest` hashes exactly
those; a stored report whose digest matches is the answer, anything else is computed again and
replaces it. Nothing needs to remember to invalidate: an import, a corrected contract, a new terms
file or a new release changes the digest.

The report is pickled and sealed with the person's key (AES-GCM, the field name bound in): the
pickle is only ever opened after the seal verified, so only bytes this service wrote under that
person's key are unpickled; a stored report that cannot be opened or read (an older release's
classes, a tampered row) counts as a miss. Erasing the person destroys the key, and with it the
stored report in every copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from silson.discover.models import StoredEstimateRow
from silson.discover.service import DiscoverReport
from silson.privacy.crypto import CryptoError, open_bytes, seal_bytes

FIELD = "stored_estimate.report"
FORMAT = b"silson-stored-estimate/1"
# what the report depends on (its document routes: relay and the agents' fee caps)
_CODE = ("rules", "discover", "adapters", "domain", "cases", "relay", "agents")
#: the operator's settings a report's routes read (relay/route.py): read once per process, like the code
OPERATOR_SETTINGS = ("SILSON_RELAY_PARTICIPATION", "SILSON_AGENT_TRIP_WON", "SILSON_AGENT_KEEP_WON")
log = logging.getLogger(__name__)


@cache
def code_digest() -> str:
    """The source and data of the packages that compute a report: a new release is a new digest."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(FORMAT)
    for package in _CODE:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".yaml", ".csv", ".json"}:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for name in OPERATOR_SETTINGS:  # the operator's own routes data changes the routes as a release does
        value = os.environ.get(name, "")
        digest.update(f"\0{name}={value}".encode())
        if name == "SILSON_RELAY_PARTICIPATION" and value and Path(value).is_file():
            digest.update(Path(value).read_bytes())
    return digest.hexdigest()


def inputs_digest(parts: Iterable[object], *, catalogue_version: str, as_of: date, decile: int | None) -> str:
    """sha256 of the report's inputs (JSON of plain values, in the order given) and its context."""
    digest = hashlib.sha256(code_digest().encode())
    head = {"catalogue": catalogue_version, "as_of": as_of.isoformat(), "decile": decile}
    digest.update(json.dumps(head, sort_keys=True).encode())
    for part in parts:
        digest.update(b"\0" + json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


def stored(session: Session, data_key: bytes, person_id: int, inputs: str) -> DiscoverReport | None:
    """The stored report for exactly these inputs, or None."""
    row = session.get(StoredEstimateRow, person_id)
    if row is None or row.inputs != inputs:
        return None
    try:
        report = pickle.loads(open_bytes(data_key, row.report_sealed, FIELD))
    except (CryptoError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, EOFError) as exc:
        log.warning("stored estimate of person %s unreadable (%s): computed again", person_id, type(exc).__name__)
        return None
    return report if isinstance(report, DiscoverReport) else None


def store(
    session: Session, data_key: bytes, person_id: int, inputs: str, report: DiscoverReport, *, now: datetime,
    compute_ms: int,
) -> None:  # fmt: skip
    """Keep `report` as the person's stored estimate: one upsert, so two requests that computed it at
    once both succeed (the later one's identical report wins) instead of one failing on the key."""
    sealed = seal_bytes(data_key, pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL), FIELD)
    values = {"person_id": person_id, "inputs": inputs, "report_sealed": sealed, "computed_at": now,
              "compute_ms": compute_ms}  # fmt: skip
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(StoredEstimateRow).values(**values)
    changed = {k: statement.excluded[k] for k in values if k != "person_id"}
    session.execute(statement.on_conflict_do_update(index_elements=["person_id"], set_=changed))
    session.expire_all()  # a row this session held is now stale


def remembered(
    session: Session, data_key: bytes, person_id: int, inputs: str, compute: Callable[[], DiscoverReport], *,
    now: datetime,
) -> DiscoverReport:  # fmt: skip
    """The stored report for these inputs, or `compute()`'s, stored for next time.

    Right after an import, every request for the person misses until one of them (or the estimate
    job) has stored the new report. Within this process only one computes it: the others wait on the
    person's lock and take its result from a small in-memory table (a request's own transaction does
    not see another's report before that one commits), instead of each spending a second of CPU.
    The table only bridges that gap: one entry per person (their latest inputs), gone after
    BRIDGE_SECONDS; a report (about 1 MB, and a person's data in clear) is not kept longer.
    """
    _forget_older_than(time.monotonic() - BRIDGE_SECONDS)  # on every look, so a quiet server keeps none
    found = stored(session, data_key, person_id, inputs)
    if found is not None:
        return found
    with _STRIPES[person_id % len(_STRIPES)]:
        clock = time.monotonic()
        kept = _RECENT.get(person_id)
        if kept is not None and kept[0] == inputs and clock - kept[1] <= BRIDGE_SECONDS:
            report, elapsed_ms = kept[2], 0
        else:
            started = time.perf_counter()
            report = compute()
            elapsed_ms = round((time.perf_counter() - started) * 1000)
            _RECENT[person_id] = (inputs, time.monotonic(), report)
    store(session, data_key, person_id, inputs, report, now=now, compute_ms=elapsed_ms)
    return report


def _forget_older_than(moment: float) -> None:
    for person_id, (_inputs, at, _report) in list(_RECENT.items()):
        if at < moment:
            _RECENT.pop(person_id, None)


BRIDGE_SECONDS = 30.0  # far longer than a request's transaction, far shorter than a soak's hour
_STRIPES = tuple(threading.Lock() for _ in range(64))
#: person → (inputs, when computed (monotonic), report): the gap between a computation and its commit
_RECENT: dict[int, tuple[str, float, DiscoverReport]] = {}
