"""Documents end to end in a real headless Chromium (issue 17): a customer uploads two receipt photos
to a claim at once and watches them being read; a hostile file is refused with a clear message; a
reviewer opens the console (the photo beside the read fields, the doubtful ones marked), makes a
visit of the receipt, corrects one doubtful field with a reason, and the claim's expected payout
follows to the engine's exact figure; the customer sees the document used and the new figure.
Phone-sized (360 px wide), as the other browser tests; screenshots under var/test-output."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from silson.access import Actor, Role
from silson.claims import events
from silson.claims import service as claims
from silson.demo import FAMILY
from silson.documents import synth
from silson.privacy import people
from silson.store import repository
from tests.web.conftest import STAFF_SECRET, Live
from tests.web.test_browser import _page, _shot, _sign_in, _sign_out

KIM = FAMILY[0]
VISIT = date(2025, 5, 12)
CLINIC = synth.Spec(layout="hospital-2024", business_number="1449939134", provider="연세정형외과병원", patient="김민준",
                    visit_date=VISIT, issued=VISIT, rows=[("진찰료", 4500, 10500, 0, 0), ("검사료", 3000, 7000, 0, 0),
                                                          ("처치 및 수술료", 2000, 5000, 0, 60000)])  # fmt: skip
PHARMACY = synth.Spec(layout="pharmacy", business_number="2208162517", provider="바른약국", patient="김민준",
                      visit_date=VISIT, issued=VISIT, rows=[("약제비", 3100, 7300, 0, 0)])  # fmt: skip
VISIT_AMOUNTS = ("amounts.noncovered", "amounts.covered_copay", "amounts.covered_full")


def _won(text: str) -> int:
    return int(text.replace(",", "").removesuffix("원").strip())


def _fresh_claim(live: Live) -> tuple[int, int]:
    """A new claim of 김민준 with 현대해상 for the 2025 visit, with no visits yet: the receipts make them."""
    now = datetime.now(UTC)
    with live.services.sessions.begin() as s:
        (kim,) = people.find_by_phone(s, live.services.master, str(KIM["phone"]))
        spending = repository.spending_of(s, kim)[0].id
        contract = next(c for c in repository.contracts_of(s, kim) if c.insurer == "현대해상")
        item = claims.ItemIn(f"spending:{spending}", f"contract:{contract.id}", VISIT, 50_000)
        claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=kim), person_id=kim, insurer="현대해상",
                                  items=[item], now=now)  # fmt: skip
    return kim, claim


def _unfold(form: Any) -> Any:
    """A field that is not in doubt keeps its correction folded away: open it."""
    if form.locator("details").count() and form.locator("details").get_attribute("open") is None:
        form.locator("summary").click()
    return form


def _engine_total(live: Live, claim: int) -> int:
    now = datetime.now(UTC)
    with live.services.sessions.begin() as s:
        found = events.figures(s, live.services.master, live.services.catalogue, Actor(Role.REVIEWER, staff_id="t"),
                               claim_id=claim, claim_date=now.date(), now=now)  # fmt: skip
    return found.own_total


def test_customer_uploads_two_photos_reviewer_corrects_one_field_and_the_figures_follow(
    live: Live, browser: Any, shots: Path, tmp_path: Path
) -> None:
    kim, claim = _fresh_claim(live)
    photos = []
    for name, spec in (("clinic", CLINIC), ("pharmacy", PHARMACY)):
        data, suffix = synth.render(spec, "photo", random.Random(17))
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        photos.append(path)

    page = _page(browser)
    _sign_in(page, live.url, str(KIM["name"]), "1985-04-12", str(KIM["phone"]))
    page.goto(f"{live.url}/claims/{claim}/documents")
    assert page.locator("#upload-camera").get_attribute("capture") == "environment"  # the phone opens its camera
    assert page.locator("#upload-camera").get_attribute("multiple") is not None
    _shot(page, shots, "01-claim-documents")

    hostile = tmp_path / "receipt.pdf"
    hostile.write_bytes(photos[0].read_bytes() + b"PK\x05\x06" + b"\0" * 18)  # a photo that is also a ZIP
    page.get_by_label("사진·PDF·전자서류 고르기").set_input_files(str(hostile))
    page.get_by_role("button", name="올리기").click()
    refused = page.locator("#upload-error")
    assert "receipt.pdf" in refused.inner_text() and "다른 파일이 숨어 있는 파일" in refused.inner_text()
    _shot(page, shots, "02-hostile-refused")

    page.goto(f"{live.url}/claims/{claim}/documents")
    page.get_by_label("사진·PDF·전자서류 고르기").set_input_files([str(p) for p in photos])
    page.get_by_role("button", name="올리기").click()
    page.locator("#uploaded", has_text="2건을 올렸어요").wait_for()
    assert "읽는 중" in page.locator("#uploads").inner_text() or "읽음 2건" in page.locator("#uploads").inner_text()
    _shot(page, shots, "03-uploaded-reading")
    page.locator("#uploads-summary", has_text="읽음 2건").wait_for(timeout=90_000)  # htmx follows the reading job
    _shot(page, shots, "04-read")
    _sign_out(page)

    page.goto(f"{live.url}/staff/sign-in")
    page.get_by_label("직원 ID").fill("reviewer")
    page.get_by_label("비밀번호").fill(STAFF_SECRET)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/review$"))
    page.goto(f"{live.url}/review/claims/{claim}/documents")
    page.locator("#uploads li").first.get_by_role("link", name="검토하기").click()
    page.locator("#document-image").wait_for()
    assert page.evaluate("document.querySelector('#document-image').naturalWidth") > 0  # served under the CSP
    doubtful = page.locator("form.field-form.doubt")
    assert doubtful.count() >= 1  # a phone photo: some fields go to a person, and they are marked
    assert page.locator("#claim-payout").inner_text() == "-"  # no visit yet: nothing to compute
    _shot(page, shots, "05-console")

    # what a visit needs first: the kind of visit (the photo's checkbox may not read)
    kind = page.locator("#f-visit-kind")
    if "doubt" in (kind.get_attribute("class") or "") or not kind.locator("select").input_value():
        _unfold(kind).locator("select").select_option("outpatient")
        kind.get_by_label("이유").fill("영수증 제목의 외래 칸에 표시")
        kind.get_by_role("button", name="고치기").click()
        page.locator("#f-visit-kind.looked, #f-visit-kind.changed").first.wait_for()
    # the receipt has no diagnosis (§7.3): the engine says it needs one; the reviewer takes it from the 처방전
    kcd = _unfold(page.locator("#f-visit-kcd"))
    kcd.locator("input[name=value]").fill("M54.5")
    kcd.get_by_label("이유").fill("처방전의 질병분류기호")
    kcd.get_by_role("button", name="고치기").click()
    page.locator("#f-visit-kcd.changed").wait_for()
    page.get_by_label("새 진료로 추가").check()
    page.get_by_role("button", name="진료 내역에 반영하고 다시 계산").click()
    page.locator("#attached").wait_for()
    first = _won(page.locator("#claim-payout").inner_text())
    assert first == _engine_total(live, claim) and first > 0
    assert page.locator("#engine-needs").count() == 0
    _shot(page, shots, "06-attached")

    # one doubtful field, corrected with a reason: an amount of the visit the photo left in doubt, else the
    # institution class ("…병원" may be a 종합병원 or 상급종합병원: the deductible differs, Hi1701 제1조②)
    fields = [page.locator(f"#f-{p.replace('.', '-')}") for p in VISIT_AMOUNTS]
    target = next((f for f in fields if "doubt" in (f.get_attribute("class") or "")), None)
    if target is not None:
        path = str(target.get_attribute("data-field"))
        current = _won(target.locator("input[name=value]").input_value() or "0")
        corrected: object = 30_000 if current != 30_000 else 20_000
        target.locator("input[name=value]").fill(f"{corrected:,}")
        target.get_by_label("이유").fill("세부산정내역서: 비급여 처치 1회분만 해당")
        shown_after = f"{corrected:,}원"
    else:
        path, corrected, shown_after = "institution.kind", "tertiary", "상급종합병원"
        target = page.locator("#f-institution-kind")
        assert "doubt" in (target.get_attribute("class") or "")  # a name alone does not tell the class
        target.locator("select").select_option("tertiary")
        target.get_by_label("이유").fill("영수증 요양기관 종류: 상급종합병원에 표시")
    before = page.locator("#claim-payout").inner_text()
    target.get_by_role("button", name="고치기").click()
    page.wait_for_function("before => document.querySelector('#claim-payout').textContent.trim() !== before",
                           arg=before)  # fmt: skip
    second = _won(page.locator("#claim-payout").inner_text())
    assert second != first and second == _engine_total(live, claim)
    with live.services.sessions.begin() as s:
        (visit,) = events.of_claim(s, live.services.master, Actor(Role.REVIEWER, staff_id="t"), claim)
    stored = visit.data["institution"]["kind"] if path == "institution.kind" else visit.data[path.split(".")[1]]
    assert stored == corrected and visit.revision == 2
    history = page.locator(f"#f-{path.replace('.', '-')} .history").inner_text()
    assert "reviewer:reviewer" in history and shown_after in history
    _shot(page, shots, "07-corrected")
    page.set_viewport_size({"width": 1280, "height": 900})  # a reviewer's desk: the photo beside the fields
    box_image, box_fields = (
        page.locator("#document-image").bounding_box(),
        page.locator(".document-fields").bounding_box(),
    )
    assert box_image and box_fields and box_image["x"] + box_image["width"] <= box_fields["x"]
    page.screenshot(path=str(shots / "07b-console-desk.png"))
    page.set_viewport_size({"width": 360, "height": 780})

    with live.services.sessions.begin() as s:  # who changed what, in the claim's audit trail
        trail = [(a.actor, a.action) for a in repository.audit_of(s, "claim", str(claim))]
    assert ("reviewer:reviewer", "document.field_corrected") in trail
    assert ("reviewer:reviewer", "claim.event_corrected") in trail and ("worker", "document.read") in trail
    page.goto(f"{live.url}/review/claims/{claim}")
    assert "서류 값 고침" in page.locator("#audit").inner_text()
    page.context.close()

    page = _page(browser)
    _sign_in(page, live.url, str(KIM["name"]), "1985-04-12", str(KIM["phone"]))
    page.goto(f"{live.url}/claims/{claim}/documents")
    assert "진료 e" in page.locator("#uploads li").first.inner_text()  # the customer sees it was used
    _shot(page, shots, "08-customer-sees-used")
    page.goto(f"{live.url}/claims/{claim}")
    assert _won(page.locator("#claim-total").inner_text()) == second
    _shot(page, shots, "09-customer-claim")
    page.context.close()
    assert kim > 0
