"""The demo: an operator's staff, a customer family and their data, seeded into SILSON_HOME.

`silson demo --no-serve` seeds it; `silson demo --show-pii` prints every personal datum of the demo,
one per line, so a test can search the stored files for it (none may appear in plaintext)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from silson.access import Actor, Role
from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import read_hometax
from silson.claims import events
from silson.claims import service as claims
from silson.claims.lifecycle import State
from silson.privacy import consent, family, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store import repository
from silson.store.db import make_engine, migrate, session_factory, silson_home

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "family"
FAMILY = (
    {"name": "김민준", "birth_date": date(1985, 4, 12), "phone": "010-4821-7730", "rrn": "850412-1234567"},
    {"name": "이서연", "birth_date": date(1988, 9, 3), "phone": "010-3377-9182", "rrn": "880903-2345678"},
)
POLICIES = ("HI-2017-000123", "SF-2022-778812")


def visit(kind: str, day: str, institution: str, kcd: str, covered_copay: int, noncovered: int) -> dict[str, object]:
    """A synthetic visit in the case format, as a receipt would give it."""
    return {"kind": kind, "date": day, "cause": "disease", "kcd": [kcd], "institution": {"kind": institution},
            "covered_copay": covered_copay, "noncovered": noncovered}  # fmt: skip


def pii_lines() -> list[str]:
    lines: list[str] = []
    for member in FAMILY:
        lines += [str(member["name"]), str(member["phone"]), str(member["rrn"]), str(member["birth_date"])]
        lines.append(str(member["phone"]).replace("-", ""))
        lines.append(str(member["rrn"]).replace("-", ""))
    return lines + list(POLICIES)


def seed(now: datetime | None = None) -> dict[str, int]:
    """Seed the demo into SILSON_HOME (an existing demo is left as it is)."""
    now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    home = silson_home()
    master = FileMasterKey.load_or_create(home / "master.key")
    engine = make_engine()
    migrate(engine)
    sessions = session_factory(engine)
    catalogue = load_catalogue()
    hometax_path, contracts_path = EXAMPLES / "hometax-2023-2025.xml", EXAMPLES / "contracts.json"
    data, listed = read_hometax(hometax_path), read_contract_list(contracts_path)
    with sessions.begin() as s:
        existing = people.find_by_phone(s, master, str(FAMILY[0]["phone"]))
        if existing:
            return {"people": 0}
        ids = []
        for member in FAMILY:
            pid = people.register(s, master, name=str(member["name"]), birth_date=member["birth_date"],  # type: ignore[arg-type]
                                  phone=str(member["phone"]), rrn=str(member["rrn"]), now=now)  # fmt: skip
            me = Actor(Role.CUSTOMER, person_id=pid)
            for purpose in consent.Purpose:
                consent.grant(s, me, person_id=pid, purpose=purpose, version="2026-01", now=now)
            name = str(member["name"])
            tax_digest = imports.file_hash(hometax_path.read_bytes())
            list_digest = imports.file_hash(contracts_path.read_bytes())
            imports.import_hometax(s, master, me, person_id=pid, name=name, data=data, digest=tax_digest, now=now)
            imports.import_contracts(
                s, master, catalogue, me, person_id=pid, name=name, contracts=listed, digest=list_digest, now=now
            )
            ids.append(pid)
        kim, lee = ids
        link = family.invite(s, Actor(Role.CUSTOMER, person_id=kim), inviter_id=kim, member_id=lee, now=now)
        family.accept(s, Actor(Role.CUSTOMER, person_id=lee), link_id=link, now=now)
        me = Actor(Role.CUSTOMER, person_id=kim)

        def refs(pid: int) -> tuple[str, str]:
            """Claim items point at stored rows by id: no policy number or provider name in clear."""
            spending = repository.spending_of(s, pid)[0].id
            contract = repository.contracts_of(s, pid)[0].id
            return f"spending:{spending}", f"contract:{contract}"

        reviewer = Actor(Role.REVIEWER, staff_id="demo-reviewer")
        item = [claims.ItemIn(*refs(kim), date(2024, 6, 2), 132000)]
        claim = claims.open_claim(s, me, person_id=kim, insurer="현대해상", items=item, now=now)
        events.add(s, master, reviewer, claim_id=claim, event=visit("outpatient", "2024-06-02", "clinic", "J06.9",
                                                                    12_000, 120_000), now=now)  # fmt: skip
        for i, to in enumerate([State.IN_REVIEW, State.READY, State.SUBMITTED]):
            claims.move(s, master, reviewer, claim_id=claim, to=to, reason="demo", idempotency_key=f"demo-{i}", now=now)
        item = [claims.ItemIn(*refs(kim), date(2025, 8, 11), 224_800)]
        back = claims.open_claim(s, me, person_id=kim, insurer="현대해상", items=item, now=now)
        events.add(s, master, reviewer, claim_id=back, event=visit("outpatient", "2025-08-11", "hospital", "M54.5",
                                                                   35_000, 180_000), now=now)  # fmt: skip
        events.add(s, master, reviewer, claim_id=back, event=visit("prescription", "2025-08-11", "pharmacy", "M54.5",
                                                                   9_800, 0), now=now)  # fmt: skip
        for i, to in enumerate([State.DOCUMENTS_REQUESTED, State.DOCUMENTS_RECEIVED]):
            claims.move(s, master, reviewer, claim_id=back, to=to, reason="demo", idempotency_key=f"demo-b{i}", now=now)
        lee_claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=lee), person_id=lee, insurer="삼성화재",
                                      items=[claims.ItemIn(*refs(lee), date(2025, 3, 3), 412397)],
                                      now=now)  # fmt: skip
        events.add(s, master, reviewer, claim_id=lee_claim, now=now,
                   event=visit("outpatient", "2025-03-03", "general_hospital", "K21.0", 62_397, 350_000))  # fmt: skip
    return {"people": len(FAMILY)}
