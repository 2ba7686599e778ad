"""Multiple-policy sharing (다수보험 비례보상, sharing.py and engine._split) over the columnar units,
as group operations over sorted runs.

A claim is the visits the contracts pay together: the units of one person, day, cause and condition
(`day_key`). Where some contract merges the pharmacy into the visit (a unit with both kinds, the 1st
generation), every contract's visit and pharmacy units of that day meet in one claim (bridged);
else visits meet visits and pharmacy meets pharmacy. Within a claim each contract may hold several
units (bridged): they are summed, the sums shared between the contracts (sharing.share), and each
contract's share split back over its units in proportion, the won lost to cutting going to its
first unit that pays (engine._split).

The unit keys start with the person's number, so they come nearly in order: two stable sorts
(timsort, close to linear on such keys) bring each claim and each (claim, contract) together, and
every sum, minimum and maximum is one `reduceat` over runs. On the 1M-event book this replaced
hash group-bys, joins and windows costing about 0.17 s with about 0.03 s (measured)."""

from __future__ import annotations

import numpy as np
import polars as pl

from silson.batch.runs import runs_of

_NONE = np.int64(1 << 62)  # above any deductible or position: "no paying unit" in a minimum


def shared_amounts(units: pl.DataFrame, rx_bit: int) -> pl.Series:
    """Each unit's amount after sharing, in the units' order. Reads `uk` (the unit key, whose
    `rx_bit` marks a pharmacy unit), `order` (the contract's place in its person's contracts),
    `first_pos`, `rx_unit`, `both_kinds`, `all_rx`, `liability`, `eligible` and `ded100` (the
    deductible in 1/100 won)."""
    if units.height == 0:
        return pl.Series("amount", [], pl.Int64)
    names = ("uk", "order", "first_pos", "rx_unit", "both_kinds", "all_rx", "liability", "eligible", "ded100")
    col = {name: units[name].to_numpy() for name in names}
    # the claims: a day's units, bridged where any unit holds both kinds, else split by kind
    day_key = col["uk"] & ~rx_bit
    by_day = np.argsort(day_key, kind="stable")
    day_starts, day_of = runs_of(day_key[by_day])
    bridged = np.maximum.reduceat(col["both_kinds"][by_day], day_starts)[day_of]
    kind = col["all_rx"][by_day] & ~bridged
    width = int(col["order"].max()) + 1
    pair_key = (day_of * 2 + kind) * width + col["order"][by_day]  # (claim, contract), in claim order
    within = np.argsort(pair_key, kind="stable")
    rows = by_day[within]  # the units, by claim then contract
    pair_key = pair_key[within]
    liability, eligible, ded100 = col["liability"][rows], col["eligible"][rows], col["ded100"][rows]
    first_pos = col["first_pos"][rows].astype(np.int64)

    # per (claim, contract): its units summed (engine: a contract's units of a claim pay as one)
    pair_starts, pair_of = runs_of(pair_key)
    liab_c = np.add.reduceat(liability, pair_starts)
    elig_c = np.add.reduceat(eligible, pair_starts)
    ded_c = np.add.reduceat(ded100, pair_starts)
    # per claim, over the contracts that pay (sharing.share): the sum, and the base of the highest
    # costs less the smallest deductible
    claim_starts, claim_of = runs_of(pair_key[pair_starts] // width)
    paying = liab_c > 0
    n_paying = np.add.reduceat(paying.astype(np.int64), claim_starts)
    total100 = np.add.reduceat(liab_c, claim_starts) * 100
    base100 = (np.maximum.reduceat(np.where(paying, elig_c, 0), claim_starts) * 100
               - np.minimum.reduceat(np.where(paying, ded_c, _NONE), claim_starts))  # fmt: skip
    # the division only where a share is cut (integer division is the dearest step here)
    cut = np.flatnonzero((n_paying > 1)[claim_of] & paying & (total100 > base100)[claim_of])
    amount_c = liab_c.copy()
    claim = claim_of[cut]
    amount_c[cut] = np.maximum(0, _times_over(base100[claim], liab_c[cut], total100[claim]))

    # each contract's amount back over its units, in proportion; the rest to its first paying unit
    amount_p, liab_p = amount_c[pair_of], liab_c[pair_of]
    # a unit holding its contract's whole liability takes the contract's amount; the others their
    # proportion (where the amount is the liability, each keeps its own)
    part = np.where(amount_p == liab_p, liability, amount_p)
    some = np.flatnonzero((amount_p != liab_p) & (liability != liab_p))
    part[some] = _times_over(amount_p[some], liability[some], liab_p[some])
    rest = amount_c - np.add.reduceat(part, pair_starts)
    first_payer = np.minimum.reduceat(np.where(liability > 0, first_pos, _NONE), pair_starts)
    amount = part + np.where(first_pos == first_payer[pair_of], rest[pair_of], 0)
    out = np.empty(len(rows), np.int64)
    out[rows] = amount
    return pl.Series("amount", out)


def _times_over(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a × b // c, exactly: in 64-bit integers where no product can pass 2**63 (always, for real
    costs: it would take a claim of some 300 million won), else in Python's integers.

    >>> _times_over(np.array([3 * 10**12]), np.array([4 * 10**9]), np.array([6 * 10**9])).tolist()
    [2000000000000]
    """
    if len(a) == 0 or int(np.abs(a).max()) * int(np.abs(b).max()) < 1 << 63:
        out: np.ndarray = a * b // c
    else:
        out = (a.astype(object) * b.astype(object) // c.astype(object)).astype(np.int64)
    return out
