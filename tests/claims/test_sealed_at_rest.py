"""Issue 14: what people, staff and insurers write about a person's claims (the reason of a move, why
a denied item is filed again, the insurer's reason for a delay) and where the person is treated (the
institution of a 위임장) were stored in clear and survived erasure. Now they are sealed under the
person's key: a copy of the database shows none of them, those allowed still read them through the
API and the pages, and after erasure nobody can."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.identity import Identity, SandboxIdentity
from silson.agents import service as agent_service
from silson.claims import checklist, follow
from silson.claims import service as claims
from silson.claims.insurers.port import Acknowledgement, Answer, Delay
from silson.claims.lifecycle import Role, State
from silson.jobs import outbox
from silson.jobs.tasks import seal_upload
from silson.privacy import at_rest, consent, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store import keystore, repository
from silson.store.models import ClaimPackageRow, ClaimRow, JobRow
from silson.web.app import create_app
from silson.web.deps import Services
from tests.agents.conftest import AGENT_A, tasks_signed, world
from tests.claims.conftest import NOW, person_with_estimate
from tests.claims.test_follow import released
from tests.claims.test_release import DIRECTORY, REVIEWER, claim_with_visits
from tests.store.at_revision import every_value
from tests.store.test_api import SECRET, sign_in, staff
from tests.store.test_api_trust import _page_session

ROOT = Path(__file__).resolve().parents[2]
PARK = Identity("박서연", date(1985, 4, 12), "010-4821-7730")  # the person claim_with_visits makes
MOVE_REASON = "고객 통화: 박서연 님이 서류를 다시 보내기로 함"
DELAY_REASON = "의료자문 필요: 연세가정의원 도수치료 12회 적정성"
RECLAIM_REASON = "세부내역서를 새로 받아 비급여 항목을 다시 냄"
INSTITUTION = "2118700620"
SECRETS = (MOVE_REASON, DELAY_REASON, RECLAIM_REASON, INSTITUTION)


def _story(sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue) -> tuple[int, int, int]:
    """A released claim the insurer acknowledged and delayed, a second claim a reviewer moved with a
    note and that files a denied item again, and a 위임장 for one institution."""
    claim, package = released(sessions, master, catalogue)
    with sessions.begin() as s:
        row = s.get(ClaimPackageRow, package)
        assert row is not None
        follow.acknowledged(s, master, package=row, ack=Acknowledgement("SB1", date(2025, 9, 30), False), now=NOW)
        delay = Delay(date(2025, 10, 20), date(2025, 11, 30), DELAY_REASON, None)
        follow.apply(s, master, catalogue, package_id=package, answer=Answer("delay_notified", delay=delay), now=NOW)
        pid = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
        me = Actor(Role.CUSTOMER, person_id=pid)
        key = people.data_key(s, master, pid)
        item = claims.ItemIn("v9", "contract:1", date(2025, 3, 2), 10_000, reclaim_of=claim,
                             reclaim_reason_sealed=at_rest.seal_text(key, at_rest.RECLAIM_REASON, RECLAIM_REASON))  # fmt: skip
        second = claims.open_claim(s, me, person_id=pid, insurer="현대해상", items=[item], now=NOW)
        claims.move(s, master, REVIEWER, claim_id=second, to=State.IN_REVIEW, reason=MOVE_REASON,
                    idempotency_key="note", now=NOW)  # fmt: skip
        consent.issue_power_of_attorney(s, master, me, person_id=pid, institution_id=INSTITUTION, agent_id="a1",
                                        now=NOW)  # fmt: skip
    return pid, claim, second


def _client(sessions: sessionmaker[Session], master: FileMasterKey) -> TestClient:
    services = Services(sessions, master, SandboxIdentity([PARK]), {"rev": (Role.REVIEWER, SECRET)})
    return TestClient(create_app(services))  # type: ignore[arg-type]


class TestSealedAtRest:
    def test_a_copy_of_the_database_holds_none_of_it_before_or_after_erasure(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue,
        tmp_path: Path,
    ) -> None:  # fmt: skip
        pid, _claim, _second = _story(sessions, master, catalogue)
        for secret in SECRETS:
            assert secret.encode() not in every_value(engine), f"{secret!r} is stored in clear"
        with sessions.begin() as s:
            people.erase(s, pid, NOW)
        copy = every_value(engine)
        for secret in SECRETS:
            assert secret.encode() not in copy, f"{secret!r} survives erasure"
        if engine.dialect.name == "sqlite":  # the file itself, freed pages included
            keystore.checkpoint(engine, schema="main")
            raw = b"".join(f.read_bytes() for f in sorted(tmp_path.glob("silson*.db*")))
            for secret in SECRETS:
                assert secret.encode() not in raw, f"{secret!r} is in the raw file"

    def test_those_allowed_read_it_through_the_api_and_the_pages(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        _pid, claim, second = _story(sessions, master, catalogue)
        client = _client(sessions, master)
        rev = staff(client, "rev")
        moves = client.get(f"/api/claims/{second}", headers=rev).json()["transitions"]
        assert [m["reason"] for m in moves] == [MOVE_REASON]
        trail = client.get(f"/api/claims/{second}/audit", headers=rev).json()
        assert [a["detail"]["reason"] for a in trail if a["action"] == "claim.moved"] == [MOVE_REASON]
        park = sign_in(client, PARK)
        assert [m["reason"] for m in client.get(f"/api/claims/{second}", headers=park).json()["transitions"]] == [
            MOVE_REASON
        ]
        _page_session(client, park)
        assert DELAY_REASON in client.get(f"/claims/{claim}/documents").text  # the customer's claim page
        _page_session(client, rev)
        assert f"메모: {MOVE_REASON}" in client.get(f"/review/claims/{second}").text  # the reviewer's audit list

    def test_after_erasure_nobody_can_open_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid, _claim, second = _story(sessions, master, catalogue)
        with sessions.begin() as s:
            people.erase(s, pid, NOW)
        with sessions.begin() as s:
            with pytest.raises(people.PersonErased):  # the claim's own data answers 410 (gone)
                claims.claim_detail(s, Services(sessions, master, SandboxIdentity([]), {}), REVIEWER, second, NOW)
            key = people.data_key_or_none(s, master, pid)
            assert key is None  # the master key alone opens nothing of theirs
            moves = repository.transitions_of(s, second)
            assert [at_rest.open_text(key, at_rest.TRANSITION_REASON, t.reason_sealed) for t in moves] == [
                at_rest.ERASED
            ]
            trail = claims.claim_audit(s, master, REVIEWER, second)  # staff see that a move was made, not why
            assert [a.detail for a in trail if a.action == "claim.moved"] == [{"sealed": "삭제된 회원의 기록"}]
            assert all(MOVE_REASON not in str(a.detail) for a in trail)


# what was still in clear after the first pass (#14): the reason a reviewer gives for marking a
# document 필요 없음, where a field agent says they checked in, and the error of an import job
MARK_REASON = "박서연 님 통화: 비급여 진료 없었다고 함"
CHECKIN_PLACE = "3층 원무과, 김민준 님 보호자와 함께"
QUOTED = "850412-1234567"  # a 주민등록번호 in a refused contract list, quoted by the error


def _clean(engine: Engine, tmp_path: Path, *secrets: str) -> None:
    """None of `secrets` in any table, nor (SQLite) in the raw file, freed pages included."""
    copy = every_value(engine)
    for secret in secrets:
        assert secret.encode() not in copy, f"{secret!r} is stored in clear"
    if engine.dialect.name == "sqlite":
        keystore.checkpoint(engine, schema="main")
        raw = b"".join(f.read_bytes() for f in sorted(tmp_path.glob("silson*.db*")))
        for secret in secrets:
            assert secret.encode() not in raw, f"{secret!r} is in the raw file"


class TestSealedAtRestToo:
    def test_the_reason_a_document_is_not_needed_is_sealed_and_read_by_staff(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue,
        tmp_path: Path,
    ) -> None:  # fmt: skip
        claim = claim_with_visits(sessions, master, catalogue)
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
            itemized = next(r for r in rows if r.code == "ITEMIZED")
            checklist.mark(s, master, REVIEWER, document_id=itemized.id, state=checklist.DocState.NOT_NEEDED,
                           reason=MARK_REASON, now=NOW)  # fmt: skip
            pid = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
        _clean(engine, tmp_path, MARK_REASON)
        client = _client(sessions, master)
        trail = client.get(f"/api/claims/{claim}/audit", headers=staff(client, "rev")).json()
        marked = [a["detail"] for a in trail if a["action"] == "claim.document_marked"]
        assert [(d["code"], d["to"], d["reason"]) for d in marked] == [("ITEMIZED", "not_needed", MARK_REASON)]
        with sessions.begin() as s:
            people.erase(s, pid, NOW)
        with sessions.begin() as s:  # staff still see that it was marked, not why
            shown = claims.claim_audit(s, master, REVIEWER, claim)
            assert [a.detail for a in shown if a.action == "claim.document_marked"] == [
                {"sealed": "삭제된 회원의 기록"}
            ]
        _clean(engine, tmp_path, MARK_REASON)

    def test_where_an_agent_checked_in_is_sealed_and_shown_to_the_agent(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: Path
    ) -> None:
        w = world(sessions, master)
        task = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            agent_service.check_in(s, master, AGENT_A, task_id=task, place=CHECKIN_PLACE, now=NOW)
        with sessions.begin() as s:
            assert agent_service.agent_task(s, master, AGENT_A, task_id=task, now=NOW).checkin_place == CHECKIN_PLACE
            trail = repository.audit_of(s, "agent_task", str(task))
            checked_in = [json.loads(a.detail) for a in trail if a.action == "agent_task.checked_in"]
            key = people.data_key(s, master, w.kim)
        assert [at_rest.open_detail(key, "agent_task", str(task), d) for d in checked_in] == [{"place": CHECKIN_PLACE}]
        _clean(engine, tmp_path, CHECKIN_PLACE)
        with sessions.begin() as s:
            people.erase(s, w.kim, NOW)
        _clean(engine, tmp_path, CHECKIN_PLACE)

    def test_a_failed_import_keeps_where_the_file_is_wrong_not_what_it_says(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: Path
    ) -> None:
        pid = person_with_estimate(sessions, master, name="박서연")
        listed = json.loads((ROOT / "examples" / "family" / "contracts.json").read_text())
        listed["contracts"][0]["start"] = QUOTED  # refused by the job, as a file that got past older checks
        with sessions.begin() as s:
            key = people.data_key(s, master, pid)
            job = outbox.enqueue(s, kind="import.upload", key="bad-start", now=NOW, payload={
                "person_id": pid, "kind": "contracts_json",
                "file": seal_upload(key, json.dumps(listed, ensure_ascii=False).encode())})  # fmt: skip
        outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master))
        with sessions.begin() as s:
            row = s.get(JobRow, job)
            assert row is not None and row.state == "failed"
            # staff see which error, and where in which file: enough to tell the person what to fix
            assert row.last_error == "ContractListError (invalid_input) upload: contracts[0].start"
        _clean(engine, tmp_path, QUOTED)
        client = _client(sessions, master)
        park = sign_in(client, PARK)
        shown = client.get(f"/api/jobs/{job}", headers=park).json()
        assert shown["state"] == "failed" and "contracts[0].start" in shown["error"] and QUOTED not in shown["error"]
