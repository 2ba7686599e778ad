"""Identity, consent and powers of attorney, family view rights, and the withdrawal timeline walked
with an injected clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.adapters.identity import Identity, Outcome, SandboxIdentity
from silson.audit.chain import verify
from silson.claims import service as claims
from silson.claims.lifecycle import Role, State
from silson.claims.service import cancel_before_submission as cancel
from silson.privacy import consent, family, people, withdrawal
from silson.privacy.consent import Purpose
from silson.privacy.crypto import FileMasterKey
from tests.store.conftest import NOW

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _person(sessions: sessionmaker[Session], master: FileMasterKey, name: str, phone: str, now: datetime = NOW) -> int:
    with sessions.begin() as s:
        return people.register(s, master, name=name, birth_date=date(1985, 4, 12), phone=phone, rrn=None, now=now)


ACCOUNTS = (
    Identity("김민준", date(1985, 4, 12), "010-1234-5678"),
    Identity("이서연", date(1988, 9, 3), "010-2222-3333", former_names=("이서영",)),
)


class TestIdentitySandbox:
    @pytest.mark.parametrize(
        ("name", "birth", "phone", "outcome"),
        [
            ("김민준", date(1985, 4, 12), "01012345678", Outcome.PENDING),
            ("김민쥰", date(1985, 4, 12), "010-1234-5678", Outcome.WRONG_DETAILS),
            ("이서연", date(1988, 9, 3), "010-1234-5678", Outcome.SOMEONE_ELSE),
            ("김민준", date(1985, 4, 12), "010-9999-9999", Outcome.NUMBER_MISMATCH),
            ("이서영", date(1988, 9, 3), "010-2222-3333", Outcome.RENAMED),
        ],
    )
    def test_failure_reasons_of_the_faq(self, name: str, birth: date, phone: str, outcome: Outcome) -> None:
        sandbox = SandboxIdentity(list(ACCOUNTS))
        assert sandbox.status(sandbox.request(name=name, birth_date=birth, phone=phone, now=NOW), NOW) is outcome

    def test_approve_or_time_out(self) -> None:
        sandbox = SandboxIdentity(list(ACCOUNTS))
        approved = sandbox.request(name="김민준", birth_date=date(1985, 4, 12), phone="010-1234-5678", now=NOW)
        sandbox.approve(approved, NOW + timedelta(minutes=1))
        assert sandbox.status(approved, NOW + timedelta(minutes=4)) is Outcome.APPROVED
        assert sandbox.status(approved, NOW + timedelta(minutes=6)) is Outcome.TIMED_OUT  # 5 minutes, approved or not
        waiting = sandbox.request(name="김민준", birth_date=date(1985, 4, 12), phone="010-1234-5678", now=NOW)
        assert sandbox.status(waiting, NOW + timedelta(minutes=4)) is Outcome.PENDING
        assert sandbox.status(waiting, NOW + timedelta(minutes=6)) is Outcome.TIMED_OUT


class TestConsent:
    def test_power_of_attorney_needs_consent_and_dies_with_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _person(sessions, master, "김민준", "010-1234-5678")
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s, pytest.raises(consent.ConsentMissing):
            consent.issue_power_of_attorney(
                s, master, me, person_id=pid, institution_id="1018210117", agent_id="a1", now=NOW
            )
        with sessions.begin() as s:
            consent.grant(s, me, person_id=pid, purpose=Purpose.DOCUMENT_ISSUANCE, version="2026-01", now=NOW)
            waiting = consent.issue_power_of_attorney(
                s, master, me, person_id=pid, institution_id="1018210117", agent_id="a1", now=NOW
            )
            going = consent.issue_power_of_attorney(
                s, master, me, person_id=pid, institution_id="2118700620", agent_id="a2", now=NOW
            )
            consent.agent_sets_out(s, going, NOW)
        with sessions.begin() as s:
            consent.withdraw(s, me, person_id=pid, purpose=Purpose.DOCUMENT_ISSUANCE, now=NOW)
            assert [p.id for p in consent.open_powers(s, pid)] == [going]  # the agent under way finishes
            with pytest.raises(consent.ConsentMissing):
                consent.agent_sets_out(s, waiting, NOW)

    def test_a_newer_text_replaces_the_older_consent(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _person(sessions, master, "김민준", "010-1234-5678")
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            consent.grant(s, me, person_id=pid, purpose=Purpose.DATA_IMPORT, version="v1", now=NOW)
            consent.grant(s, me, person_id=pid, purpose=Purpose.DATA_IMPORT, version="v2", now=NOW)
            current = consent.active(s, pid, Purpose.DATA_IMPORT)
            assert current is not None and current.version == "v2"

    def test_nobody_consents_for_someone_else(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid = _person(sessions, master, "김민준", "010-1234-5678")
        with sessions.begin() as s, pytest.raises(Forbidden):
            consent.grant(
                s,
                Actor(Role.CUSTOMER, person_id=pid + 1),
                person_id=pid,
                purpose=Purpose.DATA_IMPORT,
                version="v1",
                now=NOW,
            )


class TestFamily:
    def test_accepted_member_is_viewable_but_not_claimable(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        parent = _person(sessions, master, "김민준", "010-1234-5678")
        child = _person(sessions, master, "김하은", "010-5555-6666")
        with sessions.begin() as s:
            link = family.invite(s, Actor(Role.CUSTOMER, person_id=parent), inviter_id=parent, member_id=child, now=NOW)
            assert family.viewer(s, parent).views == frozenset()
            with pytest.raises(family.LinkNotFound):  # not his to accept: as if there were none
                family.accept(s, Actor(Role.CUSTOMER, person_id=parent), link_id=link, now=NOW)
            family.accept(s, Actor(Role.CUSTOMER, person_id=child), link_id=link, now=NOW)
            viewer = family.viewer(s, parent)
            assert people.profile(s, master, viewer, child, NOW).name == "김하은"
            with pytest.raises(Forbidden):
                claims.open_claim(s, viewer, person_id=child, insurer="x",
                                  items=[claims.ItemIn("v", "c", date(2026, 1, 1), 1000)], now=NOW)  # fmt: skip


class TestWithdrawalTimeline:
    def test_the_whole_timeline(self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        friday = date(2026, 9, 18)  # 추석 falls on 2026-09-24..26
        pid = _person(sessions, master, "김민준", "010-1234-5678", at(friday))
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            consent.grant(s, me, person_id=pid, purpose=Purpose.DOCUMENT_ISSUANCE, version="v1", now=at(friday))
            started = consent.issue_power_of_attorney(
                s, master, me, person_id=pid, institution_id="1", agent_id="a1", now=at(friday)
            )
            waiting = consent.issue_power_of_attorney(
                s, master, me, person_id=pid, institution_id="2", agent_id="a2", now=at(friday)
            )
            consent.agent_sets_out(s, started, at(friday))
            items = [claims.ItemIn("v", "c", date(2026, 6, 1), 40000)]
            with_insurer = claims.open_claim(s, me, person_id=pid, insurer="현대해상", items=items, now=at(friday))
            draft = claims.open_claim(s, me, person_id=pid, insurer="삼성화재", items=items, now=at(friday))
            for i, to in enumerate([State.IN_REVIEW, State.READY, State.SUBMITTED]):
                claims.move(
                    s,
                    master,
                    REVIEWER,
                    claim_id=with_insurer,
                    to=to,
                    reason="",
                    idempotency_key=f"k{i}",
                    now=at(friday),
                )
            relay = Actor(Role.SYSTEM, staff_id="silson24")
            withdrawal.receive_document(
                s, master, relay, person_id=pid, kind="receipt", content="영수증 원본", now=at(friday)
            )
            with pytest.raises(Forbidden):  # an agent without a power of attorney for this person
                withdrawal.receive_document(s, master, Actor(Role.FIELD_AGENT, staff_id="a9"), person_id=pid,
                                            kind="receipt", content="x", now=at(friday))  # fmt: skip
            with pytest.raises(Forbidden):  # a customer does not deliver documents
                withdrawal.receive_document(s, master, me, person_id=pid, kind="receipt", content="x", now=at(friday))

        # a request that does not match the person is refused and writes nothing
        with sessions.begin() as s, pytest.raises(withdrawal.VerificationFailed):
            withdrawal.request(
                s,
                master,
                person_id=pid,
                name="김민준",
                birth_date=date(1985, 4, 12),
                phone="010-0000-0000",
                now=at(friday),
            )
        with sessions.begin() as s:
            due = withdrawal.request(s, master, person_id=pid, name="김민준", birth_date=date(1985, 4, 12),
                                     phone="01012345678", now=at(friday))  # fmt: skip
        assert due == date(2026, 9, 29)  # 5 business days, weekends and 추석 skipped

        monday = date(2026, 9, 21)
        with sessions.begin() as s:
            assert withdrawal.run_retention(s, at(monday), cancel_claims=partial(cancel, master=master)) == {
                "withdrawals_done": 1,
                "people_erased": 0,
            }
        with sessions.begin() as s:
            assert withdrawal.run_retention(s, at(monday, 11), cancel_claims=partial(cancel, master=master)) == {
                "withdrawals_done": 0,
                "people_erased": 0,
            }  # idempotent
            assert all(consent.active(s, pid, p) is None for p in Purpose)
            assert [p.id for p in consent.open_powers(s, pid)] == [started]  # the agent under way finishes
            assert waiting not in [p.id for p in consent.open_powers(s, pid)]
        with engine.connect() as conn:
            states = dict(conn.execute(text("SELECT id, state FROM claim")).all())
            assert states[with_insurer] == "submitted" and states[draft] == "cancelled"
            assert (
                conn.execute(text("SELECT count(*) FROM document WHERE content_sealed IS NOT NULL")).scalar_one() == 0
            )

        with sessions.begin() as s:  # the agent already under way brings a document: destroyed on arrival
            agent = Actor(Role.FIELD_AGENT, staff_id="a1")  # holds the power of attorney under way
            arrived = withdrawal.receive_document(
                s, master, agent, person_id=pid, kind="receipt", content="x", now=at(date(2026, 9, 30))
            )
            assert arrived is None

        with sessions.begin() as s:
            assert (
                withdrawal.run_retention(s, at(date(2027, 9, 20)), cancel_claims=partial(cancel, master=master))[
                    "people_erased"
                ]
                == 0
            )
        with sessions.begin() as s:
            assert (
                withdrawal.run_retention(s, at(date(2027, 9, 21)), cancel_claims=partial(cancel, master=master))[
                    "people_erased"
                ]
                == 1
            )
        with sessions.begin() as s, pytest.raises(people.PersonErased):
            people.read(s, master, Actor(Role.ADMINISTRATOR, staff_id="a"), pid, at(date(2027, 9, 22)))
        with sessions() as s:
            assert verify(s).ok
