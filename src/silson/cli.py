"""Command line: `silson adjudicate CASE.json [--json]`, `silson reconcile CASE.json [--json]`,
`silson terms list|show ID`.

Thin: parse, call the engine or the catalogue, render. Bad input exits 2 with one line on stderr
naming the field and the problem, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from silson.cases.reader import CaseError, read_case
from silson.cases.result import to_json, to_table
from silson.domain import bounds
from silson.errors import SilsonError
from silson.rules.catalogue import CatalogueError, load_catalogue
from silson.rules.engine import adjudicate
from silson.rules.formula import InputError
from silson.rules.mapping import map_contract
from silson.terms_view import render_rule_set, render_rule_set_list

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
terms_app = typer.Typer(no_args_is_help=True, help="The terms catalogue (약관 카탈로그).")
app.add_typer(terms_app, name="terms")
audit_app = typer.Typer(no_args_is_help=True, help="The append-only audit log (감사 기록).")
app.add_typer(audit_app, name="audit")
documents_app = typer.Typer(no_args_is_help=True, help="Claim documents (영수증·세부내역서·처방전).")
app.add_typer(documents_app, name="documents")


def _fail(message: str) -> None:
    print(f"silson: {message}", file=sys.stderr)
    raise typer.Exit(2)


@app.command("adjudicate")
def adjudicate_command(
    case_file: Annotated[Path, typer.Argument(metavar="CASE.json", help="a silson-case/1 file")],
    as_json: Annotated[bool, typer.Option("--json", help="print silson-result/1")] = False,
) -> None:
    """Compute the payout of every (event, contract) pair of a case, with the clauses behind it."""
    try:
        case = read_case(case_file)
        result = adjudicate(case=case, catalogue=load_catalogue())
    except (CaseError, InputError) as exc:
        _fail(f"{case_file}: {exc}")
        return
    except CatalogueError as exc:
        _fail(f"terms catalogue: {exc}")
        return
    if as_json:
        print(json.dumps(to_json(result), ensure_ascii=False, indent=2))
    else:
        print(to_table(case, result))


@app.command("reconcile")
def reconcile_command(
    case_file: Annotated[Path, typer.Argument(metavar="CASE.json", help="a silson-case/1 file with a `paid` list")],
    as_json: Annotated[bool, typer.Option("--json", help="print silson-reconciliation/1")] = False,
) -> None:
    """Compare what the insurers paid with the exact payout, pair by pair, and name likely mistakes."""
    from silson.cases.reader import read_reconciliation
    from silson.payments.reconcile import ReconciliationError, reconcile
    from silson.payments.reconcile_report import to_json as reconciliation_json
    from silson.payments.reconcile_report import to_table as reconciliation_table

    try:
        case, paid = read_reconciliation(case_file)
        result = reconcile(case=case, paid=paid, catalogue=load_catalogue())
    except (CaseError, InputError, ReconciliationError) as exc:
        _fail(f"{case_file}: {exc}")
        return
    print(
        json.dumps(reconciliation_json(result), ensure_ascii=False, indent=2)
        if as_json
        else reconciliation_table(case, result)
    )


@documents_app.command("read")
def documents_read(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a photo, scan, PDF or silson-edocument/1 JSON")],
    as_json: Annotated[bool, typer.Option("--json", help="print silson-receipt/1")] = False,
) -> None:
    """Read a receipt into silson-receipt/1: kind, provider, visit, amounts, checks, needs_review."""
    from silson.documents import DocumentError, read_document
    from silson.documents.receipt import to_text

    try:
        receipt = read_document(file)
    except DocumentError as exc:
        _fail(f"{file}: {exc}")
        return
    print(json.dumps(receipt, ensure_ascii=False, indent=2) if as_json else to_text(receipt))


@terms_app.command("list")
def terms_list() -> None:
    """List the rule sets and products of the catalogue."""
    print(render_rule_set_list(load_catalogue()))


@terms_app.command("show")
def terms_show(rule_set: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Show one rule set: every parameter with its dated values and clause references."""
    catalogue = load_catalogue()
    try:
        print(render_rule_set(catalogue, catalogue.get(rule_set)))
    except CatalogueError as exc:
        _fail(str(exc))


@terms_app.command("map")
def terms_map(
    start: Annotated[str, typer.Option("--start", help="contract date (계약일), YYYY-MM-DD")],
    product: Annotated[str | None, typer.Option("--product", help="product code, e.g. Hi1701")] = None,
    insurer_kind: Annotated[
        str | None, typer.Option("--insurer-kind", help="nonlife (손해보험) or life (생명보험)")
    ] = None,
    option: Annotated[str | None, typer.Option("--option", help="choice1 / standard / choice2")] = None,
    resubscribed: Annotated[
        list[str] | None, typer.Option("--resubscribed", help="re-subscription date (재가입), repeatable")
    ] = None,
) -> None:
    """Say which rule set a contract is under, over time, and whether that is certain."""
    try:
        start_day = date.fromisoformat(start)
        again = [date.fromisoformat(d) for d in resubscribed or []]
    except ValueError as exc:
        _fail(f"--start/--resubscribed: {exc}")
        return
    if insurer_kind not in (None, "nonlife", "life"):
        _fail("--insurer-kind: nonlife or life")
    try:
        periods = map_contract(
            catalogue=load_catalogue(),
            start=start_day,
            product=product,
            insurer_kind=insurer_kind,
            option=option,
            resubscribed=again,
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    for p in periods:
        until = f"{p.end} 전일" if p.end else ""
        verdict = "확실" if p.certain else "추정 (확인 필요)"
        print(f"{p.start} ~ {until}: {p.product or p.rule_set} 선택 {p.option or '-'} — {verdict}")
        for reason in p.reasons:
            print(f"  - {reason}")


@app.command("discover")
def discover_command(
    hometax: Annotated[list[Path], typer.Option("--hometax", help="연말정산 간소화 XML or PDF (repeatable)")],
    contracts: Annotated[Path, typer.Option("--contracts", help="contract list, silson-contracts/1 JSON or CSV")],
    band: Annotated[int | None, typer.Option("--band", min=1, max=10, help="건강보험료 소득 분위 1–10")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the day to count deadlines from (default today)")
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help="password of the 간소화 PDF")] = None,
    copay: Annotated[
        list[str] | None, typer.Option("--copay", help="YEAR=AMOUNT: that year's 급여 본인부담 when known")
    ] = None,
    providers: Annotated[Path | None, typer.Option("--providers", help="operator's provider data CSV")] = None,
    nursing_120: Annotated[
        list[int] | None,
        typer.Option("--nursing-120", help="YEAR in which the person spent over 120 days in a 요양병원"),
    ] = None,
    visits: Annotated[
        list[str] | None,
        typer.Option("--visits", metavar="PROVIDER_ID:YEAR=N", help="visits to a provider in a year, when known"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print silson-discover/1")] = False,
) -> None:
    """Estimate what each 실손 contract may owe from 3 years of tax-office medical spending."""
    # imported here: PDF and crypto libraries would slow every other command's start
    from silson.adapters.contract_check import check_against_terms
    from silson.adapters.contract_list import ContractListError, read_contract_list
    from silson.adapters.hometax import EMPTY as EMPTY_HOMETAX
    from silson.adapters.hometax import HometaxError, read_hometax
    from silson.discover.providers import ProviderDirectory
    from silson.discover.report import to_json as discover_json
    from silson.discover.report import to_table as discover_table
    from silson.discover.service import discover

    try:
        day = bounds.day(date.fromisoformat(as_of)) if as_of else date.today()
    except ValueError as exc:
        _fail(f"--as-of: {exc}")
        return
    copays: dict[int, int] = {}
    for item in copay or []:
        year_text, _, amount_text = item.partition("=")
        try:
            if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
                raise bounds.BoundsError(f"'{bounds.shown(year_text)}' is not a year")
            copays[int(year_text)] = bounds.won(amount_text)
        except bounds.BoundsError as exc:
            _fail(f"--copay: '{bounds.shown(item)}' is not YEAR=AMOUNT: {exc}")
            return
    catalogue = load_catalogue()
    counts: dict[tuple[str, int], int] = {}
    for item in visits or []:
        where, _, count = item.partition("=")
        provider, _, year = where.partition(":")
        provider = provider.replace("-", "")
        if not all(x.isascii() and x.isdigit() and len(x) <= 10 for x in (provider, year, count)) or int(count) < 1:
            _fail(f"--visits: '{item}' is not PROVIDER_ID:YEAR=N (사업자등록번호:연도=방문 횟수, N ≥ 1)")
            return
        counts[(provider, int(year))] = int(count)
    try:
        data = EMPTY_HOMETAX
        for path in hometax:
            data = data.merged(read_hometax(path, password))
        listed = read_contract_list(contracts)
        check_against_terms(listed, catalogue, str(contracts))
        directory = ProviderDirectory.load(providers)
    except (HometaxError, ContractListError) as exc:
        _fail(str(exc))
        return
    report = discover(
        hometax=data, contracts=listed, catalogue=catalogue, directory=directory, as_of=day,
        decile=band, copays=copays, nursing_120_years=frozenset(nursing_120 or []), visits=counts,
    )  # fmt: skip
    print(json.dumps(discover_json(report), ensure_ascii=False, indent=2) if as_json else discover_table(report))


@app.command("interest")
def interest_command(
    received: Annotated[
        str | None,
        typer.Option("--received", metavar="DATE", help="required: day the documents were received (접수일)"),
    ] = None,
    paid: Annotated[
        str | None, typer.Option("--paid", metavar="DATE", help="required: day the payout (or its balance) was paid")
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", metavar="N", help="required: the payout in won (보험금), advance included")
    ] = None,
    loan_rate: Annotated[
        str | None,
        typer.Option("--loan-rate", metavar="PCT", help="required: 보험계약대출이율, percent a year, e.g. 4.5"),
    ] = None,
    advance: Annotated[
        str | None, typer.Option("--advance", metavar="N", help="가지급보험금 paid before the balance, won")
    ] = None,
    advance_date: Annotated[
        str | None, typer.Option("--advance-date", metavar="DATE", help="day the 가지급 was paid")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print silson-interest/1")] = False,
) -> None:
    """Late-payment interest (지연이자) on a claim paid after its 지급기일 (Hi1701 공통조항 제9조)."""
    from silson.payments.interest import Advance, InterestInputError, late_payment_interest
    from silson.payments.interest_report import parse_flags
    from silson.payments.interest_report import to_json as interest_json
    from silson.payments.interest_report import to_text as interest_text

    try:
        flags = parse_flags(received=received, paid=paid, amount=amount, loan_rate=loan_rate, advance=advance,
                            advance_date=advance_date)  # fmt: skip
        result = late_payment_interest(
            received=flags.received, paid=flags.paid, amount=flags.amount, loan_rate=flags.loan_rate,
            advance=None if flags.advance is None else Advance(*flags.advance),
        )  # fmt: skip
    except InterestInputError as exc:
        _fail(f"--{exc.field.replace('_', '-')}: {exc}")
        return
    print(json.dumps(interest_json(result), ensure_ascii=False, indent=2) if as_json else interest_text(result))


@app.command("demo")
def demo_command(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="only seed the demo into SILSON_HOME")] = False,
    show_pii: Annotated[bool, typer.Option("--show-pii", help="print every personal datum of the demo")] = False,
) -> None:
    """Seed a demo operator, a customer family and their data into SILSON_HOME."""
    from silson import demo

    if show_pii:
        print("\n".join(demo.pii_lines()))
        return
    seeded = demo.seed()
    home = os.environ.get("SILSON_HOME", "var")
    print(f"demo in {home}: {seeded['people']} people seeded" if seeded["people"] else f"demo already in {home}")
    if not no_serve:
        from silson.web.serve import serve

        serve()


WORKERS_HELP = "worker processes (above 1: SILSON_RATE_LIMITS on Redis; production runs several on PostgreSQL)"


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help=WORKERS_HELP)] = 1,
) -> None:
    """Start the service on the embedded default (SQLite under SILSON_HOME, or SILSON_DATABASE_URL)
    with the demo seeded."""
    from silson.web.serve import serve

    serve(host, port, workers)


@app.command("sandbox-insurer")
def sandbox_insurer_command(
    port: Annotated[int, typer.Option(help="port")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    db: Annotated[Path | None, typer.Option(help="its own SQLite file (SILSON_HOME/sandbox-insurer.db)")] = None,
) -> None:
    """A sandbox insurer as its own HTTP service: takes claim packages, answers 접수번호, pays with statements."""
    import uvicorn

    from silson.sandbox.insurer import create_app
    from silson.store.db import silson_home

    path = db or silson_home() / "sandbox-insurer.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_app(path), host=host, port=port, log_level="warning")


@app.command("batch")
def batch_command(
    events: Annotated[Path, typer.Option("--events", help="events Parquet file (docs/batch.md)")],
    contracts: Annotated[Path, typer.Option("--contracts", help="contracts Parquet file")],
    out: Annotated[Path, typer.Option("--out", help="decisions Parquet file to write")],
    claim_date: Annotated[str | None, typer.Option(help="the claim date, YYYY-MM-DD (default: today)")] = None,
    chunk_events: Annotated[int, typer.Option(help="events per chunk", min=1000)] = 300_000,  # = run.CHUNK_EVENTS
    scalar_only: Annotated[bool, typer.Option(help="the scalar engine for everyone (the reference)")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            help="processes adjudicating chunks at once (default: one per core from 5,000,000 events on, "
            "else 1: threads in this process; docs/batch.md)",
            min=1,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Adjudicate a book of events and contracts (Parquet) into decisions (Parquet), exactly."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from silson.batch.run import run_batch
    from silson.batch.tables import TableError

    try:
        day = date.fromisoformat(claim_date) if claim_date else date.today()
    except ValueError:
        _fail(f"--claim-date: '{claim_date}' is not a date (YYYY-MM-DD)")
    with Progress(TextColumn("adjudicating"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} events"),
                  TimeRemainingColumn(), disable=quiet, transient=True) as bar:  # fmt: skip
        task = bar.add_task("batch", total=0)
        try:
            summary = run_batch(events, contracts, out, day, load_catalogue(), chunk_events=chunk_events,
                                columnar_path=not scalar_only, workers=workers,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
        except TableError as exc:
            _fail(str(exc))
    print(f"events {summary.events:,} · persons {summary.persons:,} · contracts {summary.contracts:,} · "
          f"decisions {summary.decisions:,} (columnar {summary.columnar_decisions:,}, scalar "
          f"{summary.scalar_decisions:,})")  # fmt: skip
    print(
        f"total payout {summary.payout:,}원 · refused persons {summary.refused_persons:,} · "
        f"{summary.seconds:.2f} s ({summary.events_per_second:,.0f} events/s) · {summary.chunks} chunk(s) · "
        f"peak memory {summary.peak_mb:,} MB → {out}"
    )


@app.command("synth")
def synth_command(
    persons: Annotated[int, typer.Option(help="how many people", min=1)],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="folder for events.parquet and contracts.parquet")] = Path(
        "var/book"
    ),
    years: Annotated[int, typer.Option(help="years of events", min=1, max=10)] = 3,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    generations: Annotated[str | None, typer.Option(help="comma-separated terms ids to draw contracts from")] = None,
    inpatient_share: Annotated[float, typer.Option(help="share of events that are admissions", min=0, max=1)] = 0.01,
) -> None:
    """Write a synthetic book (sources of its mixes: silson/batch/synth.py)."""
    from silson.batch.run import run_synth

    chosen = tuple(g.strip() for g in generations.split(",")) if generations else None
    try:
        n_events, n_contracts = run_synth(out_dir, persons, years=years, seed=seed, generations=chosen,
                                          inpatient_share=inpatient_share)  # fmt: skip
    except ValueError as exc:
        _fail(str(exc))
    print(
        f"{persons:,} persons · {n_events:,} events · {n_contracts:,} contracts → {out_dir}/events.parquet, "
        f"{out_dir}/contracts.parquet"
    )


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain and hold it against the signed anchors kept outside the
    database (SILSON_DATABASE_URL, or the SQLite file under SILSON_HOME)."""
    from silson.audit.chain import verify
    from silson.store.db import make_engine, migrate, session_factory

    engine = make_engine()
    migrate(engine)
    with session_factory(engine)() as session:
        verdict = verify(session)
    if verdict.ok:
        print(f"감사 기록 {verdict.entries}건: 해시 사슬 정상, 고정점 {verdict.anchors}개 일치")
        return
    if verdict.broken_at is None:
        print(f"감사 고정점 파일이 변조됨: {verdict.reason}", file=sys.stderr)
    else:
        print(f"감사 기록 {verdict.broken_at}번에서 사슬이 끊김: {verdict.reason}", file=sys.stderr)
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Write a signed anchor of the chain's head now, flushed to disk (e.g. from cron)."""
    from silson.audit.chain import checkpoint
    from silson.store.db import make_engine, migrate, session_factory

    engine = make_engine()
    migrate(engine)
    with session_factory(engine).begin() as session:
        entry = checkpoint(session)
    print(f"감사 고정점: {entry}번" if entry is not None else "감사 기록이 아직 없습니다")


@app.command("backup")
def backup_command(dest: Annotated[Path, typer.Argument(help="a new file for the copy")]) -> None:
    """Copy the data (SQLite online backup) to DEST. The key store is never in it: erasing a
    person later makes their rows in every backup undecryptable."""
    from silson.audit.chain import checkpoint
    from silson.privacy.backup import BackupError, backup
    from silson.store.db import make_engine, migrate, session_factory

    engine = make_engine()
    migrate(engine)
    with session_factory(engine).begin() as session:
        checkpoint(session)  # the head the backup holds is anchored
    try:
        size = backup(engine, dest)
    except BackupError as exc:
        _fail(str(exc))
    print(f"백업: {dest} ({size:,} bytes, 데이터만; 키 저장소 제외)")


@app.command("restore")
def restore_command(
    src: Annotated[Path | None, typer.Argument(help="a file written by silson backup")] = None,
    erasures_only: Annotated[
        bool, typer.Option("--erasures-only", help="only re-apply the erasure ledger (after pg_restore)")
    ] = False,
) -> None:
    """Put a backup's data back (stop the service first), then re-apply every erasure made since."""
    from datetime import UTC, datetime

    from silson.privacy.backup import BackupError, restore
    from silson.store.db import make_engine

    if (src is None) != erasures_only:
        _fail("src: give the backup file, or --erasures-only without one")
    try:
        done = restore(make_engine(), src, datetime.now(UTC))
    except BackupError as exc:
        _fail(str(exc))
    print(f"복원: 삭제 다시 적용 {len(done.erased_again)}명, 백업에 없는 사람의 키 {done.keys_dropped}개 폐기")


def main() -> None:
    try:
        app()
    except CatalogueError as exc:
        print(f"silson: terms catalogue: {exc}", file=sys.stderr)
        sys.exit(2)
    except SilsonError as exc:  # an expected refusal a command did not word itself: one line, exit 2
        print(f"silson: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # a defect of ours: say so in one line, and let SILSON_DEBUG show more
        if os.environ.get("SILSON_DEBUG"):
            raise
        print(f"silson: internal error ({type(exc).__name__}: {exc}); rerun with SILSON_DEBUG=1", file=sys.stderr)
        sys.exit(70)
