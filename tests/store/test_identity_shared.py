"""The identity sandbox whose state is a file (adapters/identity_shared.py): two instances on one file
stand for two worker processes of `silson serve --workers 2`."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from silson.adapters.identity import Identity, Outcome
from silson.adapters.identity_shared import SharedSandboxIdentity

KIM = Identity("김민준", date(1985, 4, 12), "010-4821-7730")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def two_processes(path: Path) -> tuple[SharedSandboxIdentity, SharedSandboxIdentity]:
    return SharedSandboxIdentity([KIM], path=path), SharedSandboxIdentity([KIM], path=path)


class TestSharedSandboxIdentity:
    def test_a_request_made_in_one_process_is_approved_and_verified_in_the_other(self, tmp_path: Path) -> None:
        one, other = two_processes(tmp_path / "ids.db")
        rid = one.request(name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, now=NOW)
        assert other.status(rid, NOW) is Outcome.PENDING
        other.approve(rid, NOW + timedelta(seconds=20))
        assert one.status(rid, NOW + timedelta(seconds=30)) is Outcome.APPROVED
        assert one.verified(rid, NOW + timedelta(seconds=30)) == KIM

    def test_an_approval_is_good_for_five_minutes_from_the_request(self, tmp_path: Path) -> None:
        one, other = two_processes(tmp_path / "ids.db")
        rid = one.request(name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, now=NOW)
        other.approve(rid, NOW)
        assert one.status(rid, NOW + timedelta(minutes=6)) is Outcome.TIMED_OUT
        assert one.verified(rid, NOW + timedelta(minutes=6)) is None

    def test_someone_elses_details_fail_the_same_way_in_every_process(self, tmp_path: Path) -> None:
        one, other = two_processes(tmp_path / "ids.db")
        rid = one.request(name="이서연", birth_date=KIM.birth_date, phone=KIM.phone, now=NOW)  # Kim's phone
        other.approve(rid, NOW)
        assert (one.status(rid, NOW), other.verified(rid, NOW)) == (Outcome.WRONG_DETAILS, None)

    def test_a_newcomer_approved_in_one_process_is_an_account_in_the_other(self, tmp_path: Path) -> None:
        one, other = two_processes(tmp_path / "ids.db")
        rid = one.request(name="박지훈", birth_date=date(1990, 1, 1), phone="010-5555-0101", now=NOW)
        other.approve(rid, NOW)
        # the newcomer's phone now belongs to an account: another name on it is refused
        clash = other.request(name="최영희", birth_date=date(1990, 1, 1), phone="010-5555-0101", now=NOW)
        assert one.status(clash, NOW) is Outcome.WRONG_DETAILS

    def test_an_unknown_request_is_a_key_error_and_the_file_is_the_owners_only(self, tmp_path: Path) -> None:
        one, _other = two_processes(tmp_path / "ids.db")
        with pytest.raises(KeyError):
            one.status("no-such-request", NOW)
        assert stat.S_IMODE((tmp_path / "ids.db").stat().st_mode) == 0o600
