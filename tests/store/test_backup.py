"""Erasure reaches every copy: the keys live apart from the data (their own SQLite file, secure
deletion, the log truncated after each erasure), backups hold the data only, and restoring an old
backup erases again whoever was erased since (privacy/backup.py, store/keystore.py)."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.audit.chain import verify
from silson.claims.lifecycle import Role
from silson.privacy import backup, people, withdrawal
from silson.privacy.crypto import CryptoError, FileMasterKey, open_sealed
from silson.store.db import make_engine, migrate, session_factory
from tests.conftest import ROOT

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ERASED = {"name": "김지움", "phone": "010-4444-0001", "rrn": "900101-1234567"}
KEPT = {"name": "이남음", "phone": "010-4444-0002", "rrn": "910202-2345678"}
DOCUMENT = "영수증: 김지움 2026-10-02 서울내과의원 진료비 48,300원"
SYSTEM = Actor(Role.SYSTEM, staff_id="relay")


def _register(s: Session, master: FileMasterKey, who: dict[str, str]) -> int:
    return people.register(s, master, name=who["name"], birth_date=date(1990, 1, 1), phone=who["phone"],
                           rrn=who["rrn"], now=NOW)  # fmt: skip


def _copy_files(home: Path, to: Path) -> list[Path]:
    """Every file of the data and of the key store as it is on disk now (database, WAL, key store)."""
    to.mkdir()
    copied = []
    for path in sorted(home.glob("silson*.db*")):
        copied.append(Path(shutil.copy2(path, to / path.name)))
    return copied


def _wrapped_keys(key_store: Path) -> dict[int, bytes]:
    """The wrapped keys a copy of the key store holds (its WAL applied, as SQLite reads it)."""
    with sqlite3.connect(f"file:{key_store}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT person_id, wrapped FROM person_key").fetchall()
    conn.close()
    return {int(pid): bytes(wrapped) for pid, wrapped in rows}


def _sealed_of(data_file: Path, person_id: int) -> tuple[bytes, list[bytes]]:
    """A person's sealed name and documents as a copy of the data holds them."""
    with sqlite3.connect(f"file:{data_file}?mode=ro", uri=True) as conn:
        (name,) = conn.execute("SELECT name_sealed FROM person WHERE id = ?", (person_id,)).fetchone()
        docs = [bytes(d) for (d,) in conn.execute("SELECT content_sealed FROM document WHERE person_id = ? AND "
                                                  "content_sealed IS NOT NULL", (person_id,))]  # fmt: skip
    conn.close()
    return bytes(name), docs


def _opens(master: FileMasterKey, keys: dict[int, bytes], person_id: int, data_file: Path) -> bool:
    """Can anything in `keys` open this person's data in `data_file`, with the master key in hand?
    Every wrapped key is tried, not only the one filed under the person."""
    name, docs = _sealed_of(data_file, person_id)
    for owner, wrapped in keys.items():
        try:
            data_key = master.unwrap(wrapped, f"person:{owner}".encode())
            open_sealed(data_key, name, f"person.{person_id}.name")
            return True
        except CryptoError:
            pass
        for doc in docs:
            try:
                open_sealed(data_key, doc, "document")
                return True
            except CryptoError:
                pass
    return False


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def engine(home: Path) -> Engine:
    home.mkdir()
    eng = make_engine(f"sqlite:///{home / 'silson.db'}")
    migrate(eng)
    return eng


class TestErasureReachesEveryCopy:
    def test_no_copy_taken_after_an_erasure_opens_the_persons_data(self, engine: Engine, home: Path,
                                                                   tmp_path: Path) -> None:  # fmt: skip
        master = FileMasterKey(secrets.token_bytes(32))
        sessions = session_factory(engine)
        with sessions.begin() as s:
            gone, kept = _register(s, master, ERASED), _register(s, master, KEPT)
            withdrawal.receive_document(s, master, SYSTEM, person_id=gone, kind="receipt", content=DOCUMENT, now=NOW)
        backup.backup(engine, tmp_path / "before.db")
        before = _copy_files(home, tmp_path / "files-before")
        gone_key = _wrapped_keys(home / "silson-keys.db")[gone]

        with sessions.begin() as s:
            people.erase(s, gone, NOW + timedelta(days=400))
        backup.backup(engine, tmp_path / "after.db")
        after = _copy_files(home, tmp_path / "files-after")

        key_stores_after = [p for p in after if p.name.startswith("silson-keys.db")]
        data_copies = [p for p in [*before, *after] if p.name == "silson.db"]
        data_copies += [tmp_path / "before.db", tmp_path / "after.db"]
        assert {p.name for p in key_stores_after} >= {"silson-keys.db"}
        # the key's bytes are in no file taken after: not the key store, its WAL, the data or a backup
        for path in [*after, tmp_path / "after.db"]:
            assert gone_key not in path.read_bytes(), path.name
        # no backup holds any key, before or after
        for path in (tmp_path / "before.db", tmp_path / "after.db"):
            with sqlite3.connect(path) as conn:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            conn.close()
            assert "person_key" not in tables and "erasure" not in tables
        keys_after = _wrapped_keys(tmp_path / "files-after" / "silson-keys.db")
        assert gone not in keys_after and kept in keys_after
        for data in data_copies:  # every copy of the data, old or new, with the keys as they are now
            assert not _opens(master, keys_after, gone, data), data
            assert _opens(master, keys_after, kept, data), data  # the others stay readable
        # and the test has teeth: the key store as it was before does open the old copies
        assert _opens(master, _wrapped_keys(tmp_path / "files-before" / "silson-keys.db"), gone, tmp_path / "before.db")

    def test_restoring_an_old_backup_erases_the_person_again(self, engine: Engine, home: Path,
                                                             tmp_path: Path) -> None:  # fmt: skip
        master = FileMasterKey(secrets.token_bytes(32))
        sessions = session_factory(engine)
        with sessions.begin() as s:
            gone, kept = _register(s, master, ERASED), _register(s, master, KEPT)
        backup.backup(engine, tmp_path / "old.db")
        with sessions.begin() as s:
            people.erase(s, gone, NOW + timedelta(days=400))
            later = _register(s, master, {"name": "박나중", "phone": "010-4444-0003", "rrn": "920303-1234567"})
        engine.dispose()

        done = backup.restore(engine, tmp_path / "old.db", NOW + timedelta(days=401))

        assert done.erased_again == [gone] and done.keys_dropped == 1  # 박나중 is not in the old backup
        with sessions.begin() as s:
            with pytest.raises(people.PersonErased):
                people.read(s, master, Actor(Role.ADMINISTRATOR, staff_id="a"), gone, NOW)
            assert people.find_by_phone(s, master, ERASED["phone"]) == []
            assert people.read(s, master, Actor(Role.CUSTOMER, person_id=kept), kept, NOW).name == KEPT["name"]
            assert s.execute(text("SELECT count(*) FROM person WHERE id = :i"), {"i": later}).scalar_one() == 0
            verdict = verify(s)
        assert verdict.ok, verdict.reason  # the anchors restart from the backup's head
        # someone registered now may get 박나중's old id: they get a key of their own, and stay
        with sessions.begin() as s:
            new = _register(s, master, {"name": "최새로", "phone": "010-4444-0004", "rrn": "930404-1234567"})
        assert people.read(sessions(), master, Actor(Role.CUSTOMER, person_id=new), new, NOW).name == "최새로"

    def test_backup_and_restore_commands(self, engine: Engine, home: Path, tmp_path: Path) -> None:
        master = FileMasterKey.load_or_create(home / "master.key")
        sessions = session_factory(engine)
        with sessions.begin() as s:
            gone = _register(s, master, ERASED)
        env = {"SILSON_HOME": str(home), "PATH": "/usr/bin:/bin"}
        cmd = [sys.executable, "-m", "silson"]
        made = subprocess.run([*cmd, "backup", str(tmp_path / "b.db")], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=60)  # fmt: skip
        assert made.returncode == 0 and "키 저장소 제외" in made.stdout, made.stderr
        again = subprocess.run([*cmd, "backup", str(tmp_path / "b.db")], capture_output=True, text=True, cwd=ROOT,
                               env=env, timeout=60)  # fmt: skip
        assert again.returncode == 2 and "dest:" in again.stderr
        with sessions.begin() as s:
            people.erase(s, gone, NOW)
        engine.dispose()
        back = subprocess.run([*cmd, "restore", str(tmp_path / "b.db")], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=60)  # fmt: skip
        assert back.returncode == 0 and "다시 적용 1명" in back.stdout, back.stderr
        verified = subprocess.run([*cmd, "audit", "verify"], capture_output=True, text=True, cwd=ROOT, env=env,
                                  timeout=60)  # fmt: skip
        assert verified.returncode == 0, verified.stderr


class TestKeysMoveOutOfOlderDatabases:
    def test_keys_held_with_the_data_move_to_the_key_store_and_stay_readable(
        self, engine: Engine, home: Path, sessions: sessionmaker[Session] | None = None
    ) -> None:
        master = FileMasterKey(secrets.token_bytes(32))
        made = session_factory(engine)
        with made.begin() as s:
            kept, gone = _register(s, master, KEPT), _register(s, master, ERASED)
        with engine.begin() as conn:  # as a database from before the key store held them
            conn.execute(text("CREATE TABLE main.person_key (person_id INTEGER PRIMARY KEY, wrapped BLOB NOT NULL)"))
            conn.execute(text("INSERT INTO main.person_key SELECT person_id, wrapped FROM keystore.person_key"))
            conn.execute(text("DELETE FROM keystore.person_key"))
            # and one of them was erased since (a restored old backup still holds their key)
            conn.execute(text("INSERT INTO keystore.erasure (person_id, erased_at) VALUES (:p, :at)"),
                         {"p": gone, "at": NOW})  # fmt: skip
        migrate(engine)
        with made.begin() as s:
            assert people.read(s, master, Actor(Role.CUSTOMER, person_id=kept), kept, NOW).name == KEPT["name"]
            with pytest.raises(people.PersonErased):
                people.read(s, master, Actor(Role.CUSTOMER, person_id=gone), gone, NOW)
        with sqlite3.connect(home / "silson.db") as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
        assert "person_key" not in tables
