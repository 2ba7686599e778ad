"""The documents a claim needs, per visit (or estimate item) and contract, from the rule table in
`claims/data/documents.yaml` (claims-and-documents.md §1.3), each with how it will come and where
it stands.

Route: a provider's documents go the way the visit goes (relay.plan: 실손24 where the institution is
linked and the visit inside its window, for the four kinds it carries; else a field agent when the
payout is worth the fees and the trip; else the customer's upload; or the route the customer picked);
without a plan, `route_of` (실손24 after the provider class's go-live, else an agent); the customer's
upload for personal ones; silson itself for the claim form, the consent and the 위임장. State: needed →
received or not needed, marked by a reviewer (audited). The checklist is derived again whenever it is
read: new needs are added as "needed", marks already made are kept, and a need no rule asks for any
more is set "not needed" by the rules."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role
from silson.audit import chain
from silson.claims import events, repository, representation
from silson.discover.providers import ProviderDirectory
from silson.errors import DataError, Invalid, NotFound
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.store import repository as store
from silson.store.models import ClaimDocumentRow, ClaimRow

MARKERS = {Role.REVIEWER, Role.ADMINISTRATOR, Role.FIELD_AGENT}
CONDITIONS = {"noncovered", "noncovered_50000", "proxy", "minor", "injury"}
SCOPES = {"claim", "visit", "provider_year"}


class DocState(StrEnum):
    NEEDED = "needed"
    RECEIVED = "received"
    NOT_NEEDED = "not_needed"


class Route(StrEnum):
    SILSON24 = "silson24"
    AGENT = "agent"
    UPLOAD = "upload"
    SILSON = "silson"


class RuleTableError(DataError):
    pass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    scope: str
    insurer: str
    requires: tuple[str, ...]
    source: str
    applies_to: frozenset[str] = frozenset()
    band: tuple[int, int | None] = (0, None)  # [min, max] in won, max None = open
    when: str | None = None
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    documents: dict[str, dict[str, Any]]
    go_live: tuple[tuple[frozenset[str], date, str], ...]
    rules: tuple[Rule, ...]

    def name(self, code: str) -> str:
        return str(self.documents[code]["name"])

    def for_insurer(self, insurer: str) -> list[Rule]:
        own = [r for r in self.rules if r.insurer == insurer]
        replaced = {i for r in own for i in r.replaces}
        return [r for r in self.rules if r.insurer == "*" and r.id not in replaced] + own


def parse_table(raw: Any) -> Table:
    """The rule table, checked: every code, condition and scope known, every `replaces` a default rule."""
    documents = raw["documents"]
    rules = []
    for row in raw["rules"]:
        where = f"documents.yaml rule {row.get('id')}"
        unknown = [c for c in row["requires"] if c not in documents]
        if unknown:
            raise RuleTableError(f"{where}: unknown document {unknown[0]}")
        if row.get("when") and row["when"] not in CONDITIONS:
            raise RuleTableError(f"{where}: unknown condition {row['when']}")
        if row["scope"] not in SCOPES:
            raise RuleTableError(f"{where}: unknown scope {row['scope']}")
        band = row.get("band") or {}
        rules.append(Rule(row["id"], row["scope"], row["insurer"], tuple(row["requires"]), row["source"],
                          frozenset(row.get("applies_to", [])), (band.get("min", 0), band.get("max")),
                          row.get("when"), tuple(row.get("replaces", []))))  # fmt: skip
    defaults = {r.id for r in rules if r.insurer == "*"}
    for r in rules:
        missing = [i for i in r.replaces if i not in defaults]
        if missing:
            raise RuleTableError(f"documents.yaml rule {r.id}: replaces {missing[0]}, which is not a default rule")
    go_live = tuple((frozenset(g["kinds"]), g["from"], g["source"]) for g in raw["silson24"])
    return Table(documents, go_live, tuple(rules))


@cache
def load_table() -> Table:
    text = resources.files("silson.claims").joinpath("data/documents.yaml").read_text(encoding="utf-8")
    return parse_table(yaml.safe_load(text))


@dataclass(frozen=True, slots=True)
class Need:
    subject: str  # "claim" | "e<visit id>" | "spending:<id>"
    contract_ref: str
    code: str
    route: Route
    rules: tuple[tuple[str, str], ...]  # (rule id, source)


def route_of(table: Table, code: str, *, kind: str, silson24: bool, day: date | None) -> Route:
    """>>> t = load_table()
    >>> route_of(t, "RECEIPT", kind="hospital", silson24=True, day=date(2025, 3, 2)).value
    'silson24'
    >>> route_of(t, "RECEIPT", kind="clinic", silson24=True, day=date(2025, 3, 2)).value  # before 의원 go-live
    'agent'
    >>> route_of(t, "DIAG_DOC", kind="hospital", silson24=True, day=date(2025, 3, 2)).value  # 진단서: never
    'agent'
    """
    doc = table.documents[code]
    if doc["from"] == "silson":
        return Route.SILSON
    if doc["from"] == "customer":
        return Route.UPLOAD
    if doc.get("silson24") and silson24 and day is not None:
        for kinds, start, _source in table.go_live:
            if kind in kinds and day >= start:
                return Route.SILSON24
    return Route.AGENT


def _visit_facts(data: dict[str, Any]) -> tuple[str, int, set[str]]:
    paid = sum(int(data.get(f, 0)) for f in ("covered_copay", "covered_full", "noncovered", "room_difference"))
    facts = set()
    if data.get("noncovered", 0) > 0:
        facts.add("noncovered")
    if data.get("noncovered", 0) >= 50_000:
        facts.add("noncovered_50000")
    if data.get("cause") == "injury":
        facts.add("injury")
    return str(data["kind"]), paid, facts


def _applies(rule: Rule, *, kind: str | None, paid: int | None, facts: set[str]) -> bool:
    if rule.applies_to and kind not in rule.applies_to:
        return False
    if paid is not None and (paid < rule.band[0] or (rule.band[1] is not None and paid > rule.band[1])):
        return False
    return rule.when is None or rule.when in facts


def needs(
    table: Table, *, insurer: str, claim_facts: set[str], visits: Sequence[tuple[str, dict[str, Any]]],
    items: Sequence[tuple[str, str, str, int]], contracts: Sequence[str], directory: ProviderDirectory,
    routes: Mapping[str, Mapping[bool, str]] | None = None,
) -> list[Need]:  # fmt: skip
    """The checklist of one claim: `visits` as (subject, case-format event), `items` as (subject, contract,
    provider id, year) for estimate items without visits yet; `routes` (relay.plan.document_routes): per
    subject, the route of a provider document by whether 실손24 carries it."""
    rules = table.for_insurer(insurer)
    found: dict[tuple[str, str, str], Need] = {}

    def add(subject: str, contract: str, rule: Rule, route: Iterator[tuple[str, Route]]) -> None:
        for code, how in route:
            doc = table.documents[code]
            if routes and subject in routes and doc["from"] == "provider":
                how = Route(routes[subject][bool(doc.get("silson24"))])
            key = (subject, contract, code)
            before = found.get(key)
            found[key] = Need(subject, contract, code, how, (*(before.rules if before else ()), (rule.id, rule.source)))

    for rule in rules:
        if rule.scope == "claim" and _applies(rule, kind=None, paid=None, facts=claim_facts):
            add("claim", "", rule, ((c, route_of(table, c, kind="", silson24=False, day=None)) for c in rule.requires))
    for subject, data in visits:
        kind, paid, facts = _visit_facts(data)
        institution = data.get("institution", {})
        cls = directory.classify(str(institution.get("code") or ""), str(institution.get("name") or ""))
        day = date.fromisoformat(data["date"])
        kind_of_place = str(institution.get("kind") or cls.kind)
        for rule in rules:
            if rule.scope == "visit" and _applies(rule, kind=kind, paid=paid, facts=facts):
                for contract in contracts:
                    add(subject, contract, rule, ((c, route_of(table, c, kind=kind_of_place, silson24=cls.silson24,
                                                               day=day)) for c in rule.requires))  # fmt: skip
    for subject, contract, provider_id, year in items:
        cls = directory.classify(provider_id, "")
        for rule in rules:
            if rule.scope == "provider_year":
                add(subject, contract, rule, ((c, route_of(table, c, kind=cls.kind, silson24=cls.silson24,
                                                           day=date(year, 1, 1))) for c in rule.requires))  # fmt: skip
    return list(found.values())


def _claim_facts(session: Session, master: MasterKey, claim: ClaimRow, today: date, now: datetime) -> set[str]:
    facts = {"proxy"}  # silson files every package for the person (§2.3 대리인): the 위임장 always goes with it
    born = people.read(session, master, Actor(Role.SYSTEM), claim.person_id, now).birth_date
    if today < representation.birthday(born, representation.ADULT_AGE):
        facts.add("minor")
    return facts


def checklist(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int, now: datetime,
    table: Table | None = None,
) -> list[ClaimDocumentRow]:  # fmt: skip
    """The claim's checklist as stored, brought up to date with the rules and its current visits."""
    table = table or load_table()
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    visits = events.of_claim(session, master, actor, claim_id)  # checks the actor may read the person
    items = repository.items_of_claim(session, claim_id)
    spending = {f"spending:{r.id}": r for r in store.spending_of(session, claim.person_id)}
    sealing = people.data_key(session, master, claim.person_id) if spending else b""
    estimate_items = [(i.event_ref, i.contract_ref, at_rest.open_provider(sealing, spending[i.event_ref]),
                       spending[i.event_ref].year)
                      for i in items if i.event_ref in spending and not visits]  # fmt: skip
    contracts = sorted({i.contract_ref for i in items}) or [""]
    from silson.relay import plan  # here: relay.plan reads the rule table through this module

    routes = plan.document_routes(session, master, directory, claim, now=now)
    wanted = needs(table, insurer=claim.insurer, claim_facts=_claim_facts(session, master, claim, now.date(), now),
                   visits=[(f"e{v.id}", v.data) for v in visits], items=estimate_items, contracts=contracts,
                   directory=directory, routes=routes)  # fmt: skip
    rows = {(r.subject, r.contract_ref, r.code): r for r in repository.documents_of(session, claim_id)}
    for need in wanted:
        key = (need.subject, need.contract_ref, need.code)
        rules = json.dumps([{"rule": r, "source": s} for r, s in need.rules], ensure_ascii=False)
        row = rows.get(key)
        if row is None:
            row = ClaimDocumentRow(claim_id=claim_id, subject=need.subject, contract_ref=need.contract_ref,
                                   code=need.code, route=need.route.value, state=DocState.NEEDED.value, rules=rules,
                                   updated_at=now, updated_by="rules")  # fmt: skip
            session.add(row)
            rows[key] = row
        elif row.rules != rules or row.route != need.route.value:
            row.rules, row.route = rules, need.route.value
    asked = {(n.subject, n.contract_ref, n.code) for n in wanted}
    for key, row in rows.items():
        if key not in asked and row.state == DocState.NEEDED.value and row.updated_by == "rules":
            row.state, row.updated_at = DocState.NOT_NEEDED.value, now
    session.flush()
    return sorted(rows.values(), key=lambda r: (r.subject != "claim", r.subject, r.contract_ref, r.id))


def mark(
    session: Session, master: MasterKey, actor: Actor, *, document_id: int, state: DocState, reason: str, now: datetime
) -> ClaimDocumentRow:
    """A reviewer marks a needed document received or not needed (or back); the same mark twice
    changes nothing; every change is in the audit log with its reason. The reason is what a person
    wrote about someone's claim (why a 세부내역서 is not needed, say): the entry is sealed whole under
    the person's key, as a move's is (privacy/at_rest.py); of an erased person, only the change is kept."""
    if actor.role not in MARKERS:
        raise Forbidden("서류 상태는 심사센터 직원이 바꿉니다.")
    row = session.get(ClaimDocumentRow, document_id, with_for_update=True)
    if row is None:
        raise NotFound(f"서류 #{document_id}을(를) 찾을 수 없습니다.")
    if row.state == state.value:
        return row
    if state is DocState.NOT_NEEDED and not reason.strip():
        raise Invalid(field="reason", message="필요 없는 이유를 적어 주세요 (예: 비급여 없음).")
    before = row.state
    row.state, row.updated_at, row.updated_by = state.value, now, actor.label
    claim = session.get(ClaimRow, row.claim_id)
    key = people.data_key_or_none(session, master, claim.person_id) if claim is not None else None
    marked = {"document": row.id, "code": row.code, "subject": row.subject, "from": before, "to": state.value}
    detail = at_rest.seal_detail(key, "claim", str(row.claim_id), marked | {"reason": reason}) if key else marked
    chain.append(session, at=now, actor=actor.label, action="claim.document_marked", object_type="claim",
                 object_id=str(row.claim_id), detail=detail)  # fmt: skip
    session.flush()
    return row


def outstanding(rows: Sequence[ClaimDocumentRow]) -> list[ClaimDocumentRow]:
    return [r for r in rows if r.state == DocState.NEEDED.value]
