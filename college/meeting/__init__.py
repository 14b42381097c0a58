"""Selection meetings: the secret paper eliminating ballot of seed 000, section I.iv.

A ward or CLP selection meeting is not a transfer count. Each round is a fresh ballot of the
members present; members vote for up to the number of seats (7a); the tellers enter each
round's tally and the rules say what happens next (9-13). Under positive action in a
winnable multi-member ward the ballot is held in two parts, a woman (or two) first (8).

- `selection`: the selection file (the ward, the seats, positive action, the shortlist, the quorum).
- `ballot`: the eliminating ballot, a round in and a round out, each answer citing its rule.
- `record`: the meeting kept write-once in a store, every round in the ledger.
- `sheet`: the round sheet the chair reads out (PDF).
"""
