"""Releasing a claim: the package is built from the stored claim (its visits, the person, the
contracts, the checklist state), refused while a required document is missing (named in Korean), and
its papers are real PDFs whose text (`pdftotext`) carries the person's name, the visit days and the
amounts."""

from __future__ import annotations

import base64
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.claims import checklist, events, forms, packages, release, repository, start
from silson.claims.lifecycle import Role, State
from silson.discover.providers import ProviderDirectory
from silson.documentstore import repository as uploads_repository
from silson.documentstore import service as uploaded
from silson.privacy import consent
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store import repository as store
from silson.store.models import ClaimRow
from tests.claims.conftest import NOW, person_with_estimate
from tests.documents.test_store import edoc

DIRECTORY = ProviderDirectory.load()
REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
VISITS = [
    {"kind": "outpatient", "date": "2025-03-02", "cause": "disease", "kcd": ["M54.5"],
     "institution": {"kind": "clinic", "name": "연세정형외과"}, "covered_copay": 23_400, "noncovered": 81_000},
    {"kind": "outpatient", "date": "2025-04-15", "cause": "disease", "kcd": ["M54.5"],
     "institution": {"kind": "clinic", "name": "연세정형외과"}, "covered_copay": 12_700, "noncovered": 0},
]  # fmt: skip


def claim_with_visits(sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue) -> int:
    pid = person_with_estimate(sessions, master, name="박서연")
    with sessions.begin() as s:
        claim: int = start.start(s, master, catalogue, DIRECTORY, REVIEWER, person_id=pid, spending_ids=None,
                                 reclaim_reason=None, idempotency_key="k", today=NOW.date(), now=NOW).claims[0]  # fmt: skip
        for v in VISITS:
            events.add(s, master, REVIEWER, claim_id=claim, event=v, now=NOW)
    return claim


def mark_all_received(sessions: sessionmaker[Session], master: FileMasterKey, claim: int) -> None:
    with sessions.begin() as s:
        rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW)
        for row in checklist.outstanding(rows):
            checklist.mark(s, master, REVIEWER, document_id=row.id, state=checklist.DocState.RECEIVED, reason="",
                           now=NOW)  # fmt: skip


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


class TestRelease:
    def test_release_is_refused_naming_the_missing_documents(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        with pytest.raises(packages.MissingDocuments) as refused, sessions.begin() as s:
            release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
        assert "필수 서류가 아직 없어 보낼 수 없어요" in str(refused.value)
        assert "위임장" in str(refused.value) and "(e" in str(refused.value)  # claim-level and per-visit items
        with sessions.begin() as s:
            assert repository.packages_of(s, claim) == []

    def test_a_customer_cannot_release(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        with sessions.begin() as s:
            pid = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
        with pytest.raises(Forbidden), sessions.begin() as s:
            release.release(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=claim,
                            idempotency_key="r1", now=NOW)  # fmt: skip

    def test_release_builds_one_package_queued_in_the_outbox_and_replays_alike(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        mark_all_received(sessions, master, claim)
        with sessions.begin() as s:
            row = release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
            again = release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
            assert again.id == row.id
            content = packages.content_of(s, master, row)
            job = store.job_by_key(s, f"claim.send:{row.key}")
            state = s.get(ClaimRow, claim).state  # type: ignore[union-attr]
        assert (row.state, row.insurer, state) == ("queued", "현대해상", State.READY.value)
        assert job is not None and job.state == "pending"
        assert content["person"]["name"] == "박서연"
        assert [e["date"] for e in content["case"]["events"]] == ["2025-03-02", "2025-04-15"]
        assert {c["insurer"] for c in content["case"]["contracts"]} >= {"현대해상"}
        assert "received" in {c["state"] for c in content["checklist"]}
        assert "needed" not in {c["state"] for c in content["checklist"]}
        assert [d["code"] for d in content["documents"]] == ["claim_form", "consent", "power_of_attorney",
                                                             "cover_sheet"]  # fmt: skip
        with pytest.raises(release.AlreadyReleased), sessions.begin() as s:
            release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r2", now=NOW)

    def test_the_papers_read_back_with_pdftotext(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, tmp_path: Path
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        mark_all_received(sessions, master, claim)
        with sessions.begin() as s:
            content = packages.content_of(s, master, release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim,
                                                                     idempotency_key="r1", now=NOW))  # fmt: skip
        form = text_of(packages.pdf_of(content, "claim_form"), tmp_path)
        for expected in ("보험금 청구서", "박서연", "2025-03-02", "2025-04-15", "23,400원", "81,000원", "12,700원",
                         "117,100원", "현대해상", "신규 청구"):  # fmt: skip
            assert expected in form
        proxy = text_of(packages.pdf_of(content, "power_of_attorney"), tmp_path)
        for expected in ("위임장", "박서연", "실손(silson) 심사센터", "2025-03-02 ~ 2025-04-15 (2건)", "현대해상"):
            assert expected in proxy
        cover = text_of(packages.pdf_of(content, "cover_sheet"), tmp_path)
        for expected in ("청구 표지", "박서연", "2025-03-02", "104,400원", "12,700원", "117,100원"):
            assert expected in cover
        agreed = text_of(packages.pdf_of(content, "consent"), tmp_path)
        for expected in (
            "개인(신용)정보 처리 동의서",
            "박서연",
            "민감정보",
            "선택",
            "2026-11-23 전자 동의 (보험사 전송",
        ):
            assert expected in agreed

    def test_the_documents_uploaded_for_the_claim_go_with_it_as_they_came_in(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        mark_all_received(sessions, master, claim)
        kept, dropped = edoc(), edoc(issued="2025-05-21")
        with sessions.begin() as s:
            me = Actor(Role.CUSTOMER, person_id=s.get(ClaimRow, claim).person_id)  # type: ignore[union-attr]
            done = uploaded.upload(s, master, me, claim_id=claim, files=[("a.json", kept), ("b.json", dropped)],
                                   now=NOW)  # fmt: skip
        with sessions.begin() as s:
            for d in done:
                uploaded.read(s, master, DIRECTORY, document_id=d.document_id, now=NOW)
            uploaded.set_aside(s, REVIEWER, document_id=done[1].document_id, reason="중복 영수증", now=NOW)
            for row in uploads_repository.of_claim(s, claim):  # a person looked at every doubtful field
                row.open_doubts = 0
        with sessions.begin() as s:
            content = packages.content_of(s, master, release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim,
                                                                     idempotency_key="r1", now=NOW))  # fmt: skip
        attached = content["attachments"]
        assert [a["code"] for a in attached] == [f"upload-{done[0].document_id}"]  # the set-aside one stays home
        assert base64.b64decode(attached[0]["uploaded"]) == kept and attached[0]["name"] == "진료비 계산서·영수증"

    def test_nothing_is_built_or_sent_without_consent_to_send_to_insurers(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim = claim_with_visits(sessions, master, catalogue)
        mark_all_received(sessions, master, claim)
        with sessions.begin() as s:
            pid = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
            consent.withdraw(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid,
                             purpose=consent.Purpose.TRANSMISSION, now=NOW)  # fmt: skip
        with pytest.raises(packages.NoConsent), sessions.begin() as s:
            release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
        with sessions.begin() as s:
            assert s.get(ClaimRow, claim).state == State.DRAFT.value  # type: ignore[union-attr]
            assert list(repository.packages_of(s, claim)) == []


def papers(*, others: tuple[str, ...]) -> forms.Papers:
    visit = forms.Visit("e1", date(2025, 3, 2), None, "outpatient", "disease", "연세정형외과", ("M54.5",), 23_400,
                        81_000, others)  # fmt: skip
    return forms.Papers(1, "현대해상", date(2026, 11, 23), True, "박서연", date(1985, 4, 12), "010-1", "850412-2345678",
                        (forms.Contract("contract:1", "현대해상", "std-2015-09", date(2017, 2, 1)),), (visit,),
                        (("위임장", "첨부"),))  # fmt: skip


class TestForms:
    def test_cover_sheet_names_the_other_insurers_covering_the_visits(self, tmp_path: Path) -> None:
        text = text_of(forms.cover_sheet(papers=papers(others=("삼성화재", "DB손해보험"))), tmp_path)
        assert "다수보험" in text and "삼성화재" in text and "DB손해보험" in text

    def test_the_claim_form_masks_the_resident_number(self, tmp_path: Path) -> None:
        text = text_of(forms.claim_form(papers=papers(others=())), tmp_path)
        assert "850412-2******" in text and "2345678" not in text

    def test_a_missing_font_is_a_clear_error(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setattr(forms, "FONT", tmp_path / "none.ttf")
        with pytest.raises(forms.FontMissing, match="한글 글꼴이 없어"):
            forms.claim_form(papers=papers(others=()))


class TestReleasePage:
    def test_reviewer_presses_release_refused_then_sent_and_sees_the_package(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        from fastapi.testclient import TestClient

        from silson.adapters.identity import SandboxIdentity
        from silson.web.app import Services, create_app

        claim = claim_with_visits(sessions, master, catalogue)
        services = Services(sessions, master, SandboxIdentity([]), {"rev": (Role.REVIEWER, "pw")})
        client = TestClient(create_app(services, run_jobs=False))
        client.get("/staff/sign-in")
        client.post("/staff/sign-in", data={"staff_id": "rev", "secret": "pw",
                                            "csrf": client.cookies.get("silson_csrf")}, follow_redirects=False)  # fmt: skip
        page = client.get(f"/review/claims/{claim}/documents")
        assert "보험사로 보내기" in page.text and "발송에 실패한 묶음이 없어요." in page.text
        csrf = client.cookies.get("silson_csrf")
        refused = client.post(f"/review/claims/{claim}/release", data={"csrf": csrf, "key": "p1"})
        assert refused.status_code == 409 and "필수 서류가 아직 없어 보낼 수 없어요" in refused.text
        mark_all_received(sessions, master, claim)
        done = client.post(f"/review/claims/{claim}/release", data={"csrf": csrf, "key": "p1"}, follow_redirects=False)
        assert done.status_code == 303
        after = client.get(f"/review/claims/{claim}/documents").text
        assert "보험사로 보낸 묶음" in after and "보내는 중" in after


class TestReleaseApi:
    def test_release_answers_409_naming_documents_then_201_and_the_staff_list_is_for_staff(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        from fastapi.testclient import TestClient

        from silson.adapters.identity import SandboxIdentity
        from silson.web.app import Services, create_app

        claim = claim_with_visits(sessions, master, catalogue)
        services = Services(sessions, master, SandboxIdentity([]), {"rev": (Role.REVIEWER, "pw-long-enough-1")})
        client = TestClient(create_app(services, run_jobs=False))
        token = client.post("/api/auth/staff", json={"staff_id": "rev", "secret": "pw-long-enough-1"}).json()["token"]
        rev = {"Authorization": f"Bearer {token}"}
        refused = client.post(f"/api/claims/{claim}/release", json={"idempotency_key": "a"}, headers=rev)
        assert refused.status_code == 409 and "필수 서류가 아직 없어" in refused.text
        mark_all_received(sessions, master, claim)
        done = client.post(f"/api/claims/{claim}/release", json={"idempotency_key": "a"}, headers=rev)
        assert done.status_code == 201 and done.json()["state"] == "queued" and done.json()["insurer"] == "현대해상"
        again = client.post(f"/api/claims/{claim}/release", json={"idempotency_key": "a"}, headers=rev)
        assert again.json()["id"] == done.json()["id"]
        assert client.get("/api/review/packages/failed", headers=rev).json() == []
