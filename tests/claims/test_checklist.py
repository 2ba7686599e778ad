"""The documents checklist: the rule table as data (bands, 비급여, insurer overrides), the route of
each document (실손24 where the provider takes part and the visit is recent enough, a field agent,
the customer's upload), and the reviewer's marks, audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.claims import checklist, start
from silson.claims.lifecycle import Role
from silson.discover.providers import ProviderDirectory
from silson.privacy import at_rest, people
from silson.privacy.crypto import FileMasterKey
from silson.relay import plan
from silson.rules.catalogue import Catalogue
from silson.store import repository as store
from silson.store.models import ClaimRow
from tests.claims.conftest import NOW, person_with_estimate

DIRECTORY = ProviderDirectory.load()
REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
SEOUL_GENERAL = "1048145285"  # 서울중앙병원: 종합병원, 실손24 (discover/data/providers.csv)


def visit(amount_noncovered: int, copay: int, *, kind: str = "outpatient", day: str = "2025-03-02",
          code: str = SEOUL_GENERAL, place: str = "general_hospital") -> dict[str, Any]:  # fmt: skip
    return {"kind": kind, "date": day, "cause": "disease", "institution": {"kind": place, "code": code},
            "covered_copay": copay, "noncovered": amount_noncovered}  # fmt: skip


def codes(insurer: str, event: dict[str, Any]) -> dict[str, str]:
    found = checklist.needs(checklist.load_table(), insurer=insurer, claim_facts=set(), visits=[("e1", event)],
                            items=[], contracts=["contract:1"], directory=DIRECTORY)  # fmt: skip
    return {n.code: n.route.value for n in found if n.subject == "e1"}


class TestRuleTable:
    def test_industry_bands_for_outpatient_visits(self) -> None:
        assert set(codes("삼성화재", visit(0, 25_000))) == {"RECEIPT"}
        assert set(codes("삼성화재", visit(0, 60_000))) == {"RECEIPT", "RX_KCD"}
        assert set(codes("삼성화재", visit(90_000, 60_000))) == {"RECEIPT", "DIAG_DOC", "ITEMIZED"}

    def test_hyundai_overrides_the_bands_and_the_itemised_bill_threshold(self) -> None:
        assert set(codes("현대해상", visit(0, 60_000))) == {"RECEIPT", "CODE_DOC"}  # no 10만원 step, no 처방전 row
        assert set(codes("현대해상", visit(40_000, 20_000))) == {"RECEIPT", "CODE_DOC"}  # 비급여 < 5만원
        assert set(codes("현대해상", visit(50_000, 20_000))) == {"RECEIPT", "CODE_DOC", "ITEMIZED"}

    def test_inpatient_needs_the_discharge_receipt_and_a_diagnosis(self) -> None:
        stay = {**visit(0, 400_000, kind="inpatient"), "discharge": "2025-03-05"}
        assert set(codes("삼성화재", stay)) == {"RECEIPT_DISCHARGE", "DIAG_OR_ADMIT"}

    def test_every_rule_names_its_source_section(self) -> None:
        assert all(r.source.startswith("§1.") for r in checklist.load_table().rules)

    def test_an_override_of_an_unknown_rule_is_refused_at_load(self) -> None:
        raw = yaml.safe_load(Path(checklist.__file__).with_name("data").joinpath("documents.yaml").read_text("utf-8"))
        raw["rules"].append({"id": "x", "scope": "visit", "insurer": "A", "requires": ["RECEIPT"], "source": "§1.3",
                             "replaces": ["no_such_rule"]})  # fmt: skip
        with pytest.raises(checklist.RuleTableError, match="replaces no_such_rule"):
            checklist.parse_table(raw)


class TestRoutes:
    def test_silson24_carries_receipts_from_a_participating_hospital_after_go_live(self) -> None:
        routes = codes("삼성화재", visit(90_000, 60_000))
        assert routes == {"RECEIPT": "silson24", "ITEMIZED": "silson24", "DIAG_OR_ADMIT": "agent"} or \
            routes == {"RECEIPT": "silson24", "ITEMIZED": "silson24", "DIAG_DOC": "agent"}  # fmt: skip

    def test_before_go_live_or_at_a_non_participating_provider_an_agent_fetches(self) -> None:
        assert codes("삼성화재", visit(0, 25_000, day="2024-06-01")) == {"RECEIPT": "agent"}
        assert codes("삼성화재", visit(0, 25_000, code="1208147521", place="pharmacy",
                                    kind="prescription")) == {"PHARM_RECEIPT": "agent"}  # fmt: skip


class TestClaimChecklist:
    def _claim(self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue,
               born: date = date(1985, 4, 12)) -> int:  # fmt: skip
        pid = person_with_estimate(sessions, master, born=born)
        with sessions.begin() as s:
            return start.start(s, master, catalogue, DIRECTORY, REVIEWER, person_id=pid, spending_ids=None,
                               reclaim_reason=None, idempotency_key="k", today=NOW.date(), now=NOW).claims[0]  # fmt: skip

    def test_a_claim_from_the_estimate_lists_claim_and_provider_year_documents(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = self._claim(sessions, master, catalogue)
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
            by = {(r.subject, r.code): (r.route, r.state) for r in rows}
        assert by[("claim", "CLAIM_FORM")] == ("silson", "needed")
        assert by[("claim", "POA")] == ("silson", "needed")  # silson files for the person: 위임장 (§2.4)
        assert by[("claim", "ID_COPY")] == ("upload", "needed")
        assert ("claim", "FAMILY_CERT") not in by  # an adult
        receipts = {subject: route for (subject, code), (route, _) in by.items() if code == "RECEIPT"}
        assert receipts and all(subject.startswith("spending:") for subject in receipts)
        # the estimate's years (2023–2025) start before their institutions' 실손24 links (relay/data): a year's
        # documents go the way relay.plan routes it, an agent where the payout is worth the trip, else the upload
        with sessions.begin() as s:
            planned = {p.subject.ref: p.choice.route.value
                       for p in plan.plan(s, master, DIRECTORY, s.get(ClaimRow, claim), now=NOW)}  # fmt: skip
        assert receipts == planned and set(receipts.values()) == {"agent", "upload"}
        assert all(json.loads(r.rules)[0]["source"].startswith("§1.") for r in rows)

    def test_a_minor_needs_the_family_certificate(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = self._claim(sessions, master, catalogue, born=date(2015, 3, 1))
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
        assert "FAMILY_CERT" in {r.code for r in rows if r.subject == "claim"}

    def test_reviewer_marks_are_kept_audited_and_need_a_reason_for_not_needed(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = self._claim(sessions, master, catalogue)
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
            form = next(r for r in rows if r.code == "ID_COPY")
            itemized = next(r for r in rows if r.code == "ITEMIZED")
            checklist.mark(
                s, master, REVIEWER, document_id=form.id, state=checklist.DocState.RECEIVED, reason="", now=NOW
            )
            with pytest.raises(ValueError, match="reason"):
                checklist.mark(s, master, REVIEWER, document_id=itemized.id, state=checklist.DocState.NOT_NEEDED, reason="",
                               now=NOW)  # fmt: skip
            checklist.mark(s, master, REVIEWER, document_id=itemized.id, state=checklist.DocState.NOT_NEEDED,
                           reason="비급여 없음", now=NOW)  # fmt: skip
            with pytest.raises(Forbidden):
                checklist.mark(s, master, Actor(Role.CUSTOMER, person_id=1), document_id=form.id,
                               state=checklist.DocState.NEEDED, reason="", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            again = {
                r.id: r.state for r in checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
            }
            trail = [a for a in store.audit_of(s, "claim", str(claim)) if a.action == "claim.document_marked"]
            key = people.data_key(s, master, s.get(ClaimRow, claim).person_id)  # type: ignore[union-attr]
        assert again[form.id] == "received" and again[itemized.id] == "not_needed"
        # sealed whole under the person's key (#14): the entry holds no reason in clear
        assert all(set(json.loads(a.detail)) == {"sealed"} and "비급여 없음" not in a.detail for a in trail)
        opened = [at_rest.open_detail(key, "claim", str(claim), json.loads(a.detail)) for a in trail]
        assert [d["to"] for d in opened if d] == ["received", "not_needed"]
        assert opened[1] is not None and opened[1]["reason"] == "비급여 없음"


class TestPages:
    def test_reviewer_marks_a_document_received_on_the_page(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        import re

        from fastapi.testclient import TestClient

        from silson.adapters.identity import Identity, SandboxIdentity
        from silson.web.app import Services, create_app

        kim = Identity("김민준", date(1985, 4, 12), "010-4821-7730")
        claim = TestClaimChecklist()._claim(sessions, master, catalogue)
        services = Services(sessions, master, SandboxIdentity([kim]), {"rev": (Role.REVIEWER, "pw")})
        client = TestClient(create_app(services, run_jobs=False))
        client.get("/staff/sign-in")
        signed = client.post("/staff/sign-in", data={"staff_id": "rev", "secret": "pw",
                                                     "csrf": client.cookies.get("silson_csrf")},
                             follow_redirects=False)  # fmt: skip
        assert signed.status_code == 303
        page = client.get(f"/review/claims/{claim}/documents")
        assert page.status_code == 200 and "신분증 사본" in page.text
        csrf = client.cookies.get("silson_csrf")
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
            doc = next(r.id for r in rows if r.code == "ID_COPY")
        done = client.post(f"/review/claims/{claim}/documents/{doc}", data={"csrf": csrf, "state": "received"},
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        after = client.get(f"/review/claims/{claim}/documents").text
        block = re.search(rf'id="doc-{doc}">(.*?)</li>', after, re.S)
        assert block and "받음" in block.group(1) and 'value="received"' not in block.group(1)
