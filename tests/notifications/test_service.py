"""Notifications: each insurer answer tells the customer once, in short Korean with one action; the
sandbox adapter keeps them and the customer's page lists them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.claims import follow
from silson.claims.insurers.port import Acknowledgement
from silson.claims.lifecycle import Role
from silson.notifications import service as notify
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimPackageRow, ClaimRow
from tests.claims.conftest import NOW
from tests.claims.test_follow import answer, released


def test_acknowledgement_and_payment_are_told_once_each_with_one_action(
    sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
) -> None:
    claim, package = released(sessions, master, catalogue)
    with sessions.begin() as s:
        row = s.get(ClaimPackageRow, package)
        assert row is not None
        ack = Acknowledgement("SB00000007", date(2025, 9, 30), False)
        follow.acknowledged(s, master, package=row, ack=ack, now=NOW)
        follow.apply(s, master, catalogue, package_id=package, answer=answer([1_000]), now=NOW)
        follow.apply(s, master, catalogue, package_id=package, answer=answer([1_000]), now=NOW)  # told again
        person = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
        rows = notify.of_person(s, Actor(Role.CUSTOMER, person_id=person), person_id=person)
        told = [(r.kind, r.text, r.action_label, r.action_url) for r in rows]
    assert [k for k, *_ in told] == ["partly_paid", "package_sent", "documents_needed"]
    assert told[1][1] == "현대해상에 청구가 접수됐어요 (SB00000007). 10월 10일까지 지급돼야 해요."
    assert told[0][1].startswith("현대해상에서 1,000원을 지급했어요. 예상보다 ") and told[0][1].endswith("원 적어요.")
    assert told[0][2:] == ("차이 보기", f"/claims/{claim}")
    assert all(len(text) <= 60 for _k, text, *_ in told)


def test_the_customer_reads_them_through_the_api(
    sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
) -> None:
    from fastapi.testclient import TestClient

    from silson.adapters.identity import Identity, SandboxIdentity
    from silson.web.app import Services, create_app

    claim, package = released(sessions, master, catalogue)
    with sessions.begin() as s:
        row = s.get(ClaimPackageRow, package)
        assert row is not None
        follow.acknowledged(
            s, master, package=row, ack=Acknowledgement("SB00000009", date(2025, 9, 30), False), now=NOW
        )
        person = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
    who = Identity("박서연", date(1985, 4, 12), "010-4821-7730")
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([who]), {}), run_jobs=False))
    rid = client.post("/api/auth/requests", json={"name": who.name, "birth_date": "1985-04-12",
                                                  "phone": who.phone}).json()["request_id"]  # fmt: skip
    client.post(f"/api/auth/requests/{rid}/approve")
    token = client.post("/api/auth/sessions", json={"request_id": rid}).json()["token"]
    got = client.get(f"/api/people/{person}/notifications", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(n["kind"], n["text"], n["action_label"], n["action_url"]) for n in got] == [
        ("package_sent", "현대해상에 청구가 접수됐어요 (SB00000009). 10월 10일까지 지급돼야 해요.", "청구 보기",
         f"/claims/{claim}"),
        # 9 of them the customer uploads: relay.route sends an agent only where the trip pays for itself
        ("documents_needed", "현대해상 청구에 서류 18건이 필요해요. 그중 9건은 직접 올려 주세요.", "서류 보기",
         f"/claims/{claim}/documents")]  # fmt: skip
