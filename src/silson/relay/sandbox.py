"""The sandbox 실손24: in process, it keeps every claim handed to it and answers as the relay does. It
pulls documents only from linked institutions and only for care inside their window (§5.6), so a
visit it cannot reach is refused with the reason the app would give; an accepted claim gets a
접수번호 and is delivered to the insurer on the next status look-up (§5.4)."""

from __future__ import annotations

from datetime import datetime

from silson.relay.port import RelayAnswer, RelayClaim, RelayStatus
from silson.relay.route import Participation, load_participation


class SandboxRelay:
    def __init__(self, participation: Participation | None = None) -> None:
        self.participation = participation or load_participation()
        self.received: list[RelayClaim] = []  # every claim accepted, in order
        self._answers: dict[str, RelayAnswer] = {}
        self._status: dict[str, RelayStatus] = {}

    def submit(self, claim: RelayClaim, *, now: datetime) -> RelayAnswer:
        if claim.key in self._answers:
            return self._answers[claim.key]
        if not claim.visits:
            return RelayAnswer(False, None, None, "청구할 진료를 하나 이상 골라 주세요.")
        for visit in claim.visits:
            linked = self.participation.find(visit.institution_id)
            if linked is None:
                return RelayAnswer(
                    False, None, None, "실손24에 연계되지 않은 요양기관이에요. '참여 요청하기'를 눌러 주세요."
                )
            if not (linked.covers(visit.first) and linked.covers(visit.last)):
                return RelayAnswer(False, None, None, f"{linked.name}의 {visit.first} 진료 내역은 조회할 수 없어요 "
                                   f"({linked.linked}부터 연계).")  # fmt: skip
        receipt_no = f"S24-{now:%Y%m%d}-{len(self.received) + 1:06d}"
        answer = RelayAnswer(True, receipt_no, RelayStatus.SUBMITTED, None)
        self.received.append(claim)
        self._answers[claim.key] = answer
        self._status[receipt_no] = RelayStatus.SUBMITTED
        return answer

    def status(self, receipt_no: str, *, now: datetime) -> RelayStatus:
        if receipt_no not in self._status:
            raise LookupError(f"접수번호 {receipt_no}을(를) 찾을 수 없어요.")
        self._status[receipt_no] = RelayStatus.DELIVERED  # the relay forwards at once (§5.2)
        return self._status[receipt_no]
