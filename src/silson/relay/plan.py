"""The route of every visit of one claim (or, before its receipts are read, every provider-year of
the estimate it was opened from), as silson chooses it and as the customer may have changed it.

The subjects come from the claim: a visit's institution and day from its stored event, the expected
payout from the engine's figure for that visit (the claim's insurer); a provider-year's institution
from the tax data and its payout from the claim's items. The documents each subject needs come from
the claim's rule table (claims/checklist.needs), so the fees counted are those of the documents an
agent would really ask for. The checklist takes its document routes from here (`document_routes`)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.claims import checklist, events, repository
from silson.discover.providers import ProviderDirectory
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey, open_sealed
from silson.relay import route
from silson.relay.models import RelaySubmissionRow, RouteChoiceRow
from silson.rules.catalogue import Catalogue, load_catalogue
from silson.store import repository as store
from silson.store.models import ClaimItemRow, ClaimRow


@dataclass(frozen=True, slots=True)
class Sent:
    receipt_no: str  # 접수번호
    submitted_on: date
    channel: str
    status: str


@dataclass(frozen=True, slots=True)
class VisitPlan:
    subject: route.Subject
    silson: route.Choice  # silson's own choice
    choice: route.Choice  # the one in force
    chosen_by: str | None  # who picked it when it is not silson's
    note: str | None  # why a stored pick no longer holds
    sent: Sent | None  # the 실손24 submission that carried it


@cache
def _catalogue() -> Catalogue:
    return load_catalogue()


def _expected_per_visit(session: Session, master: MasterKey, claim: ClaimRow, now: datetime) -> dict[str, int] | None:
    """The engine's figure per visit for the claim's insurer; None when it cannot be computed."""
    try:
        found = events.figures(session, master, _catalogue(), Actor(Role.SYSTEM), claim_id=claim.id,
                               claim_date=now.date(), now=now)  # fmt: skip
    except ValueError:
        return None
    insurer_of = {c.id: c.insurer for c in found.case.contracts}
    per: dict[str, int] = defaultdict(int)
    for d in found.result.decisions:
        if insurer_of[d.contract] == claim.insurer:
            per[d.event] += d.amount
    return per


def subjects(
    session: Session, master: MasterKey, directory: ProviderDirectory, claim: ClaimRow, *,
    visits: Sequence[events.StoredEvent], items: Sequence[ClaimItemRow], now: datetime,
    table: checklist.Table | None = None,
) -> list[route.Subject]:  # fmt: skip
    """The claim's subjects with the documents each needs (its visits, or its estimate items)."""
    table = table or checklist.load_table()
    spending = {f"spending:{r.id}": r for r in store.spending_of(session, claim.person_id)}
    key = people.data_key(session, master, claim.person_id)
    provider = {ref: at_rest.open_provider(key, row) for ref, row in spending.items()}
    estimate = [(i.event_ref, i.contract_ref, provider[i.event_ref], spending[i.event_ref].year)
                for i in items if i.event_ref in spending and not visits]  # fmt: skip
    contracts = sorted({i.contract_ref for i in items}) or [""]
    wanted = checklist.needs(table, insurer=claim.insurer, claim_facts=set(),
                             visits=[(f"e{v.id}", v.data) for v in visits], items=estimate, contracts=contracts,
                             directory=directory)  # fmt: skip
    codes: dict[str, list[str]] = defaultdict(list)
    for need in wanted:
        if need.subject != "claim" and table.documents[need.code]["from"] == "provider":
            codes[need.subject].append(need.code)

    def split(ref: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        mine = list(dict.fromkeys(codes.get(ref, [])))
        return (tuple(c for c in mine if table.documents[c].get("silson24")),
                tuple(c for c in mine if not table.documents[c].get("silson24")))  # fmt: skip

    found: list[route.Subject] = []
    if visits:
        expected = _expected_per_visit(session, master, claim, now)
        for v in visits:
            ref = f"e{v.id}"
            place = v.data.get("institution") or {}
            code, name = str(place.get("code") or ""), str(place.get("name") or "")
            kind = str(place.get("kind") or directory.classify(code, name).kind)
            day = date.fromisoformat(v.data["date"])
            last = date.fromisoformat(v.data["discharge"]) if v.data.get("discharge") else day
            relay_codes, other_codes = split(ref)
            found.append(route.Subject(ref, day, last, code, name, kind,
                                       expected.get(ref, 0) if expected is not None else None, relay_codes,
                                       other_codes))  # fmt: skip
        return found
    amounts: dict[str, int] = defaultdict(int)
    for item in items:
        amounts[item.event_ref] += item.amount
    for ref in dict.fromkeys(i.event_ref for i in items):
        row = spending.get(ref)
        if row is None:
            continue
        name = open_sealed(key, row.provider_name_sealed, "spending.provider_name")
        last = min(date(row.year, 12, 31), now.date())
        relay_codes, other_codes = split(ref)
        found.append(route.Subject(ref, date(row.year, 1, 1), last, provider[ref], name,
                                   directory.classify(provider[ref], name).kind, amounts[ref], relay_codes,
                                   other_codes))  # fmt: skip
    return found


def choices_of(session: Session, claim_id: int) -> dict[str, RouteChoiceRow]:
    rows = session.scalars(select(RouteChoiceRow).where(RouteChoiceRow.claim_id == claim_id)).all()
    return {r.subject: r for r in rows}


def submissions_of(session: Session, claim_id: int) -> list[RelaySubmissionRow]:
    query = select(RelaySubmissionRow).where(RelaySubmissionRow.claim_id == claim_id)
    return list(session.scalars(query.order_by(RelaySubmissionRow.id)).all())


def plan(
    session: Session, master: MasterKey, directory: ProviderDirectory, claim: ClaimRow, *, now: datetime,
    participation: route.Participation | None = None, costs: route.Costs | None = None,
) -> list[VisitPlan]:  # fmt: skip
    """Every subject of the claim with silson's choice and the one in force. The caller has checked
    that the actor may read the claim."""
    participation = participation or route.load_participation()
    costs = costs or route.load_costs(on=now.date())
    visits = events.of_claim(session, master, Actor(Role.SYSTEM), claim.id)
    items = repository.items_of_claim(session, claim.id)
    picked = choices_of(session, claim.id)
    sent: dict[str, Sent] = {}
    for submission in submissions_of(session, claim.id):
        for ref in json.loads(submission.subjects):
            sent[ref] = Sent(submission.receipt_no, submission.submitted_on, submission.channel, submission.status)
    found = []
    for subject in route.with_along(subjects(session, master, directory, claim, visits=visits, items=items, now=now),
                          participation, costs):  # fmt: skip
        own = route.choose(subject, participation=participation, costs=costs)
        choice, by, note = own, None, None
        row = picked.get(subject.ref)
        if row is not None:
            try:
                choice, by = route.override(subject, own, route.VisitRoute(row.route)), row.chosen_by
            except route.Impossible as exc:
                note = f"고르신 경로를 더 쓸 수 없어 silson 추천으로 돌아갔어요: {str(exc).partition(': ')[2]}"
        found.append(VisitPlan(subject, own, choice, by, note, sent.get(subject.ref)))
    return found


def document_routes(
    session: Session, master: MasterKey, directory: ProviderDirectory, claim: ClaimRow, *, now: datetime
) -> dict[str, dict[bool, str]]:
    """For the checklist: per subject, the route of a provider document by whether 실손24 carries it."""
    return {p.subject.ref: {k: v.value for k, v in p.choice.document_route.items()}
            for p in plan(session, master, directory, claim, now=now)}  # fmt: skip
