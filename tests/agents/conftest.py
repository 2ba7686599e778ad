"""Field-agent tests run on the store's databases (SQLite and PostgreSQL). `world` builds two people
who consented to document issuance, two agents, and a claim of 김민준's with visits at two
institutions whose documents the checklist routes to an agent."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.agents import service
from silson.claims import checklist, events
from silson.claims import service as claims
from silson.claims.lifecycle import Role
from silson.claims.service import ItemIn
from silson.discover.providers import ProviderDirectory
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from tests.store.conftest import NOW, engine, master, sessions

__all__ = ["NOW", "engine", "master", "sessions"]

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
ADMIN = Actor(Role.ADMINISTRATOR, staff_id="admin-1")
AGENT_A = Actor(Role.FIELD_AGENT, staff_id="agent-a")
AGENT_B = Actor(Role.FIELD_AGENT, staff_id="agent-b")
CLINIC = {"kind": "clinic", "name": "연세가정의원", "code": "1234567890"}
PHARMACY = {"kind": "pharmacy", "name": "온누리약국", "code": "2234567890"}


def signature_png() -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (60, 20), (120, 70), (200, 25), (280, 60)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def id_copy_jpeg() -> bytes:
    image = Image.new("RGB", (340, 214), (230, 236, 245))
    ImageDraw.Draw(image).rectangle([(20, 40), (110, 160)], outline="gray", width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


@dataclass(frozen=True)
class World:
    kim: int
    lee: int
    claim: int
    visits: tuple[int, ...]


def person(s: Session, master: FileMasterKey, name: str, phone: str) -> int:
    pid = people.register(s, master, name=name, birth_date=date(1985, 4, 12), phone=phone, rrn="850412-1234567",
                          now=NOW)  # fmt: skip
    consent.grant(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, purpose=consent.Purpose.DOCUMENT_ISSUANCE,
                  version="2026-01", now=NOW)  # fmt: skip
    return pid


def world(sessions: sessionmaker[Session], master: FileMasterKey) -> World:
    with sessions.begin() as s:
        kim = person(s, master, "김민준", "010-4821-7730")
        lee = person(s, master, "이서연", "010-3377-9182")
        service.register_agent(s, ADMIN, staff_id="agent-a", name="정현장", birth_date=date(1980, 2, 2),
                               phone="010-7000-0001", areas="서울 마포구", now=NOW)  # fmt: skip
        service.register_agent(s, ADMIN, staff_id="agent-b", name="최대리", birth_date=date(1982, 3, 3),
                               phone="010-7000-0002", areas="서울 강남구", now=NOW)  # fmt: skip
        claim = claims.open_claim(s, REVIEWER, person_id=kim, insurer="삼성화재", now=NOW, items=[
            ItemIn(event_ref="v1", contract_ref="c1", event_date=date(2024, 6, 1), amount=0),
        ])  # fmt: skip
        visits = []
        for day, place, kind, amounts in (
            ("2024-06-01", CLINIC, "outpatient", {"covered_copay": 15000, "noncovered": 10000}),
            ("2024-06-20", CLINIC, "outpatient", {"covered_copay": 9000, "noncovered": 0}),
            ("2024-06-01", PHARMACY, "prescription", {"covered_copay": 4000, "noncovered": 0}),
        ):
            event = {"kind": kind, "date": day, "cause": "disease", "kcd": ["J06.9"], "institution": place, **amounts}
            visits.append(events.add(s, master, REVIEWER, claim_id=claim, event=event, now=NOW))
        for row in checklist.checklist(s, master, ProviderDirectory.load(), REVIEWER, claim_id=claim, now=NOW):
            if checklist.load_table().documents[row.code]["from"] == "provider":
                row.route = "agent"  # the route choice (relay.plan) sends these visits to an agent
    return World(kim, lee, claim, tuple(visits))


def tasks_signed(sessions: sessionmaker[Session], master: FileMasterKey, w: World) -> list[int]:
    """The claim's agent tasks, all for agent A, signed by 김민준."""
    with sessions.begin() as s:
        ids = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW,
                                     areas={"1234567890": "서울 마포구", "2234567890": "서울 마포구"})  # fmt: skip
    me = Actor(Role.CUSTOMER, person_id=w.kim)
    with sessions.begin() as s:
        for tid in ids:
            service.sign(s, master, me, task_id=tid, signature_png=signature_png(), id_copy=id_copy_jpeg(), now=NOW)
    return ids
