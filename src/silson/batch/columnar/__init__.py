"""The columnar evaluator (Polars): the engine's outpatient and prescription formula of the
generations that pay 급여 and 비급여 together (1st–3rd, `combined`), over whole tables at once.

How the engine's steps become column operations:
- dated parameters: each row gets its rule set's *era* (which dated value of every parameter
  applies, by event date and by contract date; `searchsorted` over the boundaries); the values are
  read from the catalogue once per era and joined back. Exclusions are read the same way, once per
  (era, cause, main KCD code, institution class), by asking the engine's own `eligible_amounts`.
- screening (coverage bought, contract date, limitation) and the formula (deductible = max(fixed by
  institution, share of the costs), per-visit amount) are expressions over rows, in integer won
  (shares in 1/100 won, so nothing is rounded before the engine rounds).
- same-day merging is a group-by on (contract, kind, day, cause, condition) for the events that
  share their day (an event alone is its own unit: `runs.alone`); multiple-policy sharing sums and
  minima over the sorted runs of each claim (`share.py`); visit counts a count per contract year.

What it does not cover goes to the scalar engine person by person: `fallback.py` declares the rows
that send a person or part there, each with its reason; the rest are found while evaluating
(admissions outside the columnar cases, the 5th generation, events after a contract's end, visit
caps reached, units two contracts group differently, contracts or eras the catalogue refuses). The
result is exact either way; the split only decides the speed.

The modules follow the evaluation's phases: `scope` (what the path takes), `encode` (rows and units
as integers), `eras` (dated parameters and exclusion answers), `formula` (the payout of a unit), and
`plan`, which runs them in order and decides.
"""

from silson.batch.columnar.encode import COVERAGE_NAMES, REASON_CODES, RX_BIT, Phases, person_index, unit_key, with_rows
from silson.batch.columnar.plan import evaluate
from silson.batch.columnar.scope import in_parts, left_to_scalar, unreadable

__all__ = [
    "COVERAGE_NAMES",
    "REASON_CODES",
    "RX_BIT",
    "Phases",
    "evaluate",
    "in_parts",
    "left_to_scalar",
    "person_index",
    "unit_key",
    "unreadable",
    "with_rows",
]
