"""Discover from what the store holds for a person (imported spending, mapped contracts and the 실손
already received), for the API and the pages: the same use case as `silson discover`
(`report_person`), fed the same three inputs, read with the caller's rights (family may view). The
report is computed once per change of those inputs and kept sealed (`discover.cache`)."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.adapters.hometax import MedicalExpense, SilsonReceived
from silson.adapters.hometax import Person as TaxPerson
from silson.discover import cache
from silson.discover.providers import ProviderDirectory
from silson.discover.service import ContractView, DiscoverReport, report_person
from silson.domain.model import Contract, Coverage, CoverageKey
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey, open_sealed
from silson.rules.catalogue import Catalogue
from silson.store import repository


def stored_report(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, actor: Actor, *,
    person_id: int, as_of: date, now: datetime, decile: int | None = None,
    visits: dict[tuple[str, int], int] | None = None,
) -> DiscoverReport:  # fmt: skip
    """The person's report; `decile` (건강보험료 소득 분위) and `visits` (visit counts per provider and
    year) are what the person told to narrow the range: such a report is computed at once and not
    stored (it is a look with more facts, not the person's estimate of record)."""
    view = people.profile(session, master, actor, person_id, now)  # spending and estimates: family sees them
    key = people.data_key(session, master, person_id)
    who = TaxPerson(resid="", name=view.name)
    rows = [
        MedicalExpense(r.year, who, at_rest.open_provider(key, r),
                       open_sealed(key, r.provider_name_sealed, "spending.provider_name"), "", r.amount)
        for r in repository.spending_of(session, person_id)
    ]  # fmt: skip
    views = []
    contract_of_policy: dict[str, str] = {}  # policy number → the stored contract's reference
    for c in repository.contracts_of(session, person_id):
        contract_of_policy[open_sealed(key, c.policy_sealed, "contract.policy_no")] = f"contract:{c.id}"
        coverages = {
            CoverageKey(k): Coverage(**{**v, "key": CoverageKey(k)}) for k, v in json.loads(c.coverages_json).items()
        }
        contract = Contract(id=f"{c.insurer}/contract:{c.id}", insurer=c.insurer, terms=c.rule_set, start=c.start,
                            end=c.end, option=c.option, coverages=coverages)  # fmt: skip
        views.append(ContractView(contract.id, c.insurer, f"contract:{c.id}", view.name, c.rule_set,
                                  c.mapping_certain, (), contract))  # fmt: skip
    # B201Y rows name the policy; the report knows stored contracts by reference (no policy number shown)
    received = []
    for r in repository.received_of(session, person_id):
        policy = open_sealed(key, r.policy_sealed, "received.policy_no")
        received.append(SilsonReceived(r.year, who, "", r.insurer, contract_of_policy.get(policy, ""), "", r.amount))

    def compute() -> DiscoverReport:
        report = report_person(
            name=view.name, resid="", rows=rows, views_for=lambda year: (views, []), received=received,
            catalogue=catalogue, directory=directory, as_of=as_of, decile=decile, visits=visits,
        )  # fmt: skip
        return DiscoverReport(as_of, (report,), catalogue.version, decile)

    if visits or decile is not None:
        return compute()

    # the name is an input too (the report prints it), and the provider data that classified each row
    parts = [view.name, directory.digest, [(r.year, r.provider_id, r.provider_name, r.amount) for r in rows],
             [(v.key, v.insurer, v.rule_set, v.certain, v.contract) for v in views],
             [(r.year, r.insurer_name, r.policy_no, r.amount) for r in received]]  # fmt: skip
    inputs = cache.inputs_digest(parts, catalogue_version=catalogue.version, as_of=as_of, decile=decile)
    return cache.remembered(session, key, person_id, inputs, compute, now=now)


def warm(session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, *, person_id: int,
         now: datetime) -> None:  # fmt: skip
    """Compute and store the person's estimate for today (a job does this after each import, so that
    the person's next look is the stored report rather than three years of engine runs). It reads as
    the person would: a staff read is audited, and that write would hold SQLite's lock all along."""
    stored_report(session, master, catalogue, directory, Actor(Role.CUSTOMER, person_id=person_id),
                  person_id=person_id, as_of=now.date(), now=now)  # fmt: skip
