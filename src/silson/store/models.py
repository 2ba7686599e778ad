"""SQLAlchemy models. Personal data lives only in sealed (`*_sealed`) columns, encrypted with the
person's data key before it reaches the database; look-ups go through blind indexes (`*_index`).
Money is BigInteger won. Relationships load lazily only on purpose (`lazy="raise"`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class PersonRow(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    birth_date_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    rrn_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    rrn_index: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class KeyBase(DeclarativeBase):
    """The key store: kept apart from the data (store/keystore.py), never in the data's backups."""


class PersonKeyRow(KeyBase):
    """The person's data key, wrapped under the master key. Deleting it erases the person."""

    __tablename__ = "person_key"
    __table_args__ = ({"schema": "keystore"},)

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # person.id, in the other store
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class ErasureRow(KeyBase):
    """The erasure ledger: who was erased and when, no personal data. A restore of an older backup
    re-applies these (privacy/backup.py)."""

    __tablename__ = "erasure"
    __table_args__ = ({"schema": "keystore"},)

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimRow(Base):
    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    insurer: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    items: Mapped[list[ClaimItemRow]] = relationship(lazy="raise", order_by="ClaimItemRow.id")


class ClaimItemRow(Base):
    """One (event, contract) pair of a claim with the engine's figure."""

    __tablename__ = "claim_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    event_ref: Mapped[str] = mapped_column(String(100))
    contract_ref: Mapped[str] = mapped_column(String(100))
    event_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # why flagged (B201Y that year)
    reclaim_of: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the denied claim it files again
    reclaim_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # privacy/at_rest.py


class ClaimEventRow(Base):
    """One visit of a claim as the documents show it, in the case format's event shape, sealed (it
    names a diagnosis and a provider). A reviewer's correction replaces it and counts a revision."""

    __tablename__ = "claim_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    event_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimTransitionRow(Base):
    __tablename__ = "claim_transition"
    __table_args__ = (UniqueConstraint("claim_id", "idempotency_key", name="uq_transition_idempotency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # free text of people and insurers (at_rest.py)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Append-only; each entry's hash covers the previous entry's hash, so tampering shows."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ConsentRow(Base):
    """Consent to one purpose, at one version of its text; withdrawn_at ends it."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(50))
    version: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PowerOfAttorneyRow(Base):
    """위임장: one per institution request, naming the field agent who carries it."""

    __tablename__ = "power_of_attorney"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    institution_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # 사업자등록번호, sealed (privacy/at_rest.py)
    agent_id: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # agent set out
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FamilyLinkRow(Base):
    """An invitation from `inviter` to view `member`'s data; view-only once accepted. An invitation
    by name and phone waits under the phone's blind index (the name the inviter typed is sealed under
    the inviter's key) until the person it names accepts it: sending one tells nobody who is a customer."""

    __tablename__ = "family_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True, nullable=True)
    invitee_index: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)  # blind index: phone
    invitee_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # typed name, inviter's key
    status: Mapped[str] = mapped_column(String(20))  # invited | accepted | declined | ended (revoked: before #14)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # what the member shares beyond spending and estimates: "diagnoses", "contact" (comma-separated)
    shares: Mapped[str] = mapped_column(String(100), default="", server_default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the actor who ended it


class DocumentRow(Base):
    """A document obtained for a person (receipt, itemised bill …), sealed with their data key."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    content_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WithdrawalRow(Base):
    """탈퇴: requested (verified), due within 5 business days, carried out, erased a year later."""

    __tablename__ = "withdrawal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    erase_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ImportRow(Base):
    """One imported file per person: importing the same file again changes nothing."""

    __tablename__ = "import_file"
    __table_args__ = (UniqueConstraint("person_id", "file_hash", name="uq_import_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # hometax | contracts
    file_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SpendingRow(Base):
    """A year's spending at one provider (B101Y). Where a person was treated is health data: the
    provider's name and 사업자등록번호 are both sealed (opened to join the provider directory)."""

    __tablename__ = "spending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_file.id"))
    year: Mapped[int] = mapped_column(Integer)
    provider_id_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # 사업자등록번호 (privacy.at_rest)
    provider_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    amount: Mapped[int] = mapped_column(BigInteger)


class SilsonReceivedRow(Base):
    """실손 paid out to the person in a year under one policy (B201Y): the estimate takes it off that
    policy's figures, as `silson discover` does. The policy number is sealed."""

    __tablename__ = "silson_received"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_file.id"))
    year: Mapped[int] = mapped_column(Integer)
    insurer: Mapped[str] = mapped_column(String(100))
    policy_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    amount: Mapped[int] = mapped_column(BigInteger)


class ContractRecordRow(Base):
    """A 실손 contract of the person, mapped to a rule set; the policy number is sealed."""

    __tablename__ = "contract_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_file.id"))
    insurer: Mapped[str] = mapped_column(String(100))
    policy_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    rule_set: Mapped[str] = mapped_column(String(40))
    option: Mapped[str | None] = mapped_column(String(20), nullable=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    coverages_json: Mapped[str] = mapped_column(Text)
    mapping_certain: Mapped[bool] = mapped_column()


class JobRow(Base):
    """A durable job (outbox): written in the transaction that asks for it, done in the transaction
    that does its work, so a crash between the two leaves it to be done again, never twice."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotency key
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True)  # pending | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # the handler's summary (JSON)


class AuthSessionRow(Base):
    """A signed-in session: the token names it by id (kept here only as a hash); ending it (sign-out,
    withdrawal, erasure) makes the token worthless at once. A customer's session records the
    identity request it came from (hashed), so a request gives one session only."""

    __tablename__ = "auth_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True, nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sign_in_request_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class GuardianshipRow(Base):
    """친권자 → 미성년 자녀 (claims-and-documents.md §2.3): the parent may open claims for the child
    while the child is a minor. Staff record it on seeing a 가족관계증명서; ended_at ends it."""

    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("guardian_id", "ward_id", name="uq_guardianship"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    until: Mapped[date] = mapped_column(Date)  # the child's 19th birthday (민법 제4조): 친권 ends
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ClaimRequestRow(Base):
    """One request to open claims from the estimate, by its actor-scoped idempotency key: a replay
    answers the claims the first request opened."""

    __tablename__ = "claim_request"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    result: Mapped[str] = mapped_column(Text)  # JSON: the claims opened and the picks refused or flagged
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimDocumentRow(Base):
    """One document a claim needs (claims/data/documents.yaml), for the claim as a whole, a visit or a
    provider-year, and a contract: how it comes (route) and where it stands (state)."""

    __tablename__ = "claim_document"
    __table_args__ = (UniqueConstraint("claim_id", "subject", "contract_ref", "code", name="uq_claim_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    subject: Mapped[str] = mapped_column(String(60))  # "claim" | "e<visit id>" | "spending:<id>"
    contract_ref: Mapped[str] = mapped_column(String(100))  # "" for the claim as a whole
    code: Mapped[str] = mapped_column(String(40))  # RECEIPT, ITEMIZED, DIAG … (§1.3)
    route: Mapped[str] = mapped_column(String(20))  # silson24 | agent | upload | silson
    state: Mapped[str] = mapped_column(String(20))  # needed | received | not_needed
    rules: Mapped[str] = mapped_column(Text)  # JSON: the rows that ask for it, each with its source
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100))


class ClaimPackageRow(Base):
    """One package to one insurer: built when a reviewer releases the claim, sent through the outbox
    under its idempotency key, then followed by the insurer's answers. The content (claim form,
    위임장, cover sheet, visits) is sealed with the person's key."""

    __tablename__ = "claim_package"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    insurer: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), unique=True)  # sent as Idempotency-Key
    state: Mapped[str] = mapped_column(String(20), index=True)  # queued | sent | failed
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    receipt_no: Mapped[str | None] = mapped_column(String(50), nullable=True)  # 접수번호
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 접수일
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 지급기일: 3 영업일
    latest_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 지급예정일 limit: 30 영업일
    scheduled_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # notified 지급예정일
    delay_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # the insurer's words
    delay_code: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 제9조② 1–6, None: no listed reason
    delay_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    prepaid_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # 가지급보험금 (제9조③)
    prepaid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class PayoutLineRow(Base):
    """One line of an insurer's payout statement (지급내역서), as the insurer sent it: every line is
    kept so that `silson.payments.reconcile` can run on it."""

    __tablename__ = "payout_line"
    __table_args__ = (UniqueConstraint("package_id", "statement_no", "line_no", name="uq_payout_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("claim_package.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    statement_no: Mapped[str] = mapped_column(String(50))
    line_no: Mapped[int] = mapped_column(Integer)
    event_ref: Mapped[str] = mapped_column(String(100))
    contract_ref: Mapped[str] = mapped_column(String(100))
    coverage: Mapped[str | None] = mapped_column(String(60), nullable=True)  # 담보
    visit_date: Mapped[date] = mapped_column(Date)  # 진료일
    deductible: Mapped[int] = mapped_column(BigInteger)  # 공제금액
    paid: Mapped[int] = mapped_column(BigInteger)  # 지급액
    paid_on: Mapped[date] = mapped_column(Date)  # 지급일


class NotificationRow(Base):
    """A message to a customer (알림톡 style) as the notification port handed it over: the sandbox
    adapter keeps it here to be shown on a page. Short, Korean, one action; no name or number of the
    person in the text (the person is the row's person_id)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))  # documents_needed | package_sent | more_documents | paid | …
    text: Mapped[str] = mapped_column(Text)
    action_label: Mapped[str] = mapped_column(String(40))
    action_url: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)  # one message per event, however often told
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
