"""국세청 홈택스 연말정산 간소화 data: the XML payload, alone or embedded in the downloadable PDF.

Structure (shared/domain/data-formats.md §4.1): `<doc>` with `att_year` (귀속연도), then `<form
form_cd=…>`, each with `<man resid=… name=…>` holding `<data …>` rows. We read:
- B101Y 의료비: `dat_cd`, `busnid` (provider 사업자등록번호), `trade_nm`; child `sum` (paid in the year);
- B201Y 실손의료보험금 수령액: `busnid` (insurer), `trade_nm`, `acc_no` (증권번호); `goods_nm`, `sum`;
- A102Y 보장성 보험료: `busnid`, `trade_nm`, `acc_no`; `goods_nm`, `sum`.
Other form codes are skipped (a person's file holds many). A file may hold several years (several
`<doc>` under a root) and several family members. XML is parsed with defusedxml (no entity tricks);
the PDF's embedded file is pulled with pypdf, with the password when there is one.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError, WrongPasswordError
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.kr import brn, rrn

from silson.domain import bounds
from silson.errors import SilsonError

MEDICAL = "B101Y"
SILSON_PAID = "B201Y"
PREMIUM = "A102Y"
KNOWN_FORMS = {MEDICAL, SILSON_PAID, PREMIUM}


class HometaxError(SilsonError, ValueError):
    """A file that is not usable 간소화 data: names the file, the place in it and the problem."""

    def __init__(self, file: str, place: str, problem: str) -> None:
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")
        self.file, self.place, self.problem = file, place, problem


@dataclass(frozen=True, slots=True)
class Person:
    resid: str  # 주민등록번호 as the file gives it (masked or full); the join key across files
    name: str


@dataclass(frozen=True, slots=True)
class MedicalExpense:
    """B101Y: what one person paid one provider in one year (급여 본인부담 and 비급여 mixed)."""

    year: int
    person: Person
    provider_id: str  # 사업자등록번호, digits only
    provider_name: str
    kind_code: str  # dat_cd
    amount: int


@dataclass(frozen=True, slots=True)
class PolicyAmount:
    """An amount per insurer and policy in a year: what B201Y and A102Y rows both are."""

    year: int
    person: Person
    insurer_id: str
    insurer_name: str
    policy_no: str
    product: str
    amount: int


@dataclass(frozen=True, slots=True)
class SilsonReceived(PolicyAmount):
    """B201Y: 실손 payouts received in the year, per insurer and policy."""


@dataclass(frozen=True, slots=True)
class PremiumPaid(PolicyAmount):
    """A102Y: premiums paid for a 보장성 policy in the year."""


@dataclass(frozen=True, slots=True)
class HometaxData:
    medical: tuple[MedicalExpense, ...]
    silson_received: tuple[SilsonReceived, ...]
    premiums: tuple[PremiumPaid, ...]

    def merged(self, other: HometaxData) -> HometaxData:
        """Both files' rows; a row already present (the same file read twice) is kept once."""
        return HometaxData(
            tuple(dict.fromkeys(self.medical + other.medical)),
            tuple(dict.fromkeys(self.silson_received + other.silson_received)),
            tuple(dict.fromkeys(self.premiums + other.premiums)),
        )


EMPTY = HometaxData((), (), ())


def _amount(text: str | None, file: str, place: str) -> int:
    raw = (text or "").strip()
    if raw.startswith("-") and raw[1:].replace(",", "").isascii() and raw[1:].replace(",", "").isdigit():
        raise HometaxError(file, place, f"sum {bounds.shown(raw)} is negative")
    try:
        return bounds.won(raw)
    except bounds.BoundsError as exc:
        raise HometaxError(file, place, f"sum: {exc}") from None


def _business_id(raw: str | None, file: str, place: str) -> str:
    digits = "".join(ch for ch in (raw or "") if ch in _ASCII_DIGITS)
    if (
        len(digits) != 10
        or not brn.is_valid(digits)
        or any(ch.isdigit() and ch not in _ASCII_DIGITS for ch in raw or "")
    ):
        raise HometaxError(file, place, f"busnid '{bounds.shown(raw or '')}' is not a 사업자등록번호 (10 digits)")
    return digits


def check_resid(raw: str, file: str, place: str) -> str:
    """주민등록번호 as 간소화 files give it: full, or masked after the sex digit ("850412-1******").
    The birth date and sex digit must be valid (python-stdnum); a checksum failure is accepted, since
    numbers issued since 2020-10 have a random tail without a check digit (data-formats.md §6.2)."""
    text = raw.strip()
    digits = text.replace("-", "")
    if len(digits) != 13:
        raise HometaxError(file, place, f"resid '{bounds.shown(raw)}' is not a 주민등록번호 (13 characters)")
    head, tail = digits[:7], digits[7:]
    if not (head.isascii() and tail.isascii()):
        raise HometaxError(file, place, f"resid '{bounds.shown(raw)}' is not a 주민등록번호 (digits 0-9)")
    if not head.isdigit() or not (tail.isdigit() or set(tail) <= {"*"}):
        raise HometaxError(file, place, f"resid '{bounds.shown(raw)}' is not a 주민등록번호")
    probe = head + (tail if tail.isdigit() else "000000")
    try:
        rrn.validate(probe)
    except InvalidChecksum:
        pass
    except ValidationError:
        raise HometaxError(file, place, f"resid '{raw}': birth date or sex digit is not valid") from None
    return text


def _child(element: Element, tag: str) -> str | None:
    found = element.find(tag)
    return found.text if found is not None else None


def _parse_doc(doc: Element, file: str, where: str) -> HometaxData:
    year_raw = doc.get("att_year") or _child(doc, "att_year")
    year_text = (year_raw or "").strip()
    if not (len(year_text) == 4 and year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        raise HometaxError(file, where, f"att_year '{bounds.shown(year_raw or '')}' is not a year (귀속연도)")
    year = int(year_text)
    medical: list[MedicalExpense] = []
    received: list[SilsonReceived] = []
    premiums: list[PremiumPaid] = []
    forms = doc.findall("form")
    for f_index, form in enumerate(forms):
        code = form.get("form_cd", "")
        if code not in KNOWN_FORMS:
            continue
        for m_index, man in enumerate(form.findall("man")):
            person = Person((man.get("resid") or "").strip(), (man.get("name") or "").strip())
            at_man = f"{where}/form[{f_index}]({code})/man[{m_index}]"
            if not person.resid or not person.name:
                raise HometaxError(file, at_man, "man needs resid and name")
            check_resid(person.resid, file, at_man)
            for d_index, data in enumerate(man.findall("data")):
                at = f"{at_man}/data[{d_index}]"
                amount = _amount(_child(data, "sum"), file, at)
                business = _business_id(data.get("busnid"), file, at)
                name = (data.get("trade_nm") or "").strip()
                if code == MEDICAL:
                    medical.append(MedicalExpense(year, person, business, name, data.get("dat_cd", ""), amount))
                    continue
                policy = (data.get("acc_no") or "").strip()
                product = (_child(data, "goods_nm") or "").strip()
                if code == SILSON_PAID:
                    received.append(SilsonReceived(year, person, business, name, policy, product, amount))
                else:
                    premiums.append(PremiumPaid(year, person, business, name, policy, product, amount))
    return HometaxData(tuple(medical), tuple(received), tuple(premiums))


_ASCII_DIGITS = frozenset("0123456789")
_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_NATIVE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "utf-16", "utf-16le",
                 "utf-16be"}  # fmt: skip
# EUC-KR files from Windows tools carry CP949 (its superset) characters: read them as CP949
_CODECS = {"euc-kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949", "ksc5601": "cp949", "cp949": "cp949",
           "ms949": "cp949", "uhc": "cp949", "x-windows-949": "cp949"}  # fmt: skip


def _as_utf8(payload: bytes, file: str) -> bytes:
    """The XML as UTF-8 for the parser (expat reads no multi-byte legacy encoding): a file declared
    EUC-KR or CP949 (older 간소화 downloads) is decoded by its declaration and re-declared UTF-8.
    A BOM wins over the declaration, as the XML spec says."""
    if payload.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return payload
    found = _DECLARATION.match(payload.lstrip()[:200])
    if found is None:
        return payload
    declared = found.group(1).decode("ascii").lower()
    if declared in _EXPAT_NATIVE:
        return payload
    codec = _CODECS.get(declared)
    if codec is None:
        problem = f"문자 인코딩 '{declared}'은 읽을 수 없습니다. 홈택스에서 다시 내려받거나 UTF-8로 저장해 주세요."
        raise HometaxError(file, "XML declaration", problem)
    try:
        text = payload.decode(codec)
    except UnicodeDecodeError as exc:
        raise HometaxError(file, f"byte {exc.start}", f"파일이 {declared.upper()}라고 하지만 그 인코딩이 아닌 글자가 "
                           "있습니다. 홈택스에서 파일을 다시 내려받아 주세요.") from None  # fmt: skip
    return re.sub(r"""encoding\s*=\s*["'][^"']*["']""", 'encoding="UTF-8"', text, count=1).encode("utf-8")


def parse_xml(payload: bytes, file: str) -> HometaxData:
    text = _as_utf8(payload, file)
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as exc:
        raise HometaxError(file, "", f"refused unsafe XML ({type(exc).__name__})") from None
    except SafeET.ParseError as exc:
        line, column = exc.position
        raise HometaxError(file, f"line {line} column {column}", "not well-formed XML (truncated?)") from None
    except (ValueError, LookupError, RecursionError) as exc:  # expat: an encoding it cannot read
        problem = f"XML을 읽을 수 없습니다 ({bounds.shown(str(exc), 80)}). UTF-8로 저장해 주세요."
        raise HometaxError(file, "", problem) from None
    docs = [root] if root.tag == "doc" else root.findall("doc")
    if not docs:
        raise HometaxError(file, f"<{root.tag}>", "no <doc> element: not 연말정산 간소화 data")
    data = EMPTY
    for i, doc in enumerate(docs):
        data = data.merged(_parse_doc(doc, file, f"doc[{i}]"))
    if not (data.medical or data.silson_received or data.premiums):
        present = sorted({f.get("form_cd", "") for doc in docs for f in doc.findall("form")} & KNOWN_FORMS)
        if present:
            raise HometaxError(file, "", f"{', '.join(present)} 서식이 비어 있습니다 (내역 <data> 행이 없음)")
        raise HometaxError(file, "", f"no form {', '.join(sorted(KNOWN_FORMS))} in the file")
    return data


# what a hostile or broken PDF makes pypdf raise besides its own errors (a bad /Length, an unknown
# filter, an embedded file that is a dictionary instead of a stream): all mean "not a readable PDF"
_PDF_BROKEN = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError,
               NotImplementedError, RecursionError, zlib.error)  # fmt: skip
MAX_EMBEDDED_XML = 20 * 1024 * 1024  # a 간소화 XML is well under 1 MB; more is a flate bomb


def extract_xml_from_pdf(payload: bytes, file: str, password: str | None = None) -> bytes:
    """The XML file the 간소화 PDF carries as an attachment."""
    try:
        reader = PdfReader(io.BytesIO(payload))
        if reader.is_encrypted:
            if password is None:
                raise HometaxError(file, "", "the PDF is protected: give its password")
            if not reader.decrypt(password):
                raise HometaxError(file, "", "wrong PDF password")
        attachments = reader.attachments
        for name in list(attachments):
            if not name.lower().endswith(".xml"):
                continue
            contents = attachments[name]
            if contents and len(contents[0]) > MAX_EMBEDDED_XML:
                raise HometaxError(file, name, "the embedded XML is larger than 20 MB (not 간소화 data)")
            if contents and isinstance(contents[0], bytes):
                return contents[0]
    except HometaxError:
        raise
    except (WrongPasswordError, FileNotDecryptedError):
        raise HometaxError(file, "", "wrong PDF password") from None
    except LimitReachedError:
        raise HometaxError(file, "", "PDF를 읽을 수 없습니다: 압축을 풀면 너무 큽니다 (not a 간소화 PDF)") from None
    except _PDF_BROKEN as exc:
        problem = bounds.shown(f"{type(exc).__name__}: {exc}", 80)
        raise HometaxError(file, "", f"PDF를 읽을 수 없습니다. 홈택스에서 다시 내려받아 주세요 ({problem})") from None
    raise HometaxError(file, "", "the PDF carries no XML attachment: not a 연말정산 간소화 PDF")


def read_hometax(path: Path, password: str | None = None) -> HometaxData:
    """Read an XML or PDF 간소화 file; every problem is a HometaxError naming file, place, problem."""
    file = str(path)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise HometaxError(file, "", f"cannot read ({exc.strerror})") from None
    return parse_hometax(payload, file, password)


def parse_hometax(payload: bytes, file: str, password: str | None = None) -> HometaxData:
    """The contents of an XML or PDF 간소화 file (an upload, say); `file` names it in errors."""
    name = f"{file} (embedded XML)" if payload.startswith(b"%PDF") else file
    return parse_xml(hometax_xml(payload, file, password), name)


def hometax_xml(payload: bytes, file: str, password: str | None = None) -> bytes:
    """The XML of a 간소화 file: the file itself, or the XML a PDF carries."""
    return extract_xml_from_pdf(payload, file, password) if payload.startswith(b"%PDF") else payload
