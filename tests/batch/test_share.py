"""Multiple-policy sharing over sorted runs (share.py) against the engine's own sharing.share and
engine._split, claim by claim, on random units; and two claims worked by hand."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from silson.batch.columnar import RX_BIT as _RX_BIT
from silson.batch.columnar import unit_key as _unit_key
from silson.batch.share import shared_amounts
from silson.rules.engine import _split
from silson.rules.sharing import Claimant, share

UNIT = {"uk": pl.Int64, "order": pl.Int32, "first_pos": pl.Int32, "rx_unit": pl.Boolean, "both_kinds": pl.Boolean,
        "all_rx": pl.Boolean, "liability": pl.Int64, "eligible": pl.Int64, "ded100": pl.Int64}  # fmt: skip


def units_of(rows: list[dict[str, int | bool]]) -> pl.DataFrame:
    """Units of person 0 (keys packed as the columnar path packs them) from (day, cond, order, …)."""
    frame = pl.DataFrame(rows).with_columns(pidx=pl.lit(0, pl.Int32), injury=pl.lit(False),
                                            date=pl.col("day").cast(pl.Date))  # fmt: skip
    return frame.with_columns(uk=_unit_key(pl.col("rx_unit"), pl.col("cond"))).select(
        [pl.col(name).cast(dtype) for name, dtype in UNIT.items()]
    )


def reference(units: pl.DataFrame) -> list[int]:
    """What the engine pays: each claim's contracts share their summed units (sharing.share), and
    each contract's share is split back over its units in the order of their first events (_split)."""
    rows = units.with_row_index("i").to_dicts()
    days: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        days[row["uk"] & ~_RX_BIT].append(row)
    out = [0] * len(rows)
    for day_rows in days.values():
        bridged = any(r["both_kinds"] for r in day_rows)
        claims: dict[bool, list[dict]] = defaultdict(list)
        for r in day_rows:
            claims[False if bridged else r["all_rx"]].append(r)
        for claim in claims.values():
            pairs: dict[int, list[dict]] = defaultdict(list)
            for r in claim:
                pairs[r["order"]].append(r)
            contracts = sorted(pairs)
            claimants = [Claimant(sum(r["liability"] for r in pairs[o]), sum(r["eligible"] for r in pairs[o]),
                                  Fraction(sum(r["ded100"] for r in pairs[o]), 100), "") for o in contracts]  # fmt: skip
            for o, (amount, _) in zip(contracts, share(claimants), strict=True):
                held = sorted(pairs[o], key=lambda r: r["first_pos"])
                for r, part in zip(held, _split(amount, [r["liability"] for r in held]), strict=True):
                    out[r["i"]] = part
    return out


def unit(
    order: int,
    first_pos: int,
    liability: int,
    eligible: int,
    ded100: int,
    *,
    rx: bool = False,
    both_kinds: bool = False,
) -> dict[str, int | bool]:
    """A unit of person 0's visits of one day and condition, under the contract `order`."""
    return {"day": 20000, "cond": 7, "order": order, "first_pos": first_pos, "rx_unit": rx, "both_kinds": both_kinds,
            "all_rx": rx, "liability": liability, "eligible": eligible, "ded100": ded100}  # fmt: skip


def test_two_contracts_cut_to_the_base() -> None:
    # one visit, two contracts: liabilities 8,000 and 9,000 (total 17,000); costs 20,000 and 18,000,
    # deductibles 10,000.00 and 12,000.00 → base = 20,000 − 10,000 = 10,000 < 17,000, so each pays
    # 10,000 × its liability / 17,000, cut to won: 80,000,000 // 17,000 = 4,705; 90,000,000 // 17,000 = 5,294
    units = units_of([unit(0, 0, 8000, 20000, 1_000_000), unit(1, 0, 9000, 18000, 1_200_000)])
    assert shared_amounts(units, _RX_BIT).to_list() == [4705, 5294]


def test_a_bridged_claim_splits_a_contract_share_over_its_units() -> None:
    # The 1st generation merges the pharmacy into the visit (one unit, both kinds); the other contract
    # pays the visit (3,000) and the pharmacy (1,000) apart. The day is one claim: contract 1's units
    # are summed (4,000; costs 6,000 + 2,000 = 8,000; deductibles 2,000 + 1,000 = 3,000), contract 0
    # has 5,000 on costs 8,000, deductible 2,000. Total 9,000 > base max(8,000, 8,000) − 2,000 = 6,000:
    # contract 0 pays 6,000 × 5,000 / 9,000 = 3,333; contract 1 pays 6,000 × 4,000 / 9,000 = 2,666,
    # split 2,666 × 3,000 / 4,000 = 1,999 and 2,666 × 1,000 / 4,000 = 666, the lost won to its first
    # paying unit (the visit): 2,000 and 666.
    units = units_of([
        unit(0, 0, 5000, 8000, 200_000, both_kinds=True),
        unit(1, 0, 3000, 6000, 200_000),
        unit(1, 1, 1000, 2000, 100_000, rx=True),
    ])  # fmt: skip
    assert shared_amounts(units, _RX_BIT).to_list() == [3333, 2000, 666]


unit_rows = st.fixed_dictionaries({
    "day": st.integers(20000, 20003), "cond": st.integers(0, 2), "order": st.integers(0, 3),
    "first_pos": st.integers(0, 40), "rx_unit": st.booleans(), "both_kinds": st.booleans(),
    "liability": st.integers(0, 300_000) | st.just(0), "eligible": st.integers(0, 500_000),
    "ded100": st.integers(0, 5_000_000),
})  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(unit_rows, max_size=40))
def test_sharing_over_runs_equals_the_engine(rows: list[dict[str, int | bool]]) -> None:
    # one unit per (day, condition, contract, kind) as the columnar path makes them; a unit with both
    # kinds is a visit unit; a pharmacy unit holds only pharmacy
    seen, units = set(), []
    for row in rows:
        key = (row["day"], row["cond"], row["order"], row["rx_unit"])
        if key in seen or (row["both_kinds"] and row["rx_unit"]):
            continue
        seen.add(key)
        units.append({**row, "all_rx": row["rx_unit"]})
    firsts = [u["first_pos"] for u in units]
    if len(set(firsts)) < len(firsts):  # a unit's first event is its own
        units = [{**u, "first_pos": i} for i, u in enumerate(units)]
    frame = units_of(units) if units else pl.DataFrame(schema=UNIT)
    assert shared_amounts(frame, _RX_BIT).to_list() == reference(frame)


def test_claims_too_large_for_64_bits_are_still_exact() -> None:
    # base 500,000,000,000 (in 1/100 won) × liability 4,000,000,000 passes 2**63: the products are
    # taken in Python's integers, and the figures equal the engine's
    units = units_of([unit(0, 0, 4_000_000_000, 5_000_000_000, 100_000), unit(1, 0, 4_500_000_000, 5_000_000_000, 0)])
    expected = reference(units)
    assert expected == [2_352_941_176, 2_647_058_823]
    assert shared_amounts(units, _RX_BIT).to_list() == expected
