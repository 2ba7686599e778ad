"""소멸시효 (the limitation of a claim) read from the terms data, for every place outside the engine
that needs a claim's deadline: discover's windows and estimates, the review queue's order.

The engine screens each (event, contract) pair with the same parameter (`limitation.years`, dated by
the event: 2 years under the 2009 terms for events before 2013-03-12, 3 years after, 상법 제662조);
this module keeps the other callers from writing "3 years" again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from silson.domain.model import Contract
from silson.rules.catalogue import Catalogue, CatalogueError, RuleSet
from silson.rules.periods import add_years


def claim_deadline(*, rules: RuleSet, event_day: date) -> date:
    """The last day a claim for care on `event_day` can be made under these terms.

    >>> from silson.rules.catalogue import load_catalogue
    >>> claim_deadline(rules=load_catalogue().get("std-2015-09"), event_day=date(2024, 2, 29))
    datetime.date(2027, 2, 28)
    >>> claim_deadline(rules=load_catalogue().get("std-2009-10"), event_day=date(2012, 5, 1))
    datetime.date(2014, 5, 1)
    """
    return add_years(event_day, rules.typed("limitation.years", event_day, int))


def earliest_deadline(*, catalogue: Catalogue, contracts: Sequence[Contract], event_day: date) -> date:
    """The earliest deadline over the contracts that may pay care on `event_day` (the one to act by);
    with no contract it reads the newest standard terms of the catalogue."""
    deadlines = []
    for contract in contracts:
        try:
            rules = catalogue.resolve(contract.terms, contract.product)
            deadlines.append(claim_deadline(rules=rules, event_day=event_day))
        except CatalogueError:
            # terms the catalogue cannot place, or that had no value yet on that day, cannot pay that
            # care: they set no deadline (the engine reports them on their own)
            continue
    if deadlines:
        return min(deadlines)
    newest = max((r for r in catalogue.rule_sets.values() if r.kind == "standard"), key=lambda r: r.contracts_from)
    return claim_deadline(rules=newest, event_day=event_day)
