"""Every folder of the store, named once (issue 14).

The store (college/store.py) keeps objects under keys `<folder>/<name>`; these are the
folders the pipeline writes. Objects written by content are named by their SHA-256.
"""

from __future__ import annotations

INBOX = "inbox"  # submissions as they arrive, named by arrival time and hash
RECEIVED = "received"  # every submission's bytes, write-once under their SHA-256
RECEIPTS = "receipts"  # the signed receipt of each submission
LEDGER = "ledger"  # the ledger's entries, `ledger/{position:08d}.json`
SEALED = "sealed"  # the count's tally sealed to the declaration key
DECLARATIONS = "declarations"  # each declaration, canonical JSON under its SHA-256
CHECKPOINTS = "checkpoints"  # the party scrutineer's signed checkpoints of the ledger's size and head
CONTESTS = "contests"  # each anchored contest file, under its SHA-256
DECISIONS = "decisions"  # the committee's signed decisions, under the SHA-256 of their bytes
CONTRIBUTIONS = "contributions"  # the members' contributions, by sealed result and member
PASSKEYS = "passkeys"  # each committee member's enrolled passkeys, with the signed statement binding each
# Selection meetings (college/meeting/record.py).
SELECTIONS = "meeting/selection"  # the selection file counted
OPENINGS = "meeting/opening"  # how the meeting opened: who was present
TALLIES = "meeting/tallies"  # each round's tellers' tally

FOLDERS = (
    INBOX, RECEIVED, RECEIPTS, LEDGER, SEALED, DECLARATIONS, CHECKPOINTS, CONTESTS, DECISIONS, CONTRIBUTIONS, PASSKEYS,
    SELECTIONS, OPENINGS, TALLIES,
)
