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


class PersonKeyRow(Base):
    """The person's data key, wrapped under the master key. Deleting it erases the person."""

    __tablename__ = "person_key"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


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
    reason: Mapped[str] = mapped_column(Text)
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
    institution_id: Mapped[str] = mapped_column(String(20))  # 사업자등록번호
    agent_id: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # agent set out
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FamilyLinkRow(Base):
    """An invitation from `inviter` to view `member`'s data; view-only once accepted."""

    __tablename__ = "family_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # invited | accepted | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
    provider's name is sealed; its 사업자등록번호 stays clear to join the provider directory."""

    __tablename__ = "spending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_file.id"))
    year: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[str] = mapped_column(String(20))
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
