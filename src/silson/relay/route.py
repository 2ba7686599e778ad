"""How the documents of one visit come (issue 18): through 실손24 when the institution is linked to
the relay and the visit is inside its window; else a field agent when the payout the engine expects
for the visit is worth the 발급 수수료 and the trip; else the customer's own upload. Pure: the
participation list and the trip cost are data (relay/data/*.yaml), the 보건복지부 fee caps those of
agents/data/fee_caps.yaml (one dated file, read through silson.agents.fees), the day and the
payout come in as arguments, and every choice carries its reason in Korean and its source.

A subject is one visit (a single day) or, before the receipts are read, one provider-year of the
estimate (the days of that year up to today): 실손24 must reach every day of it
(claims-and-documents.md §5.6: only care from the institution's go-live)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from silson.agents import fees
from silson.errors import DataError, Invalid

UNCONFIRMED = "UNCONFIRMED"


class VisitRoute(StrEnum):
    SILSON24 = "silson24"  # 실손24: the institution sends receipts and bills to the insurer
    AGENT = "agent"  # 현장 대리인: an agent fetches the documents with the person's 위임장
    UPLOAD = "upload"  # the customer photographs or uploads what the institution gave them


ROUTE_NAME = {VisitRoute.SILSON24: "실손24", VisitRoute.AGENT: "현장 대리인", VisitRoute.UPLOAD: "직접 올리기"}


class ParticipationError(DataError):
    pass


class Impossible(Invalid):
    """A route the visit cannot take (실손24 for an institution that is not linked, say)."""

    code = "route_impossible"


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    name: str
    kinds: frozenset[str]
    start: date  # the legal duty to send starts (보험업법 제102조의6)
    source: str


@dataclass(frozen=True, slots=True)
class Linked:
    """One institution linked to 실손24: visits on [linked, until) can be sent."""

    name: str
    kind: str
    phase: str
    linked: date
    until: date | None
    source: str
    confirmed: bool

    def covers(self, day: date) -> bool:
        """Whether care on `day` can be sent (its go-live day included).

        >>> a = Linked("A", "clinic", "phase2", date(2025, 10, 27), None, "s", True)
        >>> a.covers(date(2025, 10, 26)), a.covers(date(2025, 10, 27))
        (False, True)
        """
        return self.linked <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class Participation:
    launch: date
    launch_source: str
    phases: Mapping[str, Phase]
    by_id: Mapping[str, Linked]  # 요양기관기호 or 사업자등록번호 (digits only) → the institution
    share: tuple[tuple[date, int, int, str], ...] = ()  # (on, linked, of, source), oldest first

    def find(self, institution_id: str) -> Linked | None:
        digits = "".join(ch for ch in institution_id if ch.isdigit())
        return self.by_id.get(digits) if digits else None

    def phase_of(self, kind: str) -> Phase | None:
        return next((p for p in self.phases.values() if kind in p.kinds), None)

    def share_on(self, day: date) -> tuple[date, int, int, str] | None:
        known = [s for s in self.share if s[0] <= day]
        return known[-1] if known else (self.share[0] if self.share else None)


@dataclass(frozen=True, slots=True)
class Costs:
    """The agent's side: the 수수료 cap per document code, the trip, and what must be left over."""

    caps: Mapping[str, tuple[int, str, str]]  # code → (won, the document asked for, source)
    trip: int
    trip_source: str
    keep_at_least: int
    keep_source: str

    def fees(self, codes: Sequence[str]) -> int:
        """The caps of the documents an agent has issued (one of each code).

        >>> load_costs(on=date(2026, 12, 1)).fees(["RECEIPT", "DIAG_DOC", "ITEMIZED"])
        3000
        """
        missing = [c for c in codes if c not in self.caps]
        if missing:
            raise ParticipationError(f"fee_caps.yaml defaults: no fee item for document {missing[0]}")
        return sum(self.caps[c][0] for c in dict.fromkeys(codes))


@dataclass(frozen=True, slots=True)
class Subject:
    """What the route is chosen for: a visit, or a provider-year of the estimate."""

    ref: str  # "e<visit id>" | "spending:<id>"
    first: date  # the first day of care it covers
    last: date  # the last (a visit: the same day)
    institution_id: str  # 요양기관기호 or 사업자등록번호; "" when unknown
    institution_name: str  # "" when unknown
    kind: str  # an InstitutionKind value or "unknown"
    expected: int | None  # the engine's figure for it (원); None when it cannot be computed
    relay_codes: tuple[str, ...] = ()  # documents it needs that 실손24 carries
    other_codes: tuple[str, ...] = ()  # documents it needs from the institution that 실손24 does not carry
    # the claim's other visits the same trip would fetch (same institution, outside 실손24): one trip
    # carries them all, so the trip is weighed against their payouts together: (count, expected, fees)
    along: tuple[int, int, int] = (0, 0, 0)

    @property
    def known_place(self) -> bool:
        return bool(self.institution_id.strip() or self.institution_name.strip())

    @property
    def place(self) -> str:
        return self.institution_name or (f"기관 {self.institution_id}" if self.institution_id else "기관 미상")

    @property
    def days(self) -> str:
        return self.first.isoformat() if self.first == self.last else f"{self.first}~{self.last}"


@dataclass(frozen=True, slots=True)
class Choice:
    route: VisitRoute
    others: VisitRoute  # how the documents 실손24 does not carry come (진단서 …)
    reason: str  # Korean, for the customer
    source: str
    fees: int  # 발급 수수료 an agent pays for the documents the agent would fetch
    trip: int  # the trip cost counted (0 when no agent goes)
    possible: frozenset[VisitRoute] = field(default_factory=frozenset)
    refusals: Mapping[VisitRoute, str] = field(default_factory=dict)  # why a route is not possible

    @property
    def document_route(self) -> Mapping[bool, VisitRoute]:
        """The route of a document by whether 실손24 carries it."""
        return {True: self.route, False: self.others if self.route is VisitRoute.SILSON24 else self.route}


def relay_window(subject: Subject, participation: Participation) -> tuple[bool, str, str]:
    """(inside, reason, source): whether 실손24 reaches every day of the subject.

    >>> p = load_participation()
    >>> s = Subject("e1", date(2025, 10, 26), date(2025, 10, 26), "1018210117", "연세가정의원", "clinic", 50000)
    >>> relay_window(s, p)[:2]
    (False, '연세가정의원은(는) 2025-10-27부터 실손24에 연결되어, 2025-10-26 진료일의 서류는 실손24로 보낼 수 없어요.')
    """
    linked = participation.find(subject.institution_id)
    if linked is None:
        phase = participation.phase_of(subject.kind)
        share = participation.share_on(subject.last)
        share_text = f" ({share[0]} 기준 전체 요양기관의 {share[1] * 1000 // share[2] / 10}%만 연결)" if share else ""
        duty = (f" {phase.name} 기관은 {phase.start}부터 전송 의무가 있지만 연결되었다는 기록이 있어야 보낼 수 있어요."
                if phase else "")  # fmt: skip
        source = "; ".join(x for x in (phase.source if phase else "", share[3] if share else "") if x)
        return False, f"{subject.place}은(는) 실손24 연결 목록에 없어요{share_text}.{duty}", source or "§5.5"
    window = f"{linked.linked}부터" + (f" {linked.until - timedelta(days=1)}까지" if linked.until else "")
    source = f"{linked.source}{' (' + UNCONFIRMED + ')' if not linked.confirmed else ''}; §5.6 [S6] §2.1"
    if not linked.covers(subject.first) or not linked.covers(subject.last):
        what = "진료일" if subject.first == subject.last else "진료 기간"
        return (False, f"{linked.name}은(는) {window} 실손24에 연결되어, {subject.days} {what}의 서류는 실손24로 "
                "보낼 수 없어요.", source)  # fmt: skip
    return (
        True,
        f"{linked.name}은(는) {window} 실손24에 연결되어 {subject.days} 진료의 영수증·세부내역서를 보낼 수 있어요.",
        source,
    )


def _fallback(subject: Subject, costs: Costs, codes: Sequence[str]) -> tuple[VisitRoute, str, str, int, int]:
    """(route, reason, source, fees, trip) for documents that must be fetched from the institution."""
    fees = costs.fees(codes)
    fee_source = "; ".join(dict.fromkeys(costs.caps[c][2] for c in codes if costs.caps[c][0])) or "§6.4 [P13]"
    source = f"{fee_source}; {costs.trip_source}; {costs.keep_source}"
    if not subject.known_place:
        return (
            VisitRoute.UPLOAD,
            "어느 기관인지 알 수 없어 대리인이 찾아갈 수 없어요. 받은 서류를 올려 주세요.",
            "§6.2",
            fees,
            0,
        )
    if subject.expected is None:
        return (VisitRoute.UPLOAD, "예상 보험금을 아직 계산할 수 없어 대리인 방문이 이득인지 알 수 없어요. 받은 서류를 "
                "올려 주세요.", source, fees, 0)  # fmt: skip
    count, their_expected, their_fees = subject.along
    expected, all_fees = subject.expected + their_expected, fees + their_fees
    left = expected - all_fees - costs.trip
    together = f"같은 기관의 다른 진료 {count}건과 한 번에 가면 " if count else ""
    money = (f"{together}예상 보험금 {expected:,}원에서 발급 수수료 {all_fees:,}원과 방문 비용 {costs.trip:,}원을 "
             f"빼면 {max(left, 0):,}원이 남아")  # fmt: skip
    if left >= costs.keep_at_least:
        return VisitRoute.AGENT, f"{money} 현장 대리인이 위임장을 들고 서류를 받아 와요.", source, fees, costs.trip
    return (VisitRoute.UPLOAD, f"{money} 대리인 방문은 손해예요 ({costs.keep_at_least:,}원 이상 남아야 해요). 받은 "
            "서류를 올려 주세요.", source, fees, 0)  # fmt: skip


def choose(subject: Subject, *, participation: Participation, costs: Costs) -> Choice:
    """silson's choice for the subject, with the routes it could take instead and why not the others."""
    inside, relay_reason, relay_source = relay_window(subject, participation)
    all_codes = (*subject.relay_codes, *subject.other_codes)
    agent_route, agent_reason, agent_source, agent_fees, agent_trip = _fallback(subject, costs, all_codes)
    refusals: dict[VisitRoute, str] = {}
    if not inside:
        refusals[VisitRoute.SILSON24] = relay_reason
    if not subject.known_place:
        refusals[VisitRoute.AGENT] = "어느 기관인지 알 수 없어 대리인이 찾아갈 수 없어요."
    possible = frozenset(r for r in VisitRoute if r not in refusals)
    if inside:
        if subject.other_codes:
            others, _reason, _source, fees, trip = _fallback(subject, costs, subject.other_codes)
            rest = (f" 실손24가 보내지 않는 서류({len(subject.other_codes)}종)는 "
                    f"{'현장 대리인이 받아 와요' if others is VisitRoute.AGENT else '직접 올려 주세요'}.")  # fmt: skip
        else:
            others, fees, trip, rest = VisitRoute.UPLOAD, 0, 0, ""
        return Choice(VisitRoute.SILSON24, others, relay_reason + rest, relay_source, fees, trip, possible, refusals)
    reason = f"{relay_reason} {agent_reason}" if subject.known_place else agent_reason
    return Choice(agent_route, agent_route, reason, f"{relay_source}; {agent_source}", agent_fees, agent_trip, possible,
                  refusals)  # fmt: skip


def with_along(found: list[Subject], participation: Participation, costs: Costs) -> list[Subject]:
    """Each subject with the other subjects (a claim's visits, a person's provider-years) one agent
    trip would also carry: the same known institution, outside 실손24's reach, with a payout figure."""
    trip = [s for s in found if s.institution_id and s.expected  # nothing to claim, nothing to fetch
            and not relay_window(s, participation)[0]]  # fmt: skip
    out = []
    for s in found:
        others = [o for o in trip if o is not s and o.institution_id == s.institution_id] if s in trip else []
        along = (len(others), sum(o.expected or 0 for o in others),
                 sum(costs.fees((*o.relay_codes, *o.other_codes)) for o in others))  # fmt: skip
        out.append(replace(s, along=along))
    return out


def override(subject: Subject, choice: Choice, route: VisitRoute) -> Choice:
    """The customer's own pick instead of silson's; Impossible (with the reason) when it cannot be."""
    if route in choice.refusals:
        raise Impossible(f"{ROUTE_NAME[route]}(으)로는 받을 수 없어요: {choice.refusals[route]}", field="route")
    if route is choice.route:
        return choice
    others = choice.others if route is VisitRoute.SILSON24 else route
    reason = f"직접 고른 경로예요 (silson 추천: {ROUTE_NAME[choice.route]})."
    if route is VisitRoute.AGENT and subject.expected is not None:
        reason += f" 발급 수수료는 최대 {choice.fees or 0:,}원이에요."
    return Choice(route, others, reason, choice.source, choice.fees, choice.trip, choice.possible, choice.refusals)


# ---- the data ---------------------------------------------------------------------------------


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParticipationError(f"{where}: {value!r} is not a date") from None


def parse_participation(raw: Mapping[str, Any], extra: Sequence[Mapping[str, Any]] = ()) -> Participation:
    """The participation list, checked: known phases and kinds, no link before the relay opened, no
    institution twice, `until` after `linked`. `extra` rows (the operator's file) replace rows with
    the same identifier."""
    launch = _day(raw["launch"]["day"], "participation.yaml launch")
    phases = {}
    for pid, p in raw["phases"].items():
        phases[pid] = Phase(
            pid, str(p["name"]), frozenset(p["kinds"]), _day(p["from"], f"phase {pid}"), str(p["source"])
        )
    by_id: dict[str, Linked] = {}
    for origin, rows in (("participation.yaml", raw.get("institutions") or []), ("operator file", extra)):
        seen: set[str] = set()
        for i, row in enumerate(rows):
            where = f"{origin} institution {i + 1} ({row.get('name')})"
            ids = [str(row[k]) for k in ("ykiho", "busnid") if row.get(k)]
            if not ids:
                raise ParticipationError(f"{where}: needs ykiho (요양기관기호) or busnid (사업자등록번호)")
            phase = phases.get(str(row.get("phase")))
            if phase is None:
                raise ParticipationError(f"{where}: unknown phase {row.get('phase')!r}")
            if row.get("kind") not in phase.kinds:
                raise ParticipationError(f"{where}: kind {row.get('kind')!r} is not of {phase.id}")
            linked = _day(row.get("linked"), f"{where} linked")
            until = _day(row["until"], f"{where} until") if row.get("until") else None
            if linked < launch:
                raise ParticipationError(f"{where}: linked {linked} before 실손24 opened on {launch}")
            if until is not None and until <= linked:
                raise ParticipationError(f"{where}: until {until} is not after linked {linked}")
            if not row.get("source"):
                raise ParticipationError(f"{where}: every row names its source")
            entry = Linked(str(row["name"]), str(row["kind"]), phase.id, linked, until, str(row["source"]),
                           row.get("status") != UNCONFIRMED)  # fmt: skip
            for key in ids:
                digits = "".join(ch for ch in key if ch.isdigit())
                if digits in seen:
                    raise ParticipationError(f"{where}: {digits} is listed twice")
                seen.add(digits)
                by_id[digits] = entry
    share = tuple(sorted((_day(s["day"], "linked_share"), int(s["linked"]), int(s["of"]), str(s["source"]))
                         for s in raw.get("linked_share") or []))  # fmt: skip
    return Participation(launch, str(raw["launch"]["source"]), phases, by_id, share)


def _read(package_file: str) -> Any:
    return yaml.safe_load(resources.files("silson.relay").joinpath(package_file).read_text(encoding="utf-8"))


@cache
def load_participation(extra: Path | None = None) -> Participation:
    """The shipped list, with the operator's rows (SILSON_RELAY_PARTICIPATION, a YAML list of
    institutions in the same shape) over it."""
    path = extra or (Path(os.environ["SILSON_RELAY_PARTICIPATION"]) if os.environ.get("SILSON_RELAY_PARTICIPATION")
                     else None)  # fmt: skip
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) if path else []
    if not isinstance(rows, list):
        raise ParticipationError(f"{path}: a YAML list of institutions")
    return parse_participation(_read("data/participation.yaml"), rows)


def parse_costs(raw: Mapping[str, Any], env: Mapping[str, str], *, on: date,
                table: fees.FeeTable | None = None) -> Costs:  # fmt: skip
    """The trip (relay/data/trip.yaml, or the operator's setting in `env`) and, per checklist code,
    the 보건복지부 cap on `on` of the document an agent asks for (agents/data/fee_caps.yaml)."""

    def won(name: str, var: str) -> int:
        text = env.get(var)
        value = int(text) if text and text.isdigit() else int(raw[name]["won"])
        if value < 0:
            raise ParticipationError(f"trip.yaml {name}: negative")
        return value

    table = table or fees.load()
    caps = {}
    for code, item in table.defaults.items():
        found = fees.cap(table, item=item, issued_on=on)
        caps[code] = (found.amount, found.name, f"§6.4 {found.reference}")
    return Costs(caps, won("trip", "SILSON_AGENT_TRIP_WON"), str(raw["trip"]["source"]),
                 won("keep_at_least", "SILSON_AGENT_KEEP_WON"), str(raw["keep_at_least"]["source"]))  # fmt: skip


def load_costs(*, on: date) -> Costs:
    """The costs of a trip made on `on` (the caps in force that day)."""
    return parse_costs(_read("data/trip.yaml"), os.environ, on=on)
