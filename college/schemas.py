"""JSON Schema of every file a user exchanges, generated from the pydantic models.

`python -m college.schemas schemas` rewrites the checked-in files; a test fails when
they are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from college.ceremony import Ceremony, Contribution
from college.checkpoints import SignedCheckpoint
from college.contest import Contest
from college.decisions import SignedDecision
from college.declaration import Declaration
from college.delegates import DelegateList, Registration
from college.preconditions import StoreMark
from college.electorate import Voter
from college.history import PublishedFigures
from college.ingest import Status
from college.ledger import Entry as LedgerEntry
from college.meeting.ballot import Tallies as MeetingTallies
from college.meeting.selection import Selection
from college.membership import RollMember
from college.nominations import ROW_MODELS as NOMINATION_ROWS
from college.nominations import NominationsConfig, NominationsOutcome
from college.profile import ProfileFile
from college.receipts import SignedReceipt
from college.recount import Manifest
from college.reports.tables import Report
from college.count.result import Result, TieDecision
from college.returns import Envelope, Problem, Return

# file stem -> the model (or type) that file holds
MODELS: dict[str, type[BaseModel] | TypeAdapter] = {
    "contest": Contest,
    "ceremony": Ceremony,
    "contribution": Contribution,
    "profile": ProfileFile,
    "declaration": Declaration,
    "recount-manifest": Manifest,
    "report": Report,
    "result": Result,
    "tie-decisions": TypeAdapter(list[TieDecision]),
    "return": Return,
    "return-envelope": Envelope,
    "return-problems": TypeAdapter(list[Problem]),
    "nominations": NominationsConfig,
    "nominations-outcome": NominationsOutcome,
    "ledger-entry": LedgerEntry,
    "receipt": SignedReceipt,
    "checkpoint": SignedCheckpoint,
    "decision": SignedDecision,
    "store-mark": StoreMark,
    "status": Status,
    "selection": Selection,
    "meeting-tallies": MeetingTallies,
    "voter-roll": TypeAdapter(list[Voter]),
    "published-figures": PublishedFigures,
    "delegates": TypeAdapter(list[Registration]),
    "delegate-list": DelegateList,
    "membership-roll": TypeAdapter(list[RollMember]),
    **{stem: TypeAdapter(list[row]) for stem, row in NOMINATION_ROWS.items()},
}


def schema_text(model: type[BaseModel] | TypeAdapter) -> str:
    schema = model.json_schema() if isinstance(model, TypeAdapter) else model.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    return {f"{stem}.schema.json": schema_text(model) for stem, model in MODELS.items()}


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generated().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas"))
