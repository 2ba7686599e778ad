"""The claim lifecycle: every state and every allowed move, in one place, with who may make it.

draft → documents requested → documents received → in review → ready → submitted → acknowledged →
paid / partly paid / rejected / more documents requested → closed; cancelled from any state before
submission. A claim with an insurer stays with it (no cancelling once submitted).

After 접수 the insurer may notify a delay (제9조②: reason and 지급예정일) and pay a 가지급 (제9조③, half its
estimate) before it decides; a decision may be disputed (민원, 손해사정, 제3자 의견 or 분쟁조정: the customer
or the reviewer starts it, or the insurer answers that it contests), and a dispute ends in a new decision
or in closing the claim. The customer may close a decided claim (accepting it); claims-and-documents.md §3.7.
"""

from __future__ import annotations

from enum import StrEnum

from silson.access import Role as Role  # who acts lives with access control; kept importable here
from silson.errors import SilsonError


class State(StrEnum):
    DRAFT = "draft"
    DOCUMENTS_REQUESTED = "documents_requested"
    DOCUMENTS_RECEIVED = "documents_received"
    IN_REVIEW = "in_review"
    READY = "ready"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    REJECTED = "rejected"
    MORE_DOCUMENTS_REQUESTED = "more_documents_requested"
    DELAY_NOTIFIED = "delay_notified"  # 지급 지연 안내 (사유, 지급예정일)
    PREPAID = "prepaid"  # 가지급보험금 received
    DISPUTED = "disputed"  # 이의 제기·분쟁조정 under way
    CLOSED = "closed"
    CANCELLED = "cancelled"


S, R = State, Role
BEFORE_SUBMISSION = (S.DRAFT, S.DOCUMENTS_REQUESTED, S.DOCUMENTS_RECEIVED, S.IN_REVIEW, S.READY)
#: the insurer has the claim and has not decided it: states after 접수 that wait on its answer
PENDING_DECISION = (S.ACKNOWLEDGED, S.MORE_DOCUMENTS_REQUESTED, S.DELAY_NOTIFIED, S.PREPAID)
DECIDED = (S.PAID, S.PARTLY_PAID, S.REJECTED)
INSURER = frozenset({R.SYSTEM, R.REVIEWER})

#: (from, to) → roles that may make the move
TRANSITIONS: dict[tuple[State, State], frozenset[Role]] = {
    (S.DRAFT, S.DOCUMENTS_REQUESTED): frozenset({R.CUSTOMER, R.REVIEWER}),
    (S.DRAFT, S.IN_REVIEW): frozenset({R.REVIEWER}),
    (S.DOCUMENTS_REQUESTED, S.DOCUMENTS_RECEIVED): frozenset({R.FIELD_AGENT, R.REVIEWER, R.SYSTEM}),
    (S.DOCUMENTS_RECEIVED, S.IN_REVIEW): frozenset({R.REVIEWER}),
    (S.IN_REVIEW, S.DOCUMENTS_REQUESTED): frozenset({R.REVIEWER}),
    (S.IN_REVIEW, S.READY): frozenset({R.REVIEWER}),
    (S.READY, S.IN_REVIEW): frozenset({R.REVIEWER}),
    (S.READY, S.SUBMITTED): frozenset({R.REVIEWER, R.SYSTEM}),
    (S.SUBMITTED, S.ACKNOWLEDGED): frozenset({R.SYSTEM, R.REVIEWER}),
    (S.ACKNOWLEDGED, S.PAID): frozenset({R.SYSTEM, R.REVIEWER}),
    (S.ACKNOWLEDGED, S.PARTLY_PAID): frozenset({R.SYSTEM, R.REVIEWER}),
    (S.ACKNOWLEDGED, S.REJECTED): frozenset({R.SYSTEM, R.REVIEWER}),
    (S.ACKNOWLEDGED, S.MORE_DOCUMENTS_REQUESTED): frozenset({R.SYSTEM, R.REVIEWER}),
    (S.MORE_DOCUMENTS_REQUESTED, S.SUBMITTED): frozenset({R.REVIEWER, R.SYSTEM}),
    # §3.7 after 접수: a delay notice, a 가지급, the decision from either, a dispute and its end
    **{(s, S.DELAY_NOTIFIED): INSURER for s in (S.ACKNOWLEDGED, S.MORE_DOCUMENTS_REQUESTED)},
    **{(s, S.PREPAID): INSURER for s in (S.ACKNOWLEDGED, S.DELAY_NOTIFIED)},
    (S.DELAY_NOTIFIED, S.MORE_DOCUMENTS_REQUESTED): INSURER,
    **{(s, d): INSURER for s in (S.DELAY_NOTIFIED, S.PREPAID) for d in DECIDED},
    **{(d, S.DISPUTED): frozenset({R.CUSTOMER, R.REVIEWER, R.SYSTEM}) for d in DECIDED},  # paid late: interest
    **{(S.DISPUTED, d): INSURER for d in (S.PAID, S.PARTLY_PAID)},
    **{(s, S.CLOSED): frozenset({R.CUSTOMER, R.REVIEWER, R.SYSTEM}) for s in (*DECIDED, S.DISPUTED)},
    **{(s, S.CANCELLED): frozenset({R.CUSTOMER, R.REVIEWER, R.ADMINISTRATOR}) for s in BEFORE_SUBMISSION},
}


class TransitionError(SilsonError, ValueError):
    code = "claim_transition_not_allowed"
    http_status = 409


def check_move(current: State, target: State, role: Role) -> None:
    """Raise TransitionError when the lifecycle does not allow `role` to move `current` → `target`.

    >>> check_move(State.DRAFT, State.DOCUMENTS_REQUESTED, Role.CUSTOMER)
    >>> check_move(State.SUBMITTED, State.CANCELLED, Role.CUSTOMER)
    Traceback (most recent call last):
    ...
    silson.claims.lifecycle.TransitionError: a claim cannot go from submitted to cancelled
    """
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionError(f"a claim cannot go from {current.value} to {target.value}")
    if role not in allowed:
        raise TransitionError(f"a {role.value} may not move a claim from {current.value} to {target.value}")


def reachable(current: State) -> list[State]:
    return [to for (frm, to) in TRANSITIONS if frm == current]
