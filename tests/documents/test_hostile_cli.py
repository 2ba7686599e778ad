"""The three hostile files the issue names, through `silson documents read FILE --json` as a user runs it.

Each is refused with exit 2, nothing on stdout, one line on stderr naming the file and the reason, in
bounded time and memory: the command runs in a child process whose peak memory is measured.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from tests.conftest import ROOT

# Runs the command in a grandchild and reports its exit code, output, seconds and peak RSS (KiB).
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run([sys.executable, "-m", "silson", "documents", "read", sys.argv[1], "--json"],
                      capture_output=True, text=True, timeout=120)
print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr,
                  "seconds": time.monotonic() - started,
                  "rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""

_MEMORY_KIB = 400 * 1024  # the interpreter with numpy, OpenCV and pdfium loaded is about 150 MB


def _run(path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=150
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _assert_refused(path: Path, reason: str) -> None:
    result = _run(path)
    assert result["rc"] == 2
    assert result["out"] == ""
    lines = str(result["err"]).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"silson: {path}: ")
    assert reason in lines[0]
    assert float(str(result["seconds"])) < 20
    assert int(str(result["rss_kib"])) < _MEMORY_KIB


def _png(width: int, height: int) -> bytes:
    """A real grey PNG of width × height white pixels, compressed row by row (a few hundred KB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def hundred_megapixels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "100mp.png"
    path.write_bytes(_png(10_000, 10_000))
    return path


class TestHostileFilesThroughTheCommand:
    def test_a_real_100_megapixel_image_is_refused_before_it_is_decoded(self, hundred_megapixels: Path) -> None:
        data = hundred_megapixels.read_bytes()  # a genuine image: its header and every row of pixels
        assert struct.unpack(">II", data[16:24]) == (10_000, 10_000)
        assert len(zlib.decompress(data[41:-16])) == 10_000 * 10_001
        _assert_refused(hundred_megapixels, "over the 40 megapixel limit")

    def test_a_2000_page_pdf_is_refused_by_its_page_count(self, tmp_path: Path) -> None:
        writer = PdfWriter()
        for _ in range(2000):
            writer.add_blank_page(width=595, height=842)
        out = io.BytesIO()
        writer.write(out)
        path = tmp_path / "2000-pages.pdf"
        path.write_bytes(out.getvalue())
        _assert_refused(path, "2000 pages, over the 20 page limit")

    @pytest.mark.parametrize("carrier", ["jpeg", "pdf"])
    def test_a_polyglot_receipt_that_is_also_a_zip_is_refused(self, tmp_path: Path, carrier: str) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("run.sh", "echo owned")
        buf = io.BytesIO()
        if carrier == "jpeg":
            Image.new("L", (200, 300), 255).save(buf, format="JPEG")
        else:
            writer = PdfWriter()
            writer.add_blank_page(width=595, height=842)
            writer.write(buf)
        path = tmp_path / f"receipt.{carrier[:3]}"
        path.write_bytes(buf.getvalue() + archive.getvalue())
        _assert_refused(path, "polyglot")


class TestCraftedContent:
    """Files that pass intake but carry content no form does."""

    def test_a_text_layer_of_30000_words_is_refused_in_bounded_time(self, tmp_path: Path) -> None:
        from fpdf import FPDF

        pdf = FPDF(unit="mm", format="A4")
        pdf.add_page()
        pdf.set_font("helvetica", size=2)
        for row in range(300):
            pdf.text(2, 2 + row * 0.95, " ".join(f"{row}" for _ in range(100)))
        path = tmp_path / "words.pdf"
        path.write_bytes(bytes(pdf.output()))
        _assert_refused(path, "30,000 words, over the 5,000 a form can carry")

    def test_an_absurd_figure_in_a_text_layer_is_not_passed_on(self, tmp_path: Path) -> None:
        import random

        from silson.documents import read_document, synth

        rng = random.Random(21)
        spec = synth.tampered(synth.random_spec(rng, "pharmacy"), "total", 10**15)
        spec.discharge = None
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"absurd{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert receipt["amounts"]["total"] is None
        assert "amounts.total" in receipt["needs_review"]
