"""The package silson sends to one insurer for one claim (`silson-package/1`): the claim's visits (its
stored events), the person, the person's contracts, the documents checklist with each item's state,
the papers as PDFs (claims/forms.py: 청구서, 동의서, 위임장, 표지) and the documents uploaded for the
claim (the document store's files that were read, each as it was uploaded). A claim is opened per
insurer, so one claim makes one package; nothing is built without the person's consent to sending
claims to insurers (보험사 전송). The content is sealed with the person's key in `claim_package` until
the outbox sends it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor
from silson.claims import checklist, events, forms, repository
from silson.claims.lifecycle import Role
from silson.documentstore import repository as uploads
from silson.documentstore.service import FILE_FIELD
from silson.errors import NotFound, SilsonError
from silson.privacy import consent, people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.store import repository as store
from silson.store.models import ClaimDocumentRow, ClaimPackageRow, ClaimRow, ContractRecordRow, DocumentRow

FORMAT = "silson-package/1"
UPLOAD_NAMES = {"hospital_receipt": "진료비 계산서·영수증", "pharmacy_receipt": "약제비 계산서·영수증",
                "itemised_bill": "진료비 세부산정내역", "prescription": "처방전",
                "certificate": "진단서·확인서"}  # fmt: skip
SEAL_FIELD = "claim.package"
STATE_NAMES = {"needed": "없음 (필요)", "received": "첨부", "not_needed": "필요 없음"}


class MissingDocuments(SilsonError, ValueError):
    """Release refused: required documents of the checklist are still missing (a business outcome)."""

    code = "documents_missing"
    http_status = 409


class NoVisits(SilsonError, ValueError):
    code = "no_visits"
    http_status = 409


class NoConsent(SilsonError, ValueError):
    """The person has not consented (or withdrew) to silson sending their claims to insurers."""

    code = "transmission_consent_missing"
    http_status = 409


def transmission_consent(session: Session, person_id: int) -> tuple[date, str]:
    """When and to which text the person consented to sending claims (NoConsent when they did not)."""
    row = consent.active(session, person_id, consent.Purpose.TRANSMISSION)
    if row is None:
        raise NoConsent("고객이 '보험사 전송'에 동의하지 않아 보험사에 보낼 수 없어요. 동의 관리에서 받아 주세요.")
    return row.granted_at.date(), row.version


def attachments(session: Session, master: MasterKey, claim: ClaimRow) -> list[dict[str, Any]]:
    """The files uploaded for the claim that were read (not set aside or failed), as they came in."""
    key = events._key(session, master, claim.person_id)
    found = []
    for row in uploads.of_claim(session, claim.id):
        stored = session.get(DocumentRow, row.document_id)
        if row.state != "read" or stored is None or stored.content_sealed is None:
            continue
        content = base64.b64decode(open_sealed(key, stored.content_sealed, FILE_FIELD))
        found.append({"code": f"upload-{row.document_id}", "name": UPLOAD_NAMES.get(row.kind or "", "올린 서류"),
                      "visit": f"e{row.event_id}" if row.event_id else None, "file_type": row.file_type,
                      "uploaded": base64.b64encode(content).decode()})  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class Built:
    papers: forms.Papers
    content: dict[str, Any]  # the package as sent (PDFs base64)


def _covers(row: ContractRecordRow, day: date) -> bool:
    return row.start <= day and (row.end is None or day < row.end)  # [start, end)


def _case_contract(row: ContractRecordRow) -> dict[str, Any]:
    coverages = {k: {f: v for f, v in cov.items() if f != "key"} for k, cov in json.loads(row.coverages_json).items()}
    return {"id": f"contract:{row.id}", "insurer": row.insurer, "terms": row.rule_set, "option": row.option,
            "start": row.start.isoformat(), "end": row.end.isoformat() if row.end else None,
            "coverages": coverages}  # fmt: skip


def missing_names(rows: list[ClaimDocumentRow]) -> list[str]:
    """The checklist items still needed, as a reviewer reads them: '진료비 영수증 (e12)'."""
    table = checklist.load_table()
    return [f"{table.name(r.code)} ({r.subject})" if r.subject != "claim" else table.name(r.code)
            for r in checklist.outstanding(rows)]  # fmt: skip


def build(
    session: Session, master: MasterKey, *, claim: ClaimRow, documents: list[ClaimDocumentRow], claim_date: date,
    now: datetime,
) -> Built:  # fmt: skip
    """The package of a stored claim: its visits, the person, the contracts, the checklist and the PDFs."""
    system = Actor(Role.SYSTEM)
    visits = events.of_claim(session, master, system, claim.id)
    if not visits:
        raise NoVisits(f"청구 #{claim.id}에 진료 내역이 없어 보낼 수 없어요. 서류를 보고 진료를 먼저 넣어 주세요.")
    person = people.read(session, master, system, claim.person_id, now)
    consented_at, consent_version = transmission_consent(session, claim.person_id)
    held = list(store.contracts_of(session, claim.person_id))
    own = [c for c in held if c.insurer == claim.insurer]
    table = checklist.load_table()
    first = not any(p.state in ("queued", "sent") for p in repository.packages_of(session, claim.id))
    visit_papers = []
    for v in sorted(visits, key=lambda v: (v.data["date"], v.id)):
        d = v.data
        day = date.fromisoformat(d["date"])
        others = tuple(sorted({c.insurer for c in held if c.insurer != claim.insurer and _covers(c, day)}))
        visit_papers.append(forms.Visit(
            ref=d["id"], day=day, discharge=date.fromisoformat(d["discharge"]) if d.get("discharge") else None,
            kind=str(d.get("kind", "outpatient")), cause=str(d.get("cause", "disease")),
            institution=str((d.get("institution") or {}).get("name", "")), kcd=tuple(d.get("kcd", ())),
            covered_copay=int(d.get("covered_copay", 0)), noncovered=int(d.get("noncovered", 0)), others=others,
        ))  # fmt: skip
    papers = forms.Papers(
        claim_id=claim.id, insurer=claim.insurer, claim_date=claim_date, new_claim=first, name=person.name,
        birth_date=person.birth_date, phone=person.phone, rrn=person.rrn,
        contracts=tuple(forms.Contract(f"contract:{c.id}", c.insurer, c.rule_set, c.start) for c in own),
        visits=tuple(visit_papers),
        documents=tuple((table.name(r.code), STATE_NAMES.get(r.state, r.state)) for r in documents),
        consented_at=consented_at, consent_version=consent_version,
    )  # fmt: skip
    pdfs = [("claim_form", "보험금 청구서", forms.claim_form(papers=papers)),
            ("consent", "개인(신용)정보 처리 동의서", forms.consent_form(papers=papers)),
            ("power_of_attorney", "위임장", forms.power_of_attorney(papers=papers)),
            ("cover_sheet", "청구 표지", forms.cover_sheet(papers=papers))]  # fmt: skip
    case = {"format": "silson-case/1", "id": f"claim-{claim.id}", "claim_date": claim_date.isoformat(),
            "person": {"birth_date": person.birth_date.isoformat()}, "contracts": [_case_contract(c) for c in held],
            "events": [v.data for v in visits]}  # fmt: skip
    content = {
        "format": FORMAT, "claim": claim.id, "insurer": claim.insurer, "claim_date": claim_date.isoformat(),
        "kind": "new" if first else "additional",
        "person": {"name": person.name, "birth_date": person.birth_date.isoformat(), "phone": person.phone},
        "case": case,
        "checklist": [{"code": r.code, "name": table.name(r.code), "subject": r.subject, "contract": r.contract_ref,
                       "state": r.state} for r in documents],
        "documents": [{"code": code, "name": name, "pdf_base64": base64.b64encode(pdf).decode()}
                      for code, name, pdf in pdfs],
        "attachments": attachments(session, master, claim),
    }  # fmt: skip
    return Built(papers, content)


def seal_content(session: Session, master: MasterKey, *, person_id: int, content: dict[str, Any]) -> bytes:
    return seal(events._key(session, master, person_id), json.dumps(content, ensure_ascii=False), SEAL_FIELD)


def content_of(session: Session, master: MasterKey, package: ClaimPackageRow) -> dict[str, Any]:
    """The package as it will be sent (people.PersonErased if the person was erased meanwhile)."""
    claim = session.get(ClaimRow, package.claim_id)
    if claim is None:
        raise NotFound(f"no claim {package.claim_id}")
    data: dict[str, Any] = json.loads(open_sealed(events._key(session, master, claim.person_id),
                                                  package.content_sealed, SEAL_FIELD))  # fmt: skip
    return data


def pdf_of(content: dict[str, Any], code: str) -> bytes:
    """One of the package's papers ('claim_form', 'consent', 'power_of_attorney', 'cover_sheet')."""
    for doc in content["documents"]:
        if doc["code"] == code:
            return base64.b64decode(doc["pdf_base64"])
    raise NotFound(f"the package has no {code}")
