"""Synthetic books: persons, their 실손 contracts and 3 years of hospital and pharmacy events, with
realistic mixes. Deterministic for a seed (numpy's PCG64). Synthetic through and through.

Where the mixes come from (figures are the sources'; the shapes around them are assumptions):
- Visits per person and year: Korea had 15.7 doctor consultations per capita in 2021 (OECD Health
  Statistics 2023, "Doctors' consultations"). Children and people over 65 visit more than adults of
  working age (HIRA 진료비 통계 by age); the multipliers by age band below are assumptions that
  average out near that national figure.
- Institution classes: most outpatient visits are at 의원 (clinics), far fewer at hospitals and
  tertiary hospitals (HIRA 요양기관 종별 진료비 통계); the shares below are assumptions in that order.
- A prescription is filled at a pharmacy after most clinic visits (assumed 70%); admissions are
  about 1% of events (assumed).
- Amounts: patient-paid 급여 per clinic visit of a few thousand to ~20,000 won, more at hospitals;
  some visits add 비급여 (assumed 25%) of tens of thousands to a few hundred thousand won.
- Contracts: one to three 실손 contracts per person, dated across the generations (1세대 before
  2009-10 … 4세대 from 2021-07), as people who bought more than one, or renewed into newer terms,
  hold them; limits are the usual amounts of each generation.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import polars as pl

from silson.errors import Invalid

AGE_BANDS = ((0, 10, 1.4), (10, 20, 0.8), (20, 50, 0.75), (50, 65, 1.1), (65, 90, 1.9))  # (from, to, × national)
VISITS_PER_YEAR = 15.7
INSTITUTIONS = (("clinic", 0.70), ("hospital", 0.10), ("general_hospital", 0.07), ("tertiary", 0.03),
                ("korean_medicine_clinic", 0.06), ("dental_clinic", 0.04))  # fmt: skip
COPAY = {
    "clinic": (4_000, 18_000), "hospital": (8_000, 40_000), "general_hospital": (15_000, 70_000),
    "tertiary": (25_000, 120_000), "korean_medicine_clinic": (4_000, 15_000), "dental_clinic": (5_000, 30_000),
}  # fmt: skip
DISEASE_CODES = ("J06.9", "J20.9", "K29.7", "M54.5", "I10", "E11.9", "H10.9", "L30.9", "N39.0", "K21.0", "M17.9",
                 "R51", "F32.9", "K02.9", "A09.9")  # fmt: skip
INJURY_CODES = ("S93.4", "S63.5", "T14.0", "S13.4")
RX_KINDS = ("clinic", "hospital", "general_hospital", "tertiary")

OUTPATIENT_2 = {"outpatient_limit": 200_000, "prescription_limit": 100_000}
GENERATIONS = (  # (terms, first contract day, last, option choices, coverages)
    ("gen1-nonlife", date(2003, 1, 1), date(2009, 9, 30), (None,),
     {"injury_inpatient": {"limit": 30_000_000}, "injury_outpatient": {"outpatient_limit": 100_000},
      "disease_inpatient": {"limit": 30_000_000}, "disease_outpatient": {"outpatient_limit": 100_000}}),
    ("std-2009-10", date(2009, 10, 1), date(2012, 12, 31), (None,),
     {"injury_inpatient": {"limit": 50_000_000}, "injury_outpatient": OUTPATIENT_2,
      "disease_inpatient": {"limit": 50_000_000}, "disease_outpatient": OUTPATIENT_2}),
    ("std-2013-01", date(2013, 1, 1), date(2015, 8, 31), ("standard", "choice1"),
     {"injury_inpatient": {"limit": 50_000_000}, "injury_outpatient": OUTPATIENT_2,
      "disease_inpatient": {"limit": 50_000_000}, "disease_outpatient": OUTPATIENT_2}),
    ("std-2015-09", date(2015, 9, 1), date(2017, 3, 31), ("standard", "choice2"),
     {"injury_inpatient": {"limit": 50_000_000}, "injury_outpatient": {"outpatient_limit": 250_000,
      "prescription_limit": 50_000}, "disease_inpatient": {"limit": 50_000_000},
      "disease_outpatient": {"outpatient_limit": 250_000, "prescription_limit": 50_000}}),
    ("std-2017-04", date(2017, 4, 1), date(2021, 6, 30), ("standard", "choice2"),
     {"injury_inpatient": {"limit": 50_000_000}, "injury_outpatient": OUTPATIENT_2,
      "disease_inpatient": {"limit": 50_000_000}, "disease_outpatient": OUTPATIENT_2}),
    ("std-2021-07", date(2021, 7, 1), date(2024, 12, 31), (None,),
     {"injury_covered": {"annual_limit": 50_000_000, "outpatient_limit": 200_000},
      "disease_covered": {"annual_limit": 50_000_000, "outpatient_limit": 200_000},
      "injury_noncovered": {"annual_limit": 50_000_000, "outpatient_limit": 200_000, "annual_visits": 100},
      "disease_noncovered": {"annual_limit": 50_000_000, "outpatient_limit": 200_000, "annual_visits": 100}}),
)  # fmt: skip
GENERATION_WEIGHTS = (0.15, 0.12, 0.15, 0.13, 0.30, 0.15)
INSURERS = ("현대해상", "삼성화재", "DB손해보험", "KB손해보험", "메리츠화재", "한화생명", "교보생명")


def book(persons: int, *, years: int = 3, seed: int = 0, until: date = date(2026, 10, 31),
         inpatient_share: float = 0.01, generations: tuple[str, ...] | None = None,
         first_person: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """(events, contracts) for `persons` people over the `years` before `until`; `generations`
    keeps only contracts of those terms; `first_person` numbers the people (for books in parts)."""
    rng = np.random.default_rng(seed)
    first_day = until - timedelta(days=365 * years)
    ages = rng.integers(0, 90, persons)
    rate = np.full(persons, VISITS_PER_YEAR)
    for band_from, band_to, factor in AGE_BANDS:
        rate[(ages >= band_from) & (ages < band_to)] *= factor
    visits = rng.poisson(rate * years * rng.gamma(2.0, 0.5, persons))  # heterogeneity between people
    person_ids = np.repeat(np.arange(persons), visits)
    n = int(visits.sum())
    days = rng.integers(0, 365 * years, n)
    kinds = rng.choice([k for k, _ in INSTITUTIONS], n, p=[w for _, w in INSTITUTIONS])
    injury = rng.random(n) < 0.12
    codes = np.where(injury, rng.choice(INJURY_CODES, n), rng.choice(DISEASE_CODES, n))
    low = np.array([COPAY[k][0] for k in kinds])
    high = np.array([COPAY[k][1] for k in kinds])
    copay = (low + (high - low) * rng.beta(2, 5, n)).astype(np.int64) // 100 * 100
    noncovered = np.where(rng.random(n) < 0.25, (rng.lognormal(10.8, 0.9, n)).astype(np.int64) // 1000 * 1000, 0)
    full = np.where(rng.random(n) < 0.05, rng.integers(1, 30, n) * 1000, 0)
    inpatient = rng.random(n) < inpatient_share
    stay = rng.integers(1, 12, n)
    visit_kind = np.where(inpatient, "inpatient", "outpatient")
    inst = np.where(
        inpatient & np.isin(kinds, ["clinic", "korean_medicine_clinic", "dental_clinic"]), "hospital", kinds
    )
    copay = np.where(inpatient, copay * stay * 4, copay)
    noncovered = np.where(inpatient, noncovered * 3, noncovered)
    dates = np.datetime64(first_day, "D") + days
    discharge = np.where(inpatient, dates + stay, np.datetime64("NaT", "D"))
    rx = ~inpatient & np.isin(inst, RX_KINDS) & (rng.random(n) < 0.7)
    rx_copay = (rng.integers(10, 150, n) * 100).astype(np.int64)

    events = pl.DataFrame({
        "person_id": [f"P{p + first_person:09d}" for p in person_ids],
        "event_id": [f"v{i}" for i in range(n)],
        "kind": visit_kind, "date": dates, "discharge": discharge,
        "cause": np.where(injury, "injury", "disease"), "kcd": codes, "institution_kind": inst,
        "covered_copay": copay, "covered_full": full, "noncovered": noncovered,
    }, schema_overrides={"date": pl.Date, "discharge": pl.Date})  # fmt: skip
    no_day = np.full(int(rx.sum()), np.datetime64("NaT", "D"))
    pharmacy = pl.DataFrame({
        "person_id": [f"P{p + first_person:09d}" for p in person_ids[rx]],
        "event_id": [f"r{i}" for i in np.flatnonzero(rx)], "kind": "prescription", "date": dates[rx],
        "discharge": no_day, "cause": np.where(injury[rx], "injury", "disease"),
        "kcd": codes[rx], "institution_kind": "pharmacy", "covered_copay": rx_copay[rx], "covered_full": 0,
        "noncovered": 0,
    }, schema_overrides={"date": pl.Date, "discharge": pl.Date})  # fmt: skip
    events = (
        pl.concat([events.with_columns(_seq=pl.Series(np.arange(n) * 2)),
                   pharmacy.with_columns(_seq=pl.Series(np.flatnonzero(rx) * 2 + 1)).select(*events.columns, "_seq")],
                  how="vertical_relaxed")
        .sort("person_id", "date", "_seq")  # the visit, then its pharmacy
        .drop("_seq")
    )  # fmt: skip

    holdings = rng.choice([1, 2, 3], persons, p=[0.6, 0.3, 0.1])
    owner = np.repeat(np.arange(persons), holdings)
    m = int(holdings.sum())
    weights = np.array([w if generations is None or g[0] in generations else 0.0
                        for g, w in zip(GENERATIONS, GENERATION_WEIGHTS, strict=True)])  # fmt: skip
    if weights.sum() == 0:
        raise Invalid(f"none of {generations} is one of {[g[0] for g in GENERATIONS]}", field="generations")
    generation = rng.choice(len(GENERATIONS), m, p=weights / weights.sum())
    rows = []
    for i in range(m):
        terms, start_lo, start_hi, options, coverages = GENERATIONS[generation[i]]
        span = (start_hi - start_lo).days
        start = start_lo + timedelta(days=int(rng.integers(0, span + 1)))
        option = options[int(rng.integers(0, len(options)))]
        insurer = INSURERS[int(rng.integers(0, len(INSURERS)))]
        rows.append({"person_id": f"P{owner[i] + first_person:09d}", "contract_id": f"c{i}", "insurer": insurer,
                     "terms": terms, "option": option, "start": start, "coverages": json.dumps(coverages)})  # fmt: skip
    contracts = pl.DataFrame(rows, schema={"person_id": pl.String, "contract_id": pl.String, "insurer": pl.String,
                                           "terms": pl.String, "option": pl.String, "start": pl.Date,
                                           "coverages": pl.String})  # fmt: skip
    return events, contracts
