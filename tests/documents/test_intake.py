"""Hostile and malformed files are refused fast, with one clear line, before anything is decoded."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter

from silson.documents import DocumentRefused, read_document
from tests.conftest import ROOT


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _refusal(path: Path) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(DocumentRefused) as caught:
        read_document(path)
    return str(caught.value), time.monotonic() - started


class TestRefusals:
    def test_a_png_claiming_a_billion_pixels_is_refused_from_its_header(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.png"
        path.write_bytes(_png_header(40_000, 40_000))
        message, seconds = _refusal(path)
        assert "megapixel" in message or "MP" in message
        assert seconds < 1

    def test_a_2000_page_pdf_is_refused_by_its_page_count(self, tmp_path: Path) -> None:
        path = tmp_path / "long.pdf"
        path.write_bytes(_pdf(2000))
        message, seconds = _refusal(path)
        assert "2000 pages" in message
        assert seconds < 2

    def test_a_pdf_that_is_also_a_zip_is_refused(self, tmp_path: Path) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("payload.txt", "hello")
        path = tmp_path / "polyglot.pdf"
        path.write_bytes(_pdf(1) + archive.getvalue())
        message, _ = _refusal(path)
        assert "ZIP" in message

    def test_random_bytes_are_an_unknown_type(self, tmp_path: Path) -> None:
        path = tmp_path / "noise.png"
        path.write_bytes(bytes(range(256)) * 40)
        message, _ = _refusal(path)
        assert message.startswith("unknown file type")

    def test_a_pdf_with_javascript_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "script.pdf"
        path.write_bytes(_pdf(1).replace(b"%%EOF", b"<< /S /JavaScript /JS (app.alert(1)) >>\n%%EOF"))
        message, _ = _refusal(path)
        assert "active content" in message

    def test_an_empty_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.jpg"
        path.write_bytes(b"")
        message, _ = _refusal(path)
        assert message == "file is empty"

    def test_a_truncated_png_is_refused_not_crashed(self, tmp_path: Path) -> None:
        path = tmp_path / "cut.png"
        path.write_bytes(_png_header(800, 600)[:40])
        with pytest.raises((DocumentRefused,)) as caught:
            read_document(path)
        assert "PNG" in str(caught.value)


class TestCommandLine:
    def test_a_hostile_file_exits_2_with_one_line_naming_it(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.png"
        path.write_bytes(_png_header(100_000, 100_000))
        done = subprocess.run(
            [sys.executable, "-m", "silson", "documents", "read", str(path), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"silson: {path}: ")
