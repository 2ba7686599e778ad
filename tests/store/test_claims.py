"""Claim lifecycle through the service: allowed moves, the wrong role and the wrong person,
idempotent replays, all-or-nothing transactions, and the audit chain that records them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden, Share
from silson.audit.chain import verify
from silson.claims import service
from silson.claims.lifecycle import TRANSITIONS, Role, State, TransitionError, check_move
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from tests.store.conftest import NOW

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
SYSTEM = Actor(Role.SYSTEM, staff_id="insurer-adapter")
ITEMS = [service.ItemIn("v1", "c1", date(2026, 6, 2), 40000)]


@pytest.fixture
def person(sessions: sessionmaker[Session], master: FileMasterKey) -> int:
    with sessions.begin() as s:
        return people.register(
            s, master, name="이서연", birth_date=date(1988, 9, 3), phone="010-2222-3333", rrn=None, now=NOW
        )


def _open(sessions: sessionmaker[Session], person: int) -> int:
    with sessions.begin() as s:
        return service.open_claim(s, Actor(Role.CUSTOMER, person_id=person), person_id=person, insurer="현대해상",
                                  items=ITEMS, now=NOW)  # fmt: skip


def _move(
    sessions: sessionmaker[Session], master: FileMasterKey, actor: Actor, claim: int, to: State, key: str
) -> State:
    with sessions.begin() as s:
        return service.move(s, master, actor, claim_id=claim, to=to, reason="test", idempotency_key=key, now=NOW)


def _state(engine: Engine, claim: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT state FROM claim WHERE id = :i"), {"i": claim}).scalar_one())


class TestLifecycle:
    def test_a_claim_walks_to_paid_and_closed(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        path = [
            (Actor(Role.CUSTOMER, person_id=person), State.DOCUMENTS_REQUESTED),
            (Actor(Role.FIELD_AGENT, staff_id="agent-7"), State.DOCUMENTS_RECEIVED),
            (REVIEWER, State.IN_REVIEW), (REVIEWER, State.READY), (REVIEWER, State.SUBMITTED),
            (SYSTEM, State.ACKNOWLEDGED), (SYSTEM, State.PAID), (SYSTEM, State.CLOSED),
        ]  # fmt: skip
        for i, (actor, to) in enumerate(path):
            assert _move(sessions, master, actor, claim, to, f"k{i}") is to
        assert _state(engine, claim) == "closed"
        with sessions() as s:
            verdict = verify(s)
        assert verdict.ok and verdict.entries == 2 + len(path)  # registered, opened, moves

    def test_no_cancelling_once_with_the_insurer(
        self, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        for i, to in enumerate([State.IN_REVIEW, State.READY, State.SUBMITTED]):
            _move(sessions, master, REVIEWER, claim, to, f"k{i}")
        with pytest.raises(TransitionError, match="submitted to cancelled"):
            _move(sessions, master, Actor(Role.CUSTOMER, person_id=person), claim, State.CANCELLED, "cancel")

    def test_every_listed_move_names_who_may_make_it(self) -> None:
        for (frm, to), roles in TRANSITIONS.items():
            assert roles, (frm, to)
            for role in roles:
                check_move(frm, to, role)
            assert Role.FAMILY_VIEWER not in roles


class TestWrongActor:
    def test_another_customer_cannot_open_a_claim_for_you(
        self, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        with sessions.begin() as s, pytest.raises(Forbidden):
            service.open_claim(
                s, Actor(Role.CUSTOMER, person_id=person + 1), person_id=person, insurer="x", items=ITEMS, now=NOW
            )

    def test_family_viewer_never_files_or_moves(
        self, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        viewer = Actor(Role.FAMILY_VIEWER, person_id=person + 1, views=frozenset({person}))
        with sessions.begin() as s, pytest.raises(Forbidden):
            service.open_claim(s, viewer, person_id=person, insurer="x", items=ITEMS, now=NOW)
        claim = _open(sessions, person)
        with pytest.raises(LookupError):  # claims are not shared with him: to him there is none (issue 14)
            _move(sessions, master, viewer, claim, State.CANCELLED, "k")
        shown = Actor(Role.FAMILY_VIEWER, person_id=person + 1, views=frozenset({person}),
                      shares=frozenset({(person, Share.DIAGNOSES)}))  # fmt: skip
        with pytest.raises(Forbidden):  # shared with him: he sees it, and still may not move it
            _move(sessions, master, shown, claim, State.CANCELLED, "k")

    def test_another_customer_cannot_cancel_your_claim(
        self, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        with pytest.raises(LookupError):  # someone else's claim is answered like a missing one
            _move(sessions, master, Actor(Role.CUSTOMER, person_id=person + 1), claim, State.CANCELLED, "k")

    def test_customer_cannot_submit(self, sessions: sessionmaker[Session], master: FileMasterKey, person: int) -> None:
        claim = _open(sessions, person)
        for i, to in enumerate([State.IN_REVIEW, State.READY]):
            _move(sessions, master, REVIEWER, claim, to, f"k{i}")
        with pytest.raises(TransitionError, match="customer may not"):
            _move(sessions, master, Actor(Role.CUSTOMER, person_id=person), claim, State.SUBMITTED, "x")


class TestTransactions:
    def test_replaying_a_move_changes_nothing(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        assert _move(sessions, master, REVIEWER, claim, State.IN_REVIEW, "same") is State.IN_REVIEW
        assert _move(sessions, master, REVIEWER, claim, State.IN_REVIEW, "same") is State.IN_REVIEW
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM claim_transition")).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'claim.moved'")).scalar_one() == 1

    def test_a_key_reused_for_another_move_is_refused(
        self, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        _move(sessions, master, REVIEWER, claim, State.IN_REVIEW, "k")
        with pytest.raises(ValueError, match="was used for a move to in_review"):
            _move(sessions, master, REVIEWER, claim, State.READY, "k")

    def test_a_refused_move_leaves_no_trace(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        with pytest.raises(TransitionError):
            _move(sessions, master, REVIEWER, claim, State.PAID, "k")
        assert _state(engine, claim) == "draft"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one() == before
            assert conn.execute(text("SELECT count(*) FROM claim_transition")).scalar_one() == 0

    def test_bad_item_amount_opens_nothing(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        with sessions.begin() as s, pytest.raises(ValueError, match=r"items\[0\].amount"):
            service.open_claim(s, Actor(Role.CUSTOMER, person_id=person), person_id=person, insurer="x",
                               items=[service.ItemIn("v", "c", date(2026, 1, 1), -1)], now=NOW)  # fmt: skip
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM claim")).scalar_one() == 0


class TestAuditChain:
    def test_changing_an_entry_is_detected(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        _move(sessions, master, REVIEWER, claim, State.IN_REVIEW, "k")
        with engine.begin() as conn:
            conn.execute(
                text(
                    'UPDATE audit_entry SET detail = \'{"from": "draft", "to": "paid"}\' WHERE action = \'claim.moved\''
                )
            )
        with sessions() as s:
            verdict = verify(s)
        assert not verdict.ok and "changed" in verdict.reason

    def test_removing_an_entry_is_detected(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, person: int
    ) -> None:
        claim = _open(sessions, person)
        _move(sessions, master, REVIEWER, claim, State.IN_REVIEW, "k")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry WHERE action = 'claim.opened'"))
        with sessions() as s:
            verdict = verify(s)
        assert not verdict.ok and "removed" in verdict.reason
