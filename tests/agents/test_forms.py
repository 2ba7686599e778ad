"""The 동의서 (별지 제9호의2서식) and 위임장 (별지 제9호의3서식) as facsimiles of the legal forms (form number,
title, boxed fields in the form's order, statement, signature line, addressee, attachments, paper size),
read back with pdftotext."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date

import pytest

from silson.agents import forms
from tests.agents.conftest import signature_png

PATIENT = forms.Patient("김민준", date(1985, 4, 12), "850412-1234567", "010-4821-7730")
AGENT = forms.Agent("정현장", date(1980, 2, 2), "010-7000-0001")
REQUEST = forms.Request("연세가정의원", (date(2024, 6, 20), date(2024, 6, 1)),
                        ("진료비 계산서·영수증", "진료비 세부산정내역서"), date(2026, 11, 23), signature_png())  # fmt: skip

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


def text_of(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def in_order(text: str, fields: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    """The form's sections, and its field labels, each found after the one before it (a section's name
    is centred beside its rows, so sections and labels are checked as two sequences)."""
    for sequence in ([section.split(" (")[0] for section, _labels in fields],
                     [label.split(" ")[0] for _section, labels in fields for label in labels]):  # fmt: skip
        at = 0
        for label in sequence:
            at = text.find(label, at)
            assert at >= 0, f"{label} missing or out of order"
            at += len(label)
    return True


class TestConsentForm:
    def test_it_is_laid_out_as_the_form_number_title_boxed_fields_in_order_statement_signature(self) -> None:
        text = text_of(forms.consent_form(patient=PATIENT, agent=AGENT, request=REQUEST))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == "■ 의료법 시행규칙 [별지 제9호의2서식]" and lines[1] == "진료기록 열람 및 사본발급 동의서"
        assert in_order(text, forms.CONSENT_FIELDS)
        statement = " ".join(text.split())
        assert statement.index("실손의료보험금 청구") < statement.index(
            "본인은 「의료법」 제21조제3항제2호 및 같은 법 시행규칙 제13조의3제2항에 따라") < statement.index(
            "2026년 11월 23일") < statement.index("동의하는 사람 (환자) 김민준") < statement.index(
            "(서명 또는 인)") < statement.index("연세가정의원의 장 귀하") < statement.index("첨부서류") < statement.index(
            "210mm×297mm[백상지 80g/㎡]")  # fmt: skip
        assert lines[-1] == "210mm×297mm[백상지 80g/㎡]"

    def test_it_names_the_patient_the_agent_the_visits_and_the_documents(self) -> None:
        text = text_of(forms.consent_form(patient=PATIENT, agent=AGENT, request=REQUEST))
        for expected in ("김민준", "850412-1******", "정현장", "1980-02-02", "연세가정의원", "2024-06-01 ~ 2024-06-20",
                         "2024-06-01, 2024-06-20", "진료비 세부산정내역서", "실손의료보험금 청구",
                         "환자의 신분증 사본 1부"):  # fmt: skip
            assert expected in text, expected
        assert "1234567" not in text  # the full 주민등록번호 is on the ID copy, not printed

    def test_the_drawn_signature_is_embedded_as_an_image(self) -> None:
        pdf = forms.consent_form(patient=PATIENT, agent=AGENT, request=REQUEST)
        assert b"/Subtype /Image" in pdf
        assert "휴대폰 화면에 직접 서명" in text_of(pdf)

    def test_for_a_child_the_legal_representative_signs_and_the_attachments_change(self) -> None:
        child = dataclasses.replace(REQUEST, representative=forms.Representative("김아빠", "친권자"))
        text = " ".join(text_of(forms.consent_form(patient=PATIENT, agent=AGENT, request=child)).split())
        assert "법정대리인 (친권자) 김아빠" in text and "동의하는 사람 (환자) 김민준" not in text
        assert "가족관계증명서 (3개월 이내 발급)" in text


class TestPowerOfAttorney:
    def test_it_is_laid_out_as_the_form_with_its_fields_in_order(self) -> None:
        text = text_of(forms.power_of_attorney(patient=PATIENT, agent=AGENT, request=REQUEST,
                                               valid_until=date(2027, 2, 21)))  # fmt: skip
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == "■ 의료법 시행규칙 [별지 제9호의3서식]" and lines[1] == "진료기록 열람 및 사본발급 위임장"
        assert in_order(text, forms.POA_FIELDS)
        flat = " ".join(text.split())
        assert flat.index("2026-11-23 ~ 2027-02-21") < flat.index(
            "본인은 「의료법」 제21조제3항제2호 및 같은 법 시행규칙 제13조의3제2항에 따라 위 위임받는 사람에게") < flat.index(
            "위임하는 사람 (환자) 김민준") < flat.index("연세가정의원의 장 귀하")  # fmt: skip
        assert lines[-1] == "210mm×297mm[백상지 80g/㎡]"

    def test_it_names_both_parties_the_scope_and_its_period(self) -> None:
        text = " ".join(text_of(forms.power_of_attorney(patient=PATIENT, agent=AGENT, request=REQUEST,
                                                        valid_until=date(2027, 2, 21))).split())  # fmt: skip
        for expected in ("김민준", "정현장", "010-7000-0001", "연세가정의원", "2024-06-01, 2024-06-20",
                         "진료기록 열람 및 사본발급에 관한 권한을 위임합니다", "위임받는 사람의 신분증"):  # fmt: skip
            assert expected in text, expected

    def test_without_a_drawn_signature_the_line_is_left_for_ink(self) -> None:
        request = forms.Request("온누리약국", (date(2024, 6, 1),), ("약제비 계산서·영수증",), date(2026, 11, 23), None)
        pdf = forms.power_of_attorney(patient=PATIENT, agent=AGENT, request=request, valid_until=date(2027, 2, 21))
        assert b"/Subtype /Image" not in pdf
        assert "서면 서명" in text_of(pdf)
