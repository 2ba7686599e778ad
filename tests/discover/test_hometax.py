"""연말정산 간소화 files built in the tests from the published structure: XML and PDF, several years
and people, and broken ones, each with its clear error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from silson.adapters.hometax import HometaxError, read_hometax

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <doc doc_type="01" att_year="2023">
    <form form_cd="B101Y">
      <man resid="850412-1******" name="김민준">
        <data dat_cd="G0003" busnid="101-82-10117" trade_nm="연세가정의원"><sum>184,000</sum></data>
      </man>
      <man resid="880903-2******" name="이서연">
        <data dat_cd="G0003" busnid="2118700620" trade_nm="튼튼병원"><sum>1240000</sum></data>
      </man>
    </form>
    <form form_cd="B201Y">
      <man resid="850412-1******" name="김민준">
        <data dat_cd="G0040" busnid="1018112345" trade_nm="현대해상" acc_no="HI-1"><goods_nm>실손</goods_nm><sum>50000</sum></data>
      </man>
    </form>
    <form form_cd="C301Y"><man resid="x" name="y"><data><sum>not read</sum></data></man></form>
  </doc>
  <doc doc_type="01" att_year="2024">
    <form form_cd="B101Y">
      <man resid="850412-1******" name="김민준">
        <data dat_cd="G0003" busnid="1208147521" trade_nm="온누리약국"><sum>96000</sum></data>
      </man>
    </form>
    <form form_cd="A102Y">
      <man resid="850412-1******" name="김민준">
        <data dat_cd="G0001" busnid="1018112345" trade_nm="현대해상" acc_no="HI-1"><goods_nm>실손</goods_nm><sum>240000</sum></data>
      </man>
    </form>
  </doc>
</root>"""


def write(tmp_path: Path, name: str, payload: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(payload.encode() if isinstance(payload, str) else payload)
    return path


def pdf_with(xml: str, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("yeaData.xml", xml.encode())
    if password:
        writer.encrypt(user_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class TestReading:
    def test_xml_with_two_years_and_two_people(self, tmp_path: Path) -> None:
        data = read_hometax(write(tmp_path, "a.xml", GOOD))
        assert [(m.year, m.person.name, m.provider_id, m.amount) for m in data.medical] == [
            (2023, "김민준", "1018210117", 184000),
            (2023, "이서연", "2118700620", 1240000),
            (2024, "김민준", "1208147521", 96000),
        ]
        assert [(r.year, r.policy_no, r.amount) for r in data.silson_received] == [(2023, "HI-1", 50000)]
        assert [(p.year, p.amount) for p in data.premiums] == [(2024, 240000)]

    def test_pdf_carries_the_same_data(self, tmp_path: Path) -> None:
        from_pdf = read_hometax(write(tmp_path, "a.pdf", pdf_with(GOOD)))
        assert from_pdf == read_hometax(write(tmp_path, "a.xml", GOOD))

    def test_protected_pdf_with_its_password(self, tmp_path: Path) -> None:
        data = read_hometax(write(tmp_path, "a.pdf", pdf_with(GOOD, "850412")), password="850412")
        assert len(data.medical) == 3

    def test_reading_twice_keeps_rows_once(self, tmp_path: Path) -> None:
        data = read_hometax(write(tmp_path, "a.xml", GOOD))
        assert data.merged(data) == data


class TestBrokenFiles:
    @pytest.mark.parametrize(
        ("name", "payload", "place", "problem"),
        [
            ("truncated", GOOD[: len(GOOD) // 2], "line", "not well-formed"),
            ("foreign", "<html><body>hello</body></html>", "<html>", "no <doc>"),
            ("only other forms", '<doc att_year="2023"><form form_cd="C301Y"/></doc>', "", "no form"),
            ("bad year", GOOD.replace('att_year="2023"', 'att_year="20X3"'), "doc[0]", "att_year"),
            (
                "bad number",
                GOOD.replace("<sum>96000</sum>", "<sum>96,0OO</sum>"),
                "doc[1]/form[0](B101Y)/man[0]/data[0]",
                "whole number",
            ),
            ("negative", GOOD.replace("<sum>96000</sum>", "<sum>-5</sum>"), "data[0]", "negative"),
            ("bad business id", GOOD.replace("1208147521", "12345"), "doc[1]", "사업자등록번호"),
            ("bad resid", GOOD.replace("880903-2******", "881303-2******"), "man[1]", "birth date"),
            ("short resid", GOOD.replace("880903-2******", "8809032"), "man[1]", "13 characters"),
            ("entity bomb", '<!DOCTYPE d [<!ENTITY a "aaaa">]><doc att_year="2023">&a;</doc>', "", "unsafe"),
        ],
    )
    def test_clear_error(self, tmp_path: Path, name: str, payload: str, place: str, problem: str) -> None:
        with pytest.raises(HometaxError) as err:
            read_hometax(write(tmp_path, f"{name}.xml", payload))
        assert place in err.value.place and problem in err.value.problem
        assert str(tmp_path) in str(err.value)

    def test_wrong_password(self, tmp_path: Path) -> None:
        with pytest.raises(HometaxError, match="wrong PDF password"):
            read_hometax(write(tmp_path, "a.pdf", pdf_with(GOOD, "850412")), password="000000")

    def test_missing_password(self, tmp_path: Path) -> None:
        with pytest.raises(HometaxError, match="give its password"):
            read_hometax(write(tmp_path, "a.pdf", pdf_with(GOOD, "850412")))

    def test_pdf_without_the_xml(self, tmp_path: Path) -> None:
        writer = PdfWriter()
        writer.add_blank_page(width=10, height=10)
        out = io.BytesIO()
        writer.write(out)
        with pytest.raises(HometaxError, match="no XML attachment"):
            read_hometax(write(tmp_path, "a.pdf", out.getvalue()))

    def test_truncated_pdf(self, tmp_path: Path) -> None:
        with pytest.raises(HometaxError):
            read_hometax(write(tmp_path, "a.pdf", pdf_with(GOOD)[:300]))


class TestEmptyForm:
    def test_a_b101y_without_rows_is_refused_as_empty(self, tmp_path: Path) -> None:
        empty = """<root><doc att_year="2024"><form form_cd="B101Y"><man resid="850412-1******" name="김민준">
        </man></form></doc></root>"""
        with pytest.raises(HometaxError) as err:
            read_hometax(write(tmp_path, "empty.xml", empty))
        assert str(err.value) == f"{tmp_path / 'empty.xml'}: B101Y 서식이 비어 있습니다 (내역 <data> 행이 없음)"
