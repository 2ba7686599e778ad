"""Benchmark of discover's estimates against the exact engine: figures, not a test.

Two synthetic books — `silson synth`'s, and a second one (below, `mixed_book`) whose mixes differ on
purpose (bigger and fewer visits, 비급여 on more visits in smaller lumps, one provider per class, fewer
prescriptions) — are turned into what discover reads: per person, a 연말정산 간소화 XML (events summed
per provider and year into B101Y rows) and a contract list (silson-contracts/1). Discover runs per
person; the exact figures are `silson batch`'s scalar engine on the same events and the same claim
date. Printed per book:

- containment: the exact total inside [low, high] per person, person-year and contract;
- typical/exact: the share of people within ±20 %, median and p10/p90 overall and per generation
  (contracts of that generation; and people whose contracts are all of it);
- the share of people (and person-years) whose exact total is inside the likely range;
- seconds per person for discover.

    .venv/bin/python bench/estimates.py                    # 300 people per book
    .venv/bin/python bench/estimates.py --persons 100 --book synth --out /tmp/books

People with no exact payout and no estimate count as within ±20 %. Synthetic people get no NHIS
refund (the book has none), so discover runs with --band 10, whose cap no synthetic person reaches.
Statistics here use floats; the product's money never does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

# isort: off
import silson  # noqa: F401  first: it sets Polars' allocator
import numpy as np
import polars as pl

# isort: on
from silson.adapters.contract_list import parse_contract_list
from silson.adapters.hometax import parse_hometax
from silson.batch import synth
from silson.batch.scalar import adjudicate_people
from silson.discover.providers import ProviderDirectory
from silson.discover.service import discover
from silson.rules.catalogue import Catalogue, load_catalogue

CLAIM_DATE = date(2026, 11, 23)
BAND = 10
GENERATION = {"gen1-nonlife": "1세대", "gen1-life": "1세대", "std-2009-10": "2세대", "std-2013-01": "2세대",
              "std-2015-09": "2세대", "std-2017-04": "3세대", "std-2021-07": "4세대",
              "std-2026-05": "5세대"}  # fmt: skip
PROVIDER_NAME = {
    "clinic": "{n}내과의원", "hospital": "{n}병원", "general_hospital": "{n}종합병원", "tertiary": "{n}대학교병원",
    "korean_medicine_clinic": "{n}한의원", "dental_clinic": "{n}치과의원", "pharmacy": "{n}약국",
}  # fmt: skip
TOWNS = ("연세", "튼튼", "온누리", "바른", "미소", "하나", "새봄", "서울", "중앙", "푸른", "행복", "으뜸")
COVERAGE_NAME = {
    "inpatient": "입원의료비", "outpatient": "통원의료비(외래)", "covered": "급여실손의료비",
    "noncovered": "비급여실손의료비",
}  # fmt: skip


# --- the second book --------------------------------------------------------------------------------


def mixed_book(persons: int, *, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A book whose mixes differ from `silson synth`'s on purpose: about 8 visits a year (not 15.7),
    bigger 급여 copays (lognormal, by class), 비급여 on 45 % of visits (not 25 %) in smaller lumps
    (median ~30,000, not ~49,000), more hospital visits, prescriptions after 50 % of visits (not 70 %),
    admissions 2 %. Contracts are `silson synth`'s (same generations and coverages)."""
    _, contracts = synth.book(persons, years=3, seed=seed + 1)
    rng = np.random.default_rng(seed)
    until = date(2026, 10, 31)
    first_day = until - timedelta(days=365 * 3)
    kinds_mix = (("clinic", 0.50), ("hospital", 0.18), ("general_hospital", 0.12), ("tertiary", 0.05),
                 ("korean_medicine_clinic", 0.10), ("dental_clinic", 0.05))  # fmt: skip
    median_copay = {"clinic": 9_000, "hospital": 20_000, "general_hospital": 35_000, "tertiary": 60_000,
                    "korean_medicine_clinic": 8_000, "dental_clinic": 15_000}  # fmt: skip
    visits = rng.poisson(8.0 * 3 * rng.gamma(1.5, 1 / 1.5, persons))
    person_ids = np.repeat(np.arange(persons), visits)
    n = int(visits.sum())
    days = rng.integers(0, 365 * 3, n)
    kinds = rng.choice([k for k, _ in kinds_mix], n, p=[w for _, w in kinds_mix])
    copay = (np.array([median_copay[k] for k in kinds]) * rng.lognormal(0, 0.6, n)).astype(np.int64) // 100 * 100
    noncovered = np.where(rng.random(n) < 0.45, rng.lognormal(10.3, 0.8, n).astype(np.int64) // 1000 * 1000, 0)
    injury = rng.random(n) < 0.15
    codes = np.where(injury, rng.choice(synth.INJURY_CODES, n), rng.choice(synth.DISEASE_CODES, n))
    inpatient = (rng.random(n) < 0.02) & np.isin(kinds, ["hospital", "general_hospital", "tertiary"])
    stay = rng.integers(2, 9, n)
    copay = np.where(inpatient, copay * stay * 3, copay)
    dates = np.datetime64(first_day, "D") + days
    rx = ~inpatient & np.isin(kinds, synth.RX_KINDS) & (rng.random(n) < 0.5)
    rx_copay = (rng.lognormal(np.log(6_000), 0.7, n)).astype(np.int64) // 100 * 100
    ids = [f"P{p:09d}" for p in person_ids]
    events = pl.DataFrame({
        "person_id": ids, "event_id": [f"m{i}" for i in range(n)],
        "kind": np.where(inpatient, "inpatient", "outpatient"), "date": dates,
        "discharge": np.where(inpatient, dates + stay, np.datetime64("NaT", "D")),
        "cause": np.where(injury, "injury", "disease"), "kcd": codes, "institution_kind": kinds,
        "covered_copay": copay, "covered_full": 0, "noncovered": noncovered,
    }, schema_overrides={"date": pl.Date, "discharge": pl.Date})  # fmt: skip
    pharmacy = pl.DataFrame({
        "person_id": [ids[i] for i in np.flatnonzero(rx)], "event_id": [f"q{i}" for i in np.flatnonzero(rx)],
        "kind": "prescription", "date": dates[rx], "discharge": np.full(int(rx.sum()), np.datetime64("NaT", "D")),
        "cause": np.where(injury[rx], "injury", "disease"), "kcd": codes[rx], "institution_kind": "pharmacy",
        "covered_copay": rx_copay[rx], "covered_full": 0, "noncovered": 0,
    }, schema_overrides={"date": pl.Date, "discharge": pl.Date})  # fmt: skip
    events = pl.concat([events, pharmacy.select(events.columns)], how="vertical_relaxed").sort("person_id", "date")
    return events, contracts


# --- from a book to discover's inputs ----------------------------------------------------------------

#: providers per class a person uses, with the share of visits each gets (the first is their regular one)
SPREAD: dict[str, dict[str, tuple[float, ...]]] = {
    "synth": {"clinic": (0.6, 0.3, 0.1), "pharmacy": (0.7, 0.3), "default": (0.8, 0.2)},
    "mixed": {"default": (1.0,)},
}


@dataclass
class Providers:
    """A 사업자등록번호 and a name for each (person, class, slot), and the class of each number."""

    kinds: dict[str, tuple[str, bool]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def number(self, person: int, kind: str, slot: int) -> str:
        index = len(self.kinds)
        busnid = f"{101 + index % 800:03d}{11 + (index // 800) % 80:02d}{1 + index % 9999:04d}{index % 10}"
        self.kinds[busnid] = (kind, False)
        self.names[busnid] = PROVIDER_NAME[kind].format(n=TOWNS[(person + slot) % len(TOWNS)] + "서울"[slot % 2])
        return busnid


def assign_providers(events: pl.DataFrame, spread: dict[str, tuple[float, ...]], seed: int,
                     providers: Providers) -> pl.DataFrame:  # fmt: skip
    rng = np.random.default_rng(seed)
    slots: dict[tuple[str, str, int], str] = {}
    column = []
    for person, kind in events.select("person_id", "institution_kind").iter_rows():
        weights = spread.get(kind, spread["default"])
        slot = int(rng.choice(len(weights), p=weights))
        key = (person, kind, slot)
        if key not in slots:
            slots[key] = providers.number(int(person[1:]), kind, slot)
        column.append(slots[key])
    return events.with_columns(provider=pl.Series(column))


def hometax_xml(person_id: str, rows: Iterable[tuple[int, str, int]], providers: Providers) -> bytes:
    """One person's 간소화 XML: a <doc> per year, B101Y rows (provider, yearly sum)."""
    resid = "850412-1******"
    docs = []
    by_year: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for year, busnid, amount in rows:
        by_year[year].append((busnid, amount))
    for year in sorted(by_year):
        data = "".join(
            f'<data dat_cd="G0003" busnid="{b}" trade_nm={quoteattr(providers.names[b])}><sum>{a}</sum></data>'
            for b, a in by_year[year]
        )
        docs.append(f'<doc doc_type="01" att_year="{year}"><form form_cd="B101Y">'
                    f'<man resid="{resid}" name="{person_id}">{data}</man></form></doc>')  # fmt: skip
    return f'<?xml version="1.0" encoding="UTF-8"?><root>{"".join(docs)}</root>'.encode()


def contract_list(person_id: str, rows: Iterable[dict[str, Any]]) -> str:
    """One person's contracts as silson-contracts/1: 담보 rows named as the coverages are."""
    out = []
    for c in rows:
        coverages = []
        for key, spec in json.loads(c["coverages"]).items():
            cause, what = key.split("_", 1)
            word = "상해" if cause == "injury" else "질병"
            if what == "inpatient":
                coverages.append({"name": f"{word}입원의료비", "amount": spec["limit"]})
            elif what == "outpatient":
                coverages.append({"name": f"{word}통원의료비(외래)", "amount": spec["outpatient_limit"]})
                coverages.append({"name": f"{word}통원의료비(처방조제)", "amount": spec.get("prescription_limit", 0)})
            else:
                coverages.append({"name": f"{word}{COVERAGE_NAME[what]}", "amount": spec["annual_limit"]})
        kind = "nonlife" if c["terms"] != "gen1-life" else "life"
        out.append({"insurer": c["insurer"], "insurer_kind": kind, "policy_no": c["contract_id"],
                    "insured": {"name": person_id}, "start": c["start"].isoformat(), "option": c["option"],
                    "coverages": coverages})  # fmt: skip
    return json.dumps({"format": "silson-contracts/1", "contracts": out}, ensure_ascii=False)


# --- one book ------------------------------------------------------------------------------------------


@dataclass
class Row:
    person: str
    generations: frozenset[str]
    exact: int
    low: int
    typical: int
    high: int
    likely: tuple[int, int]
    years: list[tuple[int, int, int, int, tuple[int, int]]]  # (exact, low, high, typical, likely)
    contracts: list[tuple[str, int, int, int, int]]  # (generation, exact, low, typical, high)


def run_book(name: str, events: pl.DataFrame, contracts: pl.DataFrame, catalogue: Catalogue, seed: int,
             out: Path | None) -> tuple[list[Row], float]:  # fmt: skip
    providers = Providers()
    events = assign_providers(events, SPREAD[name], seed, providers)
    directory = ProviderDirectory(providers.kinds)
    people = sorted(set(events["person_id"]) & set(contracts["person_id"]))
    decisions = adjudicate_people(events, contracts, CLAIM_DATE, catalogue, people=people)
    dated = decisions.join(events.select("person_id", "event_id", "date"), on=["person_id", "event_id"])
    dated = dated.with_columns(year=pl.col("date").dt.year(), amount=pl.col("amount").fill_null(0))
    exact_year = {(p, y): a for p, y, a in dated.group_by("person_id", "year").agg(pl.col("amount").sum()).iter_rows()}
    exact_contract = {(p, c): a for p, c, a in
                      dated.group_by("person_id", "contract_id").agg(pl.col("amount").sum()).iter_rows()}  # fmt: skip
    paid = pl.col("covered_copay") + pl.col("covered_full") + pl.col("noncovered")
    sums = (events.with_columns(year=pl.col("date").dt.year(), paid=paid)
            .group_by("person_id", "year", "provider").agg(pl.col("paid").sum())
            .sort("person_id", "year", "provider"))  # fmt: skip
    spent: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for p, y, b, a in sums.iter_rows():
        spent[p].append((y, b, a))
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in contracts.iter_rows(named=True):
        held[c["person_id"]].append(c)
    rows: list[Row] = []
    seconds = 0.0
    for p in people:
        xml = hometax_xml(p, spent[p], providers)
        listed = contract_list(p, held[p])
        if out is not None:
            (out / name).mkdir(parents=True, exist_ok=True)
            (out / name / f"{p}.xml").write_bytes(xml)
            (out / name / f"{p}.contracts.json").write_text(listed, encoding="utf-8")
        started = time.process_time()
        report = discover(hometax=parse_hometax(xml, f"{p}.xml"),
                          contracts=parse_contract_list(listed, f"{p}.json", csv=False), catalogue=catalogue,
                          directory=directory, as_of=CLAIM_DATE, decile=BAND)  # fmt: skip
        seconds += time.process_time() - started
        person = report.persons[0]
        total = person.total
        years = []
        for y in sorted({y.year for y in person.provider_years}):
            items = [i for i in person.provider_years if i.year == y]
            if hasattr(person, "year_total"):
                t = person.year_total(y)
                years.append((exact_year.get((p, y), 0), t.low, t.high, t.typical, (t.likely_low, t.likely_high)))
            else:  # before issue 21: no likely range
                typ = sum(i.total.typical for i in items)
                low, high = sum(i.total.low for i in items), sum(i.total.high for i in items)
                years.append((exact_year.get((p, y), 0), low, high, typ, (typ, typ)))
        per_contract = []
        for c in held[p]:
            key = f"{c['insurer']}/{c['contract_id']}"
            est = [i.estimates[key] for i in person.provider_years if key in i.estimates]
            per_contract.append((GENERATION[c["terms"]], exact_contract.get((p, c["contract_id"]), 0),
                                 sum(e.low for e in est), sum(e.typical for e in est),
                                 sum(e.high for e in est)))  # fmt: skip
        likely_total = (getattr(total, "likely_low", total.typical), getattr(total, "likely_high", total.typical))
        rows.append(Row(p, frozenset(GENERATION[c["terms"]] for c in held[p]), sum(y[0] for y in years),
                        total.low, total.typical, total.high, likely_total, years, per_contract))  # fmt: skip
    return rows, seconds / max(1, len(people))


# --- figures -----------------------------------------------------------------------------------------


def within(typical: int, exact: int, tolerance: float = 0.2) -> bool:
    return abs(typical - exact) <= tolerance * exact if exact else typical == 0


def quantiles(values: list[float]) -> str:
    if not values:
        return "—"
    values = sorted(values)
    q = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else [values[0]] * 9
    return f"median {statistics.median(values):.2f} (p10 {q[0]:.2f}, p90 {q[8]:.2f}, n={len(values)})"


def share(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):.1f} % ({sum(flags)}/{len(flags)})" if flags else "—"


def report(name: str, rows: list[Row], per_person: float) -> dict[str, Any]:
    years = [y for r in rows for y in r.years]
    contracts = [c for r in rows for c in r.contracts]
    inside = [r.low <= r.exact <= r.high for r in rows]
    ratio = [r.typical / r.exact for r in rows if r.exact]
    ok = [within(r.typical, r.exact) for r in rows]
    likely = [r.likely[0] <= r.exact <= r.likely[1] for r in rows]
    print(f"\n== {name}: {len(rows)} people, {len(years)} person-years, {len(contracts)} contracts; "
          f"discover {per_person * 1000:.0f} ms CPU per person")  # fmt: skip
    print(f"containment: people {share(inside)}, person-years {share([lo <= e <= hi for e, lo, hi, _, _ in years])}, "
          f"contracts {share([lo <= e <= hi for _, e, lo, _, hi in contracts])}")  # fmt: skip
    print(f"within ±20 %: people {share(ok)}; person-years {share([within(t, e) for e, _, _, t, _ in years])}")
    print(f"typical/exact per person: {quantiles(ratio)}")
    print(f"exact inside likely range: people {share(likely)}, "
          f"person-years {share([lk[0] <= e <= lk[1] for e, _, _, _, lk in years])}")  # fmt: skip
    print(f"low is 0 for {sum(r.low == 0 for r in rows)} of {len(rows)} people")
    medians = {}
    for g in sorted({c[0] for c in contracts}):
        mine = [c[3] / c[1] for c in contracts if c[0] == g and c[1]]
        alone = [r for r in rows if r.generations == {g}]
        medians[g] = statistics.median(mine) if mine else float("nan")
        print(f"  {g}: contracts {quantiles(mine)}; people with only {g}: "
              f"{quantiles([r.typical / r.exact for r in alone if r.exact])}, "
              f"within ±20 % {share([within(r.typical, r.exact) for r in alone])}")  # fmt: skip
    return {"within": sum(ok) / len(ok), "likely": sum(likely) / len(likely), "contained": all(inside),
            "medians": medians}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=300, help="people per book")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--book", choices=("synth", "mixed", "both"), default="both")
    parser.add_argument("--out", type=Path, default=None, help="also write each person's XML and contract list here")
    args = parser.parse_args()
    catalogue = load_catalogue()
    books = []
    if args.book in ("synth", "both"):
        books.append(("synth", *synth.book(args.persons, years=3, seed=args.seed)))
    if args.book in ("mixed", "both"):
        books.append(("mixed", *mixed_book(args.persons, seed=args.seed)))
    started = time.perf_counter()
    for name, events, contracts in books:
        rows, per_person = run_book(name, events, contracts, catalogue, args.seed, args.out)
        figures = report(name, rows, per_person)
        off = {g: m for g, m in figures["medians"].items() if abs(m - 1) > 0.10}
        print(f"targets: ≥80 % within ±20 % {'met' if figures['within'] >= 0.8 else 'NOT met'}; "
              f"generation medians within 10 % {'met' if not off else 'NOT met ' + str(off)}; "
              f"likely range 75–90 % {'met' if 0.75 <= figures['likely'] <= 0.90 else 'NOT met'}; "
              f"containment {'met' if figures['contained'] else 'NOT met'}")  # fmt: skip
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
