"""Command line: `silson adjudicate CASE.json [--json]`, `silson terms list|show ID`.

Thin: parse, call the engine or the catalogue, render. Bad input exits 2 with one line on stderr
naming the field and the problem, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from silson.cases.reader import CaseError, read_case
from silson.cases.result import to_json, to_table
from silson.rules.catalogue import CatalogueError, load_catalogue
from silson.rules.engine import adjudicate
from silson.rules.formula import InputError
from silson.terms_view import render_rule_set, render_rule_set_list

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
terms_app = typer.Typer(no_args_is_help=True, help="The terms catalogue (약관 카탈로그).")
app.add_typer(terms_app, name="terms")


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


def main() -> None:
    try:
        app()
    except CatalogueError as exc:
        print(f"silson: terms catalogue: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # a defect of ours: say so in one line, and let SILSON_DEBUG show more
        if os.environ.get("SILSON_DEBUG"):
            raise
        print(f"silson: internal error ({type(exc).__name__}: {exc}); rerun with SILSON_DEBUG=1", file=sys.stderr)
        sys.exit(70)
