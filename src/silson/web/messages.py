"""What a customer reads when something is refused or goes wrong: Korean, saying what to do next.

The services and adapters say what is wrong in the terms of their field ("file: entry 2: amount is
not a number"), often in English. Both the pages and the JSON API are read by people: at the web edge
a message that is not Korean becomes the Korean one for its field and kind of refusal, one mapping
for both; the original stays as technical detail (the pages show it to staff only, the API puts it
in `detail` beside the stable `code` and `field`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

HANGUL = re.compile("[\uac00-\ud7a3]")

#: form and API fields as a person knows them
FIELD_LABEL = {
    "name": "이름", "birth_date": "생년월일", "phone": "휴대폰 번호", "kind": "파일 종류", "file": "파일",
    "password": "PDF 비밀번호", "reason": "사유", "to": "다음 단계", "key": "요청", "csrf": "보안 확인",
    "shares": "보여 줄 것", "amounts": "금액", "covered_copay": "급여 본인부담금", "covered_full": "전액본인부담",
    "noncovered": "비급여", "room_difference": "상급병실 차액", "nhis_paid": "공단부담금", "date": "진료일",
    "kcd": "질병분류코드", "expected_revision": "수정 번호", "staff_id": "직원 ID", "secret": "비밀번호",
    "confirm": "확인", "action": "선택", "request_id": "인증 요청", "version": "동의서 판", "body": "보낸 내용",
    "insurer": "보험사", "policy_no": "증권번호", "start": "계약일", "coverages": "보장 내용", "option": "선택형",
}  # fmt: skip

#: when the message is not Korean: what each kind of refusal means and what to do next
BY_STATUS = {
    400: "요청을 읽을 수 없어요. 화면을 새로 고친 뒤 다시 시도해 주세요.",
    401: "다시 로그인해 주세요.",
    403: "이 화면이나 기능은 쓸 수 없어요. 본인 계정으로 로그인했는지 확인해 주세요.",
    404: "찾는 내용이 없어요. 주소를 확인하거나 처음 화면에서 다시 찾아 주세요.",
    405: "이 주소로는 할 수 없는 요청이에요. 처음 화면에서 다시 시작해 주세요.",
    409: "지금 상태에서는 할 수 없어요. 화면을 새로 고쳐 최신 상태를 본 뒤 다시 시도해 주세요.",
    410: "탈퇴해 지워진 정보예요. 다시 이용하려면 처음부터 새로 가입해 주세요.",
    413: "파일이 너무 커요. 10MB 이하의 파일을 올려 주세요.",
    422: "입력한 내용을 확인해 주세요.",
    429: "요청이 너무 많아요. 잠시 후 다시 시도해 주세요.",
    500: "일시적인 오류가 생겼어요. 잠시 후 다시 시도해 주세요. 계속되면 고객센터에 알려 주세요.",
}
BY_CODE = {
    "csrf": "입력 화면이 만료되었어요. 화면을 새로 고친 뒤 다시 보내 주세요.",
    "stale_revision": "그사이 다른 사람이 내용을 바꿨어요. 화면을 새로 고쳐 바뀐 내용을 본 뒤 다시 정정해 주세요.",
    "invalid_file": "파일을 읽을 수 없어요. 홈택스 간소화 자료(XML·PDF)나 내보험다보여 계약 목록(JSON·CSV) "
                    "원본 파일인지 확인하고 다시 올려 주세요.",
    "invalid_body": "보낸 내용을 읽을 수 없어요. 화면을 새로 고친 뒤 다시 시도해 주세요.",
    "consent_missing": "먼저 동의 관리 화면에서 동의해 주세요.",
    "claim_not_editable": "이미 보험사에 보낸 청구라 바꿀 수 없어요.",
    "transition_refused": "지금 단계에서는 그렇게 바꿀 수 없어요.",
    "internal_error": BY_STATUS[500],
    "too_large": BY_STATUS[413],
    "rate_limited": BY_STATUS[429],
}  # fmt: skip
#: the next step added to a Korean message of the services that does not say one
NEXT_STEP = {
    401: "다시 로그인해 주세요.",
    403: "본인 계정으로 로그인했는지 확인해 주세요.",
    404: "주소를 확인하거나 처음 화면에서 다시 찾아 주세요.",
    409: "화면을 새로 고쳐 최신 상태를 본 뒤 다시 시도해 주세요.",
    410: "다시 이용하려면 처음부터 새로 가입해 주세요.",
    422: "입력한 내용을 확인해 주세요.",
    429: "잠시 후 다시 시도해 주세요.",
}
ASKS = re.compile("(주세요|하세요|보세요|있어요|돼요)")  # a message that already tells the person what to do
BY_FIELD = {
    "file": BY_CODE["invalid_file"],
    "password": "PDF 비밀번호가 맞지 않아요. 홈택스에서 파일을 받을 때 정한 비밀번호를 적어 주세요.",
    "kind": "파일 종류를 다시 골라 주세요.",
    "birth_date": "생년월일을 YYYY-MM-DD 형식으로 적어 주세요 (예: 1985-04-12).",
    "phone": "휴대폰 번호를 숫자로 적어 주세요 (예: 010-1234-5678).",
}


def is_korean(text: str) -> bool:
    """Whether a message is written for a Korean reader: mostly Hangul, not an English sentence
    with a Korean term in it.

    >>> is_korean("file: not UTF-8 text"), is_korean("청구 #3을(를) 찾을 수 없습니다.")
    (False, True)
    >>> is_korean("contracts: the person has no 실손 contract on file")
    False
    """
    hangul = len(HANGUL.findall(text))
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return hangul > 0 and hangul * 2 >= latin


def label(field: str | None) -> str | None:
    """A field path as a person reads it: its last known part.

    >>> label("amounts.noncovered"), label("body.phone"), label("x_y")
    ('비급여', '휴대폰 번호', None)
    """
    if not field:
        return None
    for part in reversed(field.split(".")):
        if part in FIELD_LABEL:
            return FIELD_LABEL[part]
    return None


def _particle(word: str, with_final: str, without: str) -> str:
    """을/를, 이/가: by whether the word's last syllable has a final consonant (받침)."""
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        return with_final if (ord(last) - 0xAC00) % 28 else without
    return with_final


def validation(kind: str, field: str | None, ctx: Mapping[str, Any] | None = None) -> str:
    """A request the form or API model refused (pydantic's error type), in Korean.

    >>> validation("missing", "body.name")
    '이름을 입력해 주세요.'
    >>> validation("string_too_long", "phone", {"max_length": 20})
    '휴대폰 번호는 20자까지 적을 수 있어요.'
    """
    ctx = ctx or {}
    if kind == "missing" and not label(field):
        return "보낸 내용에 빠진 항목이 있어요. 필요한 항목을 모두 채워 다시 보내 주세요."
    what = label(field) or "입력한 내용"
    if kind == "missing":
        return f"{what}{_particle(what, '을', '를')} 입력해 주세요."
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        return (
            f"{what}{_particle(what, '은', '는')} {limit}자까지 적을 수 있어요." if limit else f"{what}이 너무 길어요."
        )
    if kind in ("string_too_short", "too_short"):
        return f"{what}{_particle(what, '을', '를')} 입력해 주세요."
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "decimal_parsing"):
        return f"{what}{_particle(what, '은', '는')} 숫자로 적어 주세요."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{what}의 값이 허용 범위를 벗어났어요. 다시 확인해 주세요."
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{what}{_particle(what, '을', '를')} YYYY-MM-DD 형식으로 적어 주세요."
    if kind in ("enum", "literal_error"):
        return f"{what}: 고를 수 있는 값이 아니에요. 목록에서 다시 골라 주세요."
    if field and field.split(".")[-1] in BY_FIELD:
        return BY_FIELD[field.split(".")[-1]]
    return f"{what}{_particle(what, '을', '를')} 확인해 주세요."


#: English messages of the services whose meaning a generic Korean line would lose
BY_WORDING = (
    ("changed meanwhile", BY_CODE["stale_revision"]),
    ("form has expired", BY_CODE["csrf"]),
    ("not a readable pdf", "PDF를 읽을 수 없어요. 홈택스에서 받은 원본 PDF인지 확인하고 다시 올려 주세요."),
    ("password", BY_FIELD["password"]),
)


def for_customer(status: int, code: str, message: str, field: str | None) -> tuple[str, str | None]:
    """(what the page says, the technical detail for staff or None).

    >>> for_customer(404, "not_found", "no visit 3", None)[0]
    '찾는 내용이 없어요. 주소를 확인하거나 처음 화면에서 다시 찾아 주세요.'
    >>> for_customer(422, "invalid_input", "file: entry 2: amount is not a number", None)[0][:13]
    '파일을 읽을 수 없어요.'
    """
    if not field and ": " in message and not is_korean(message.partition(": ")[0]):
        head = message.partition(": ")[0].split(".")[0]
        field = head if head in FIELD_LABEL else None
    if is_korean(message):
        if field and message.startswith(f"{field}: "):
            message = message[len(field) + 2 :]
        if status in NEXT_STEP and not ASKS.search(message):
            message = f"{message.rstrip()} {NEXT_STEP[status]}"
        return message, None
    if code in BY_CODE:
        return BY_CODE[code], message
    lowered = message.lower()
    for wording, said in BY_WORDING:
        if wording in lowered:
            return said, message
    if status in (403, 404, 409, 410, 413, 429) or status >= 500:
        return BY_STATUS.get(status, BY_STATUS[500]), message
    key = field.split(".")[-1] if field else None
    if key in BY_FIELD:
        return BY_FIELD[key], message
    what = label(field)
    if what:
        return f"{what}{_particle(what, '을', '를')} 확인해 주세요.", message
    return BY_STATUS.get(status, BY_STATUS[422]), message
