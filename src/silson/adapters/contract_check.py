"""A contract list checked against the terms it maps to, before anything is accepted: the CLI's
`discover`, the upload and the job all call this, so a stored contract always adjudicates. Without
it, a coverage of 10^30 or an option the terms lack imports and then every estimate fails."""

from __future__ import annotations

from silson.adapters.contract_list import ContractListError, ListedContract, is_silson, silson_coverages
from silson.domain.model import Contract
from silson.rules.catalogue import Catalogue
from silson.rules.engine import FORMULAS
from silson.rules.formula import InputError
from silson.rules.limits import visit_limits
from silson.rules.mapping import TermsPeriod, map_contract


def stored_option(period: TermsPeriod, catalogue: Catalogue) -> str | None:
    """The option a contract is computed with: its own, else the terms' default, else the first the
    terms list (the estimate says so; discover/service.py does the same)."""
    rules = catalogue.get(period.rule_set)
    return period.option or rules.default_option or (next(iter(rules.options)) if rules.options else None)


def check_against_terms(contracts: list[ListedContract], catalogue: Catalogue, file: str) -> None:
    """Every 실손 contract maps to a rule set, and its coverages fit that rule set's maxima and
    parts; else ContractListError naming the contract and the coverage."""
    for i, item in enumerate(contracts):
        if not is_silson(item):
            continue
        at = f"contracts[{i}] ({item.insurer} {item.policy_no})"
        try:
            periods = map_contract(catalogue=catalogue, start=item.start, product=item.product_code,
                                   insurer_kind=item.insurer_kind, option=item.option,
                                   resubscribed=item.resubscribed)  # fmt: skip
        except ValueError as exc:
            raise ContractListError(file, f"{at}.start", str(exc)) from None
        for period in periods:
            rules = catalogue.get(period.rule_set)
            coverages = silson_coverages(item, visit_limits=visit_limits(rules, period.start))
            contract = Contract(id=item.policy_no, insurer=item.insurer, terms=period.rule_set, start=period.start,
                                end=item.end, product=period.product, option=stored_option(period, catalogue),
                                coverages=coverages.coverages)  # fmt: skip
            try:
                FORMULAS[rules.formulas].check_contract(contract, rules, at)
            except InputError as exc:
                raise ContractListError(
                    file, "", f"{exc} — 약관({rules.id})의 한도를 넘거나 맞지 않는 담보입니다"
                ) from None
