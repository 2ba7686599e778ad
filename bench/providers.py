"""Benchmark: how `silson discover` grows with the number of providers in one 간소화 file (issue 14:
a hostile file with 5,000 providers made each estimate take minutes; the CLI took 92 s). Figures,
not a test.

For 50, 500 and 5,000 B101Y rows of one person over three years (each a different provider with a
valid 사업자등록번호, clinics, hospitals and pharmacies in turn, 10,000–400,000원 each, spread alike at every
size) and the demo's
contract list, it times discover in process (the use case the API, the pages and the CLI share) and
the whole `silson discover --json` command, and prints seconds, milliseconds per provider and the
growth against 10× more providers (about 10× is linear).

    .venv/bin/python bench/providers.py                 # 50, 500, 5,000
    .venv/bin/python bench/providers.py --sizes 50 500  # a quicker look
    .venv/bin/python bench/providers.py --no-cli        # in process only

Measured 2026-12-01 on the 2-core development machine shared with seven other jobs (seconds inflated
by the sharing; the growth is the point):

    providers  in process s  ms/provider  ×10 growth   CLI s
           50          6.33       126.60                8.21
          500         76.09       152.18       12.0×   77.58
        5,000        558.15       111.63        7.3×  469.55

About linear: 10× the providers cost 7–12× the time. The cost is providers × visits × the 45 sampled
visit patterns per year, each run through the exact engine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from stdnum.kr import brn

from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import parse_xml
from silson.discover.providers import ProviderDirectory
from silson.discover.service import discover
from silson.rules.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "examples" / "family" / "contracts.json"
AS_OF = date(2026, 11, 23)
YEARS = (2023, 2024, 2025)
KINDS = ("{n}내과의원", "{n}병원", "{n}약국", "{n}정형외과의원", "{n}한의원", "{n}종합병원")
WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)  # 사업자등록번호 check digit (국세청 고시)


def business_number(i: int) -> str:
    """A valid 10-digit 사업자등록번호 for provider i (office, kind, serial, check digit).

    >>> brn.is_valid(business_number(0)) and brn.is_valid(business_number(4999))
    True
    """
    body = f"{101 + i % 800:03d}{10 + (i // 800) % 70:02d}{1 + i % 9999:04d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) + int(body[8]) * 5 // 10
    number = body + str((10 - total % 10) % 10)
    assert brn.is_valid(number), number
    return number


def hometax_xml(providers: int) -> bytes:
    """One person's 간소화 XML with `providers` B101Y rows spread over three years."""
    per_year: dict[int, list[str]] = {y: [] for y in YEARS}
    for i in range(providers):
        name = KINDS[i % len(KINDS)].format(n=f"바른{i}")
        amount = 10_000 + (i * 2_654_435_761) % 390_000  # spread alike at every size (mean ~205,000원)
        per_year[YEARS[i % len(YEARS)]].append(
            f'<data dat_cd="G0003" busnid="{business_number(i)}" trade_nm="{name}"><sum>{amount}</sum></data>'
        )
    docs = "".join(
        f'<doc doc_type="01" seq="1" att_year="{y}"><form form_cd="B101Y">'
        f'<man resid="850412-1******" name="김민준">{"".join(rows)}</man></form></doc>'
        for y, rows in per_year.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><root>{docs}</root>'.encode()


def in_process(payload: bytes) -> tuple[float, int]:
    """Seconds for discover (parsing included) and the providers it reported."""
    catalogue, directory, contracts = load_catalogue(), ProviderDirectory.load(), read_contract_list(CONTRACTS)
    started = time.perf_counter()
    report = discover(hometax=parse_xml(payload, "bench.xml"), contracts=contracts, catalogue=catalogue,
                      directory=directory, as_of=AS_OF)  # fmt: skip
    return time.perf_counter() - started, sum(len(p.provider_years) for p in report.persons)


def command(path: Path) -> float:
    """Seconds for the whole `silson discover --json` process (start-up included)."""
    silson = Path(sys.executable).with_name("silson")
    started = time.perf_counter()
    subprocess.run([str(silson), "discover", "--hometax", str(path), "--contracts", str(CONTRACTS),
                    "--as-of", AS_OF.isoformat(), "--json"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--no-cli", action="store_true", help="time discover in process only")
    args = parser.parse_args()
    print(f"{'providers':>9} {'in process s':>13} {'ms/provider':>12} {'×10 growth':>11} {'CLI s':>7}")
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            payload = hometax_xml(size)
            seconds, reported = in_process(payload)
            assert reported == size, (reported, size)
            path = Path(folder) / f"hometax-{size}.xml"
            path.write_bytes(payload)
            cli = "" if args.no_cli else f"{command(path):7.2f}"
            growth = ""
            if previous and previous[1] > 0:
                growth = f"{(seconds / previous[1]) / (size / previous[0]) * 10:10.1f}×"
            print(f"{size:>9,} {seconds:13.2f} {seconds / size * 1000:12.2f} {growth:>11} {cli:>7}")
            previous = (size, seconds)


if __name__ == "__main__":
    main()
