"""Anchors of the audit chain's head, kept outside the database.

The hash chain (chain.py) shows that entries were changed, removed or reordered *inside* the chain,
but someone who can write the database can also delete its last entries, or recompute every hash of
a rewritten chain. So the head (entry id and hash) is written, after the transaction that appended
it commits, as one signed line of an append-only file beside the data (`audit-anchors.jsonl`): an
HMAC-SHA256 under a key the database does not hold (`SILSON_AUDIT_ANCHOR_KEY`, 64 hex digits, or
the file `audit-anchor.key`, 0600, created on first use). `silson audit verify` then checks every
anchor against the chain: a missing anchored entry means the tail was deleted, a different hash
means the chain was rewritten, a line whose signature fails means the anchor file was edited.

How often: after every commit that appended entries (the session's `after_commit`), so an audited
action is anchored before its request answers; plus a checkpoint of the head read back from the
database, flushed to disk, when the web service stops and at the end of each CLI command that
writes. The file is opened with O_APPEND and each line is one write, so concurrent writers (worker
threads, the job runner, a second process) never interleave within a line; their lines may come in
any order, which is why each anchor is checked on its own rather than as a sequence. Keep the file
append-only at the operating-system level too (`chattr +a`, or ship it off the machine): anchors
that are deleted simply vouch for less.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from silson.errors import SilsonError

ANCHORS_FILE = "audit-anchors.jsonl"
KEY_FILE = "audit-anchor.key"
KEY_ENV = "SILSON_AUDIT_ANCHOR_KEY"
LOG = "silson.audit_anchors"  # session.info: the AnchorLog of the session's database
HEAD = "silson.audit_head"  # session.info: (id, hash) of the newest entry appended in this transaction
log = logging.getLogger(__name__)


class AnchorTampered(SilsonError, ValueError):
    """A line of the anchor file that is not one this service signed."""


@dataclass(frozen=True, slots=True)
class Anchor:
    line: int  # 1-based line of the anchor file
    entry: int  # audit entry id
    hash: str
    at: str


def _load_key(home: Path) -> bytes:
    raw = os.environ.get(KEY_ENV)
    if raw:
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            raise AnchorTampered(f"{KEY_ENV}: not hexadecimal") from None
        if len(key) != 32:
            raise AnchorTampered(f"{KEY_ENV}: an anchor key is 32 bytes (64 hex digits)")
        return key
    path = home / KEY_FILE
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise AnchorTampered(f"{path}: an anchor key is 32 bytes")
        return key
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def _mac(key: bytes, entry: int, digest: str, at: str) -> str:
    payload = json.dumps([1, entry, digest, at], separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AnchorLog:
    """The anchor file of one database and the key its lines are signed with."""

    path: Path
    key: bytes

    @classmethod
    def at(cls, home: Path, name: str = ANCHORS_FILE) -> AnchorLog:
        return cls(home / name, _load_key(home))

    def write(self, *, entry: int, digest: str, durable: bool = False) -> None:
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        line = json.dumps({"v": 1, "entry": entry, "hash": digest, "at": at, "mac": _mac(self.key, entry, digest, at)})
        self._append(line, durable)

    def reset(self, why: str) -> None:
        """A signed line after which earlier anchors no longer bind: a backup was restored, so the
        chain legitimately went back to where the backup left it."""
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        self._append(json.dumps({"v": 1, "reset": why, "at": at, "mac": _mac(self.key, 0, "reset:" + why, at)}), True)

    def _append(self, line: str, durable: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[Anchor]:
        """Every anchor, each signature checked; AnchorTampered names the first bad line."""
        if not self.path.exists():
            return []
        anchors: list[Anchor] = []
        with self.path.open(encoding="utf-8") as lines:
            for number, text in enumerate(lines, start=1):
                if not text.strip():
                    continue
                try:
                    data: dict[str, Any] = json.loads(text)
                    at, mac = str(data["at"]), str(data["mac"])
                    if "reset" in data:
                        entry, digest = 0, "reset:" + str(data["reset"])
                    else:
                        entry, digest = int(data["entry"]), str(data["hash"])
                except (ValueError, KeyError, TypeError):
                    raise AnchorTampered(f"{self.path.name} line {number}: not an anchor") from None
                if not hmac.compare_digest(mac, _mac(self.key, entry, digest, at)):
                    raise AnchorTampered(f"{self.path.name} line {number}: signature does not match (line edited)")
                if entry == 0:
                    anchors.clear()  # a restore: the chain starts again from the backup's head
                else:
                    anchors.append(Anchor(number, entry, digest, at))
        return anchors


def watch(sessions: sessionmaker[Session], anchors: AnchorLog) -> None:
    """Anchor the head after each commit of a session from `sessions` that appended entries."""

    @event.listens_for(sessions, "after_commit")
    def _anchor(session: Session) -> None:
        head = session.info.pop(HEAD, None)
        if head is None:
            return
        try:
            anchors.write(entry=head[0], digest=head[1])
        except OSError:  # the work is committed: refusing the answer now would invite a retry
            log.exception("could not write the audit anchor for entry %s", head[0])

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(HEAD, None)


def note_head(session: Session, entry: int, digest: str) -> None:
    """Called by chain.append: this transaction's newest entry, anchored if it commits."""
    session.info[HEAD] = (entry, digest)
