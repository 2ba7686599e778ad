"""`silson terms list` on terms with a typo: exit 2 and one line naming the file and the key path.

The command reads the shipped catalogue (there is no flag or variable pointing it at another
folder), so the test hands it an edited copy in place of `load_catalogue` and runs `main()` as the
console script does.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import silson.cli
import silson.rules
from silson.rules.catalogue import Catalogue, load_catalogue

TERMS = Path(silson.rules.__file__).parent / "terms"


def test_terms_list_with_a_misspelled_key_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in TERMS.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    edited = tmp_path / "std-2015-09.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("{clinic: 10000", "{clinc: 10000"), encoding="utf-8")

    def edited_catalogue() -> Catalogue:
        return load_catalogue(tmp_path)

    monkeypatch.setattr(silson.cli, "load_catalogue", edited_catalogue)
    monkeypatch.setattr(sys, "argv", ["silson", "terms", "list"])
    with pytest.raises(SystemExit) as exit_info:
        silson.cli.main()
    out = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out.out == ""
    assert out.err.splitlines() == [
        "silson: terms catalogue: std-2015-09.yaml: outpatient.fixed_deductible (from 2015-09-01): "
        "value.clinc: unknown key"
    ]
