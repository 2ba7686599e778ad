"""Importing a person's tax-office spending and contract list into the store: one transaction per
file (the caller's), nothing from a file with an error, and the same file imported twice changes
nothing. Needs the person's consent to data import; personal fields are sealed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from silson.access import Actor, require_act
from silson.adapters.contract_check import check_against_terms, stored_option
from silson.adapters.contract_list import ListedContract, is_silson, silson_coverages
from silson.adapters.hometax import HometaxData
from silson.audit import chain
from silson.errors import Invalid, NotFound
from silson.privacy import at_rest, consent, people
from silson.privacy.crypto import MasterKey, seal
from silson.rules.catalogue import Catalogue
from silson.rules.limits import visit_limits
from silson.rules.mapping import map_contract
from silson.store import repository
from silson.store.models import ContractRecordRow, ImportRow, SilsonReceivedRow, SpendingRow


def file_hash(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _start(session: Session, actor: Actor, person_id: int, kind: str, digest: str, now: datetime) -> ImportRow | None:
    require_act(actor, person_id)
    people.require_open(session, person_id)
    consent.require(session, person_id, consent.Purpose.DATA_IMPORT)
    seen = repository.import_of(session, person_id, digest)
    if seen is not None:
        return None
    row = ImportRow(person_id=person_id, kind=kind, file_hash=digest, imported_at=now)
    session.add(row)
    session.flush()
    return row


_data_key = people.data_key


def import_hometax(
    session: Session, master: MasterKey, actor: Actor, *, person_id: int, name: str, data: HometaxData,
    digest: str, now: datetime,
) -> int:  # fmt: skip
    """The person's own B101Y rows (matched by name) from a 간소화 file, and the 실손 they already
    received (B201Y, which the estimate takes off); returns the spending rows added."""
    row = _start(session, actor, person_id, "hometax", digest, now)
    if row is None:
        return 0
    key = _data_key(session, master, person_id)
    added = 0
    for m in data.medical:
        if m.person.name != name:
            continue
        session.add(SpendingRow(person_id=person_id, import_id=row.id, year=m.year,
                                provider_id_sealed=at_rest.seal_provider(key, m.provider_id),
                                provider_name_sealed=seal(key, m.provider_name, "spending.provider_name"),
                                amount=m.amount))  # fmt: skip
        added += 1
    for got in data.silson_received:
        if got.person.name != name:
            continue
        session.add(SilsonReceivedRow(person_id=person_id, import_id=row.id, year=got.year, insurer=got.insurer_name,
                                      policy_sealed=seal(key, got.policy_no, "received.policy_no"),
                                      amount=got.amount))  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="import.hometax", object_type="person",
                 object_id=str(person_id), detail={"rows": added, "file": digest[:12]})  # fmt: skip
    session.flush()
    return added


def _store_contract(
    session: Session, key: bytes, catalogue: Catalogue, *, person_id: int, import_id: int, item: ListedContract
) -> ContractRecordRow:
    (period, *_) = map_contract(catalogue=catalogue, start=item.start, product=item.product_code,
                                insurer_kind=item.insurer_kind, option=item.option)  # fmt: skip
    coverages = silson_coverages(item, visit_limits=visit_limits(catalogue.get(period.rule_set), period.start))
    row = ContractRecordRow(
        person_id=person_id, import_id=import_id, insurer=item.insurer,
        policy_sealed=seal(key, item.policy_no, "contract.policy_no"), rule_set=period.rule_set,
        option=stored_option(period, catalogue), start=item.start, end=item.end,
        coverages_json=json.dumps({k.value: asdict(v) | {"key": k.value} for k, v in coverages.coverages.items()}),
        mapping_certain=period.certain and not coverages.guesses
        and (period.option is not None or not catalogue.get(period.rule_set).options),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def enter_contract(
    session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, person_id: int,
    contract: ListedContract, now: datetime,
) -> int:  # fmt: skip
    """A contract the person enters by hand (when no list can be fetched); same mapping and sealing."""
    if not is_silson(contract):
        raise Invalid(field="coverages", message="none of the 담보 names is a 실손 (의료비) coverage")
    check_against_terms([contract], catalogue, "coverages")
    digest = file_hash(json.dumps([contract.insurer, contract.policy_no, str(contract.start)]).encode())
    row = _start(session, actor, person_id, "entered", digest, now)
    if row is None:
        existing = repository.contract_of_import(session, person_id, digest)
        return int(existing or 0)
    stored = _store_contract(session, _data_key(session, master, person_id), catalogue, person_id=person_id,
                             import_id=row.id, item=contract)  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="contract.entered", object_type="person",
                 object_id=str(person_id), detail={"contract": stored.id, "rule_set": stored.rule_set})  # fmt: skip
    return stored.id


def import_contracts(
    session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, person_id: int, name: str,
    contracts: list[ListedContract], digest: str, now: datetime,
) -> int:  # fmt: skip
    check_against_terms(contracts, catalogue, "file")  # a stored contract must always adjudicate
    row = _start(session, actor, person_id, "contracts", digest, now)
    if row is None:
        return 0
    key = _data_key(session, master, person_id)
    added = 0
    for item in contracts:
        if item.insured_name != name or not is_silson(item):
            continue
        _store_contract(session, key, catalogue, person_id=person_id, import_id=row.id, item=item)
        added += 1
    chain.append(session, at=now, actor=actor.label, action="import.contracts", object_type="person",
                 object_id=str(person_id), detail={"rows": added, "file": digest[:12]})  # fmt: skip
    session.flush()
    return added


class ImportNotFound(NotFound):
    """No such import of this person (answered like someone else's, as 404)."""


def imported(session: Session, actor: Actor, *, person_id: int) -> list[ImportRow]:
    """The person's imported files, oldest first (what `delete_import` can take back)."""
    require_act(actor, person_id)
    return list(session.scalars(select(ImportRow).where(ImportRow.person_id == person_id).order_by(ImportRow.id)))


def delete_import(session: Session, actor: Actor, *, person_id: int, import_id: int, now: datetime) -> int:
    """Take back one imported file: its spending, received payouts and contracts go, and the file may
    be imported again. Audited. Returns the rows removed."""
    require_act(actor, person_id)
    row = session.get(ImportRow, import_id)
    if row is None or row.person_id != person_id:
        raise ImportNotFound(f"가져온 파일 {import_id}을(를) 찾을 수 없습니다.")
    removed = 0
    for model in (SpendingRow, SilsonReceivedRow, ContractRecordRow):
        result = session.execute(delete(model).where(model.import_id == import_id, model.person_id == person_id))
        removed += int(getattr(result, "rowcount", 0) or 0)
    session.delete(row)
    chain.append(session, at=now, actor=actor.label, action="import.deleted", object_type="person",
                 object_id=str(person_id), detail={"import": import_id, "kind": row.kind, "rows": removed})  # fmt: skip
    session.flush()
    return removed
