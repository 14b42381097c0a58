"""Every event the ledger records, named once (issue 14).

The ledger (college/ledger.py) refuses to append an event not named here, and
`college ledger verify` reports one it finds as `unknown-event`: a ledger means only
what this vocabulary says. A new stage that records something adds its event here,
with one line saying what it means.
"""

from __future__ import annotations

# Returns (college/ingest.py, seed 003 items 11-20).
RECEIVED = "received"
DUPLICATE = "duplicate"
ACCEPTED = "accepted"
REJECTED = "rejected"
FLAGGED = "flagged"
LATE = "late"
SUPERSEDED = "superseded"
ADMITTED = "admitted"
# The contest file the count runs on (college/anchor.py).
CONTEST = "contest"
# The Procedures Committee (college/procedure.py, college/decisions.py): `ids["kind"]` says which decision.
DECISION = "decision"
REFERRED = "referred"
# The count and the declaration (flows/count.py, flows/declare.py; seed 003 items 28-32).
COUNTED = "counted"
CONTRIBUTION = "contribution"
DECLARED = "declared"
# The web service's committee actions (college/service/, college/enrolment.py; issue 16).
PASSKEY_ENROLLED = "passkey-enrolled"
SIGNED_IN = "signed-in"
DECISION_PROPOSED = "decision-proposed"
COUNT_STARTED = "count-started"
# Selection meetings (college/meeting/record.py, seed 000 I.iv).
MEETING_OPENED = "meeting-opened"
MEETING_ROUND = "meeting-round"

EVENTS: dict[str, str] = {
    RECEIVED: "a submission's bytes kept write-once under their SHA-256",
    DUPLICATE: "the same bytes arrived again under another inbox name",
    ACCEPTED: "a return passed every check and counts for its body",
    REJECTED: "a submission failed a check; its reasons name the rules",
    FLAGGED: "a return that checks but carries a flag: it waits for the Procedures Committee",
    LATE: "a return arrived after the returns deadline",
    SUPERSEDED: "a body's accepted return was replaced by a later one",
    ADMITTED: "the Procedures Committee admitted a late return",
    CONTEST: "the contest file anchored at the first event: its SHA-256 (an amendment is a decision)",
    DECISION: "a decision of the Procedures Committee: to count without missing returns, or on a tie",
    REFERRED: "the count paused on a tie the policy refers to the Procedures Committee",
    COUNTED: "the count sealed its result to the declaration key; the sealed object's hash",
    CONTRIBUTION: "a committee member contributed a share to open the sealed result",
    DECLARED: "the result was declared; the declaration's hash",
    PASSKEY_ENROLLED: "a committee member's passkey enrolled, bound by their signed statement",
    SIGNED_IN: "a committee member signed in to the web service with their passkey",
    DECISION_PROPOSED: "a committee member proposed a decision for the committee to sign in the web service",
    COUNT_STARTED: "a committee member started the count from the web service",
    MEETING_OPENED: "a selection meeting opened, with the selection file it counts",
    MEETING_ROUND: "one round of a selection meeting's tellers' tally",
}
