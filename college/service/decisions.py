"""The committee's decisions in the service: proposed by a member, signed by each member with their
passkey, recorded once the quorum has signed (college/decisions.py, issue 15).

A decision (admit a late or flagged return, proceed without the missing bodies, decide a
referred tie) is the document `college decision` makes from the command line. Here each
member signs it with their passkey: the WebAuthn challenge is the decision's digest, and
the signature carries its evidence (the passkey's public key and the member's statement
binding it, college/enrolment.py), so anyone checks it with the contest file alone. Once
a quorum has signed, the decision is recorded as the command line records it: kept
write-once, in the ledger with who signed, receipted; a tie decision resumes the paused
count. Proposals wait in the service's memory until then.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse

from college.decisions import (
    MemberSignature,
    SignedDecision,
    decision_bytes,
    decision_digest,
    decision_subject,
    propose,
    record_decision,
)
from college.errors import CollegeError
from college.events import DECISION_PROPOSED as PROPOSED
from college.procedure import open_ties
from college.service.web import Problem, service
from college.service.committee import _acting, _answered, _browser, _json, member_of
from college.signing import digest

router = APIRouter(prefix="/committee/decisions", include_in_schema=False)
KINDS = ("admit", "proceed", "tie")


@dataclass
class Proposal:
    signed: SignedDecision
    proposed_by: str
    recording: bool = False  # the quorum has signed and the decision is being recorded

    @property
    def signers(self) -> list[str]:
        return [s.member for s in self.signed.signatures]


def proposal_id(signed: SignedDecision) -> str:
    return digest(decision_bytes(SignedDecision(decision=signed.decision)))


@router.post("", name="propose_decision")
async def propose_decision(request: Request):
    form, member, svc = await _acting(request)
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        raise Problem(422, f"a decision is one of {', '.join(KINDS)}", "kind")
    given = {k: str(form[k]) for k in ("submission", "eliminate") if form.get(k)}
    try:
        signed = propose(svc.contest, kind, decision_subject(kind, svc.contest, svc.ledger, **given), svc.ledger)
    except (CollegeError, KeyError) as error:
        raise Problem(422, str(error) if isinstance(error, CollegeError) else f"{error} is needed", "decision") from None
    # A second click proposes nothing more: the members' signatures would split between the two. One the
    # quorum signed and that could not be recorded may be proposed afresh.
    waiting = [p.signed.decision for p in svc.proposals.values() if len(p.signers) < svc.contest.committee.quorum]
    if any((d.kind, d.subject) == (signed.decision.kind, signed.decision.subject) for d in waiting):
        return RedirectResponse(request.url_for("dashboard"), status_code=303)
    sha = proposal_id(signed)
    svc.proposals[sha] = Proposal(signed, member.id)
    svc.ledger.append(PROPOSED, ids={"member": member.id, "proposal": sha, "kind": kind},
                      reasons=[f"{member.name} proposed a decision ({kind}) for the committee to sign"])
    return RedirectResponse(request.url_for("dashboard"), status_code=303)


def _proposal(request: Request, sha: str) -> Proposal:
    found = service(request).proposals.get(sha)
    if found is None:
        raise Problem(404, "no decision with this id awaits signatures", "proposal")
    return found


@router.post("/{sha}/options", name="decision_options")
async def signing_options(request: Request, sha: str):
    member = member_of(request)
    proposal = _proposal(request, sha)
    if member.id in proposal.signers:
        raise Problem(409, "you have signed this decision already", "signed")
    browser = _browser(request)
    try:
        options = service(request).passkeys.signing_options(browser, member, decision_digest(proposal.signed.decision))
    except CollegeError as error:
        raise Problem(422, str(error), error.field or "passkey") from None
    return _json(options)


@router.post("/{sha}/sign", name="sign_decision")
async def sign(request: Request, sha: str):
    """A member's passkey signature; at the quorum the decision is recorded (and a tie's count resumes)."""
    member = member_of(request)
    svc = service(request)
    proposal = _proposal(request, sha)
    signature, evidence = await _answered(request, svc.passkeys.sign, member, decision_digest(proposal.signed.decision))
    if member.id not in proposal.signers:
        mark = MemberSignature(member=member.id, method="passkey", signature=signature, evidence=evidence)
        proposal.signed = proposal.signed.model_copy(update={"signatures": [*proposal.signed.signatures, mark]})
    # Marked while it is recorded, so that a signature arriving meanwhile does not record it again as
    # another document (refused then as already decided); a refusal leaves it to sign and record again.
    if len(proposal.signers) >= svc.contest.committee.quorum and not proposal.recording:
        proposal.recording = True
        try:
            await run_in_threadpool(record, svc, proposal)
        finally:
            proposal.recording = False
        svc.proposals.pop(sha, None)
    return JSONResponse({"signed": len(proposal.signers), "next": str(request.url_for("dashboard"))})


def record(svc, proposal: Proposal) -> None:
    if svc.signer is None:
        raise Problem(409, "this service has no receipt key (COLLEGE_RECEIPT_KEY): it cannot record decisions", "receipt-key")
    # none open when a rival decision has decided the tie: record_decision then refuses it with the rule
    ties = open_ties(svc.entries()) if proposal.signed.decision.kind == "tie" else []
    try:
        entry = record_decision(svc.ledger, svc.contest, svc.contest_bytes, proposal.signed, svc.signer)
    except CollegeError as error:
        raise Problem(409, str(error), error.field or "decision") from None
    if ties:
        from flows.count import resume_paused_count

        resume_paused_count(ties[-1], entry.ids["decision"])  # no paused run: the count, started again, takes it
