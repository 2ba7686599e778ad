"""The 동의서 (별지 제9호의2서식) and 위임장 (별지 제9호의3서식) as real PDFs, read back with pdftotext."""

from __future__ import annotations

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


class TestConsentForm:
    def test_it_names_the_form_the_patient_the_agent_the_visits_and_the_documents(self) -> None:
        text = text_of(forms.consent_form(patient=PATIENT, agent=AGENT, request=REQUEST))
        for expected in ("진료기록 열람 및 사본발급 동의서", "별지 제9호의2서식", "김민준", "850412-1******", "정현장",
                         "1980-02-02", "연세가정의원", "2024-06-01 ~ 2024-06-20", "2024-06-01, 2024-06-20",
                         "진료비 세부산정내역서", "실손의료보험금 청구", "2026-11-23", "환자의 신분증 사본"):  # fmt: skip
            assert expected in text, expected
        assert "1234567" not in text  # the full 주민등록번호 is on the ID copy, not printed

    def test_the_drawn_signature_is_embedded_as_an_image(self) -> None:
        pdf = forms.consent_form(patient=PATIENT, agent=AGENT, request=REQUEST)
        assert b"/Subtype /Image" in pdf
        assert "휴대폰 화면에 직접 서명" in text_of(pdf)


class TestPowerOfAttorney:
    def test_it_names_the_form_both_parties_the_scope_and_its_period(self) -> None:
        text = text_of(forms.power_of_attorney(patient=PATIENT, agent=AGENT, request=REQUEST,
                                               valid_until=date(2027, 2, 21)))  # fmt: skip
        for expected in ("위임장", "별지 제9호의3서식", "위임하는 사람 (환자)", "김민준", "위임받는 사람", "정현장",
                         "010-7000-0001", "연세가정의원", "2024-06-01, 2024-06-20", "2026-11-23 ~ 2027-02-21",
                         "진료기록 열람 및 사본발급에 관한 권한을 위임합니다", "위임받는 사람의 신분증"):  # fmt: skip
            assert expected in text, expected

    def test_without_a_drawn_signature_the_line_is_left_for_ink(self) -> None:
        request = forms.Request("온누리약국", (date(2024, 6, 1),), ("약제비 계산서·영수증",), date(2026, 11, 23), None)
        pdf = forms.power_of_attorney(patient=PATIENT, agent=AGENT, request=request, valid_until=date(2027, 2, 21))
        assert b"/Subtype /Image" not in pdf
        assert "서면 서명" in text_of(pdf)
