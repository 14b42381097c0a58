"""The reports made after the declaration (seed 003 items 19, 24-25 and 29).

- The declaration statement: the winner, and for each round each candidate's college
  share and each section's votes and share, who was eliminated and any tie-break, with
  the rounding the party publishes and the exact values beside it.
- The published breakdowns: first preferences by section (item 25), each section's
  totals as percentages of the section round by round (item 24), by affiliate, by CLP
  where the members' data carries it, and the named ballots of a published section.
- The NEC report (item 29): all of that and the procedural record.

Everything is built from a Declaration only (college/embargo.py). Every table is a
`Table` of plain cells, written alike to JSON and CSV; percentages stay strings so the
published decimal places survive, and exact fractions sit beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Literal

from pydantic import Field

from college.declaration import Declaration, ProceduralRecord
from college.model import Model
from college.count.result import Result, Share, TieBreak
from college.count.shares import percent

WATERMARK = "DRY RUN"
TURNOUT_DECIMALS = 1

Cell = str | int | None
Audience = Literal["public", "nec"]


class Table(Model):
    id: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str | None = None


class SectionFigure(Model):
    votes: int
    share: Share = Field(description="of the section's valid votes this round (item 24)")
    contribution: Share = Field(description="to the college: the share times the section's weight (item 23)")


class CandidateRound(Model):
    name: str
    outcome: Literal["elected", "eliminated", "continuing"]
    college: Share
    sections: dict[str, SectionFigure]


class SectionTotal(Model):
    id: str
    name: str
    valid: int
    non_transferable: int
    note: str | None = None


class StatementRound(Model):
    number: int
    candidates: list[CandidateRound]
    sections: list[SectionTotal]
    eliminated: list[str]
    batch: bool = False
    tie_break: TieBreak | None = None
    unallocated: Share | None = None


class Statement(Model):
    """The declaration statement (issue 7, item 1)."""

    winner: str | None
    status: str
    text: str = Field(description="the statement in one sentence, as read out")
    has_college: bool = Field(default=True, description="false in a one-member-one-vote contest: shares are of all votes")
    section_decimals: int
    college_decimals: int
    rounds: list[StatementRound]
    notes: list[str] = Field(default_factory=list)


class SectionInfo(Model):
    id: str
    name: str
    weight: str


class Report(Model):
    """A report file (JSON); `tables` hold every figure in the form its CSV has."""

    format: Literal["college-report/1"] = "college-report/1"
    audience: Audience
    dry_run: bool
    watermark: Literal["DRY RUN"] | None = Field(description='"DRY RUN" on every output of a dry run')
    contest: str
    position: str
    declared_at: datetime
    declared_by: list[str]
    candidates: list[str]
    sections: list[SectionInfo]
    statement: Statement
    tables: list[Table]
    procedure: ProceduralRecord | None = Field(default=None, description="the NEC report's procedural record")
    ledger_head: str
    result_digest: str
    sealed_result_digest: str
    declaration_digest: str

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)


# --- the statement ----------------------------------------------------------------------


def statement(result: Result, section_decimals: int, college_decimals: int) -> Statement:
    rounds = []
    for round_ in result.rounds:
        candidates = [
            CandidateRound(
                name=name,
                outcome="elected" if round_.elected == name else "eliminated" if name in round_.eliminated else "continuing",
                college=round_.college[name],
                sections={
                    s.id: SectionFigure(
                        votes=s.votes[name],
                        share=s.shares[name],
                        contribution=contribution(s.shares[name], s.weight, section_decimals),
                    )
                    for s in round_.sections
                },
            )
            for name in round_.continuing
        ]
        rounds.append(
            StatementRound(
                number=round_.number,
                candidates=candidates,
                sections=[
                    SectionTotal(id=s.id, name=s.name, valid=s.valid, non_transferable=s.non_transferable, note=s.note)
                    for s in round_.sections
                ],
                eliminated=round_.eliminated,
                batch=round_.batch,
                tie_break=round_.tie_break,
                unallocated=round_.unallocated,
            )
        )
    return Statement(
        winner=result.winner,
        status=result.status,
        text=statement_text(result),
        has_college=result.has_college,
        section_decimals=section_decimals,
        college_decimals=college_decimals,
        rounds=rounds,
        notes=result.notes,
    )


def contribution(share: Share, weight: str, places: int) -> Share:
    """What a section share adds to the college share; 2010's published table showed these to 3 dp."""
    return Share.of(share.fraction * Fraction(weight), places)


def statement_text(result: Result) -> str:
    if result.status == "unopposed":
        return f"{result.winner} is elected {result.position} unopposed: there was no ballot."
    last = result.rounds[-1]
    of = "of the Electoral College" if result.has_college else "of votes"
    return (
        f"{result.winner} is elected {result.position} with {last.college[result.winner].percent}% "
        f"{of} in round {last.number}."
    )


# --- transfers: where each eliminated candidate's papers went ----------------------------


@dataclass(frozen=True)
class Transfer:
    """Papers of `sources` (eliminated in `round`) that counted for `target` in the next round."""

    round: int
    section: str
    sources: tuple[str, ...]
    target: str | None  # None: non-transferable
    papers: int


def transfers(result: Result) -> list[Transfer]:
    """Derived from consecutive rounds: papers move only from the eliminated, so each continuing
    candidate's gain, and the gain in non-transferable papers, is what the eliminated passed on."""
    moves = []
    for before, after in zip(result.rounds, result.rounds[1:]):
        sources = tuple(before.eliminated)
        for prev, next_ in zip(before.sections, after.sections):
            for name in after.continuing:
                moves.append(Transfer(before.number, prev.id, sources, name, next_.votes[name] - prev.votes[name]))
            moves.append(
                Transfer(before.number, prev.id, sources, None, next_.non_transferable - prev.non_transferable)
            )
    return moves


# --- tables -----------------------------------------------------------------------------


def _turnout(returned: int, issued: int) -> str | None:
    return percent(Fraction(returned, issued), TURNOUT_DECIMALS) if issued else None


def _preference(entry) -> str:
    if entry is None:
        return ""
    return entry if isinstance(entry, str) else " = ".join(entry)


def _contribution_cells(share: Share, weight: str, places: int) -> list[str]:
    value = contribution(share, weight, places)
    return [value.percent, value.exact]


def public_tables(declaration: Declaration) -> list[Table]:
    result = declaration.result
    places = declaration.contest.display.section_decimals
    candidates = result.candidates
    names = {s.id: s.name for s in result.sections}
    tables = [
        Table(
            id="college-shares",
            title="College shares, round by round",
            columns=["round", "candidate", "college_percent", "college_exact", "outcome"],
            rows=[
                [r.number, c, r.college[c].percent, r.college[c].exact,
                 "elected" if r.elected == c else "eliminated" if c in r.eliminated else "continuing"]
                for r in result.rounds
                for c in r.continuing
            ],
        ),
        Table(
            id="section-shares",
            title="Each section's totals as percentages of the section, round by round",
            columns=["round", "section", "candidate", "votes", "percent", "exact", "college_percent", "college_exact"],
            rows=[
                [r.number, s.name, c, s.votes[c], s.shares[c].percent, s.shares[c].exact,
                 *_contribution_cells(s.shares[c], s.weight, places)]
                for r in result.rounds
                for s in r.sections
                for c in r.continuing
            ],
        ),
        Table(
            id="section-totals",
            title="Each section's valid and non-transferable papers, round by round",
            columns=["round", "section", "valid", "non_transferable"],
            rows=[[r.number, s.name, s.valid, s.non_transferable] for r in result.rounds for s in r.sections],
        ),
    ]
    for r in result.rounds:
        tables.append(
            Table(
                id=f"round-{r.number}",
                title=f"Round {r.number}: votes and percentages of each section, and college shares",
                columns=[
                    "candidate",
                    *[f"{s.name} {figure}" for s in r.sections for figure in ("votes", "% of section", "% of college")],
                    "college %",
                    "outcome",
                ],
                rows=[
                    [c, *[cell for s in r.sections
                          for cell in (s.votes[c], s.shares[c].percent, contribution(s.shares[c], s.weight, places).percent)],
                     r.college[c].percent,
                     "elected" if r.elected == c else "eliminated" if c in r.eliminated else "continuing"]
                    for c in r.continuing
                ]
                + [["non-transferable", *[cell for s in r.sections for cell in (s.non_transferable, None, None)], None, None]],
            )
        )
    if result.rounds:
        first = result.rounds[0]
        tables.append(
            Table(
                id="first-preferences",
                title="First preferences by section",
                columns=["section", "candidate", "votes", "percent", "exact"],
                rows=[
                    [s.name, c, s.votes[c], s.shares[c].percent, s.shares[c].exact]
                    for s in first.sections
                    for c in first.continuing
                ],
            )
        )
    moves = transfers(result)
    if moves:
        tables.append(
            Table(
                id="transfers",
                title="Where each eliminated candidate's papers went",
                columns=["round", "section", "from", "to", "papers"],
                rows=[
                    [m.round, names[m.section], ", ".join(m.sources), m.target or "non-transferable", m.papers]
                    for m in moves
                ],
                note="papers move only from the eliminated: each gain in the next round is a transfer",
            )
        )
    tables.append(
        Table(
            id="tie-breaks",
            title="Ties for the lowest college share",
            columns=["round", "tied", "method", "eliminated", "detail"],
            rows=[[t.round, ", ".join(t.tied), t.method.value, t.eliminated, t.detail] for t in result.tie_breaks],
        )
    )
    if declaration.bodies:
        tables.append(
            Table(
                id="affiliates",
                title="By affiliate: papers and first preferences",
                columns=[
                    "id", "name", "kind", "section", "certified", "issued", "returned", "ineligible",
                    "spoilt", "other_invalid", "valid", "turnout_percent", *candidates,
                ],
                rows=[
                    [b.id, b.name, b.kind, names.get(b.section, b.section), b.certified, b.issued, b.returned,
                     b.ineligible, b.spoilt, b.other_invalid, b.valid, _turnout(b.returned, b.issued),
                     *[b.first_preferences.get(c, 0) for c in candidates]]
                    for b in declaration.bodies
                ],
                note=f"turnout is papers returned as a percentage of papers issued, to {TURNOUT_DECIMALS} dp",
            )
        )
    if declaration.clps:
        tables.append(
            Table(
                id="clps",
                title="By CLP: members' first preferences",
                columns=["clp", "section", "papers", *candidates],
                rows=[
                    [k.key, names.get(k.section, k.section), k.papers, *[k.first_preferences.get(c, 0) for c in candidates]]
                    for k in declaration.clps
                ],
            )
        )
    for section in declaration.published_sections:
        ballots = [b for b in declaration.named_ballots if b.section == section]
        depth = max((len(b.ranking) for b in ballots), default=0)
        tables.append(
            Table(
                id=f"ballots-{section}",
                title=f"{names[section]}: each named voter's ballot",
                columns=["voter", *[f"preference_{i}" for i in range(1, depth + 1)]],
                rows=[
                    [b.voter, *[_preference(e) for e in b.ranking], *[""] * (depth - len(b.ranking))]
                    for b in ballots
                ],
            )
        )
    # The rounds as the party publishes them come first.
    return sorted(tables, key=lambda table: not table.id.startswith("round-"))


def nec_tables(declaration: Declaration) -> list[Table]:
    record = declaration.procedure
    ceremony = record.key_ceremony
    facts = [
        ["declared at", declaration.declared_at.isoformat()],
        ["declared by", ", ".join(declaration.declared_by)],
        ["ledger head", declaration.ledger_head],
        ["sealed result digest", declaration.sealed_result_digest],
        ["result digest", declaration.result_digest],
        ["declaration digest", declaration.digest],
    ]
    if ceremony:
        facts += [
            ["key ceremony held at", ceremony.held_at.isoformat() if ceremony.held_at else ""],
            ["key ceremony participants", ", ".join(ceremony.participants)],
            ["quorum", f"{ceremony.quorum} of {ceremony.members}"],
            ["declaration key", ceremony.declaration_key_id or ""],
        ]
    return [
        Table(id="nec-declaration", title="The declaration and the key ceremony", columns=["item", "value"], rows=facts),
        Table(
            id="nec-returns",
            title="Returns received, and what became of each",
            columns=["body", "name", "received_at", "outcome", "reasons", "decision", "submission"],
            rows=[
                [r.body, r.body_name, r.received_at.isoformat(), r.outcome, "; ".join(r.reasons), r.decision or "", r.submission]
                for r in record.returns
            ],
        ),
        Table(
            id="nec-returns-summary",
            title="Returns by outcome",
            columns=["outcome", "submissions"],
            rows=[
                [outcome, sum(1 for r in record.returns if r.outcome == outcome)]
                for outcome in ("accepted", "rejected", "superseded", "late", "duplicate")
            ],
        ),
        Table(
            id="nec-missing",
            title="Registered bodies that made no return",
            columns=["body", "name", "decision"],
            rows=[[m.body, m.body_name, m.decision or ""] for m in record.missing],
        ),
        Table(
            id="nec-decisions",
            title="Decisions of the Procedures Committee",
            columns=["subject", "decision", "decided_by", "decided_at"],
            rows=[
                [d.subject, d.decision, ", ".join(d.decided_by), d.decided_at.isoformat() if d.decided_at else ""]
                for d in record.decisions
            ],
        ),
        Table(
            id="nec-tie-decisions",
            title="Ties referred to the Procedures Committee",
            columns=["round", "eliminate", "decided_by", "note"],
            rows=[[t.round, t.eliminate, t.decided_by, t.note] for t in record.tie_decisions],
        ),
    ]


def build_report(declaration: Declaration, audience: Audience = "public") -> Report:
    contest = declaration.contest
    result = declaration.result
    tables = public_tables(declaration) + (nec_tables(declaration) if audience == "nec" else [])
    return Report(
        audience=audience,
        dry_run=declaration.dry_run,
        watermark=WATERMARK if declaration.dry_run else None,
        contest=declaration.contest_id,
        position=declaration.position,
        declared_at=declaration.declared_at,
        declared_by=declaration.declared_by,
        candidates=result.candidates,
        sections=[SectionInfo(id=s.id, name=s.name, weight=s.weight) for s in result.sections],
        statement=statement(result, contest.display.section_decimals, contest.display.college_decimals),
        tables=tables,
        procedure=declaration.procedure if audience == "nec" else None,
        ledger_head=declaration.ledger_head,
        result_digest=declaration.result_digest,
        sealed_result_digest=declaration.sealed_result_digest,
        declaration_digest=declaration.digest,
    )


def statement_markdown(report: Report) -> str:
    """The statement and each round's table in Markdown, e.g. for the declaration flow's Prefect artifact."""
    lines = [f"**{WATERMARK}**: not a real result\n" if report.dry_run else "", f"## {report.statement.text}", ""]
    for table in report.tables:
        if table.id.startswith("round-"):
            lines += [f"### {table.title}", "", "| " + " | ".join(table.columns) + " |",
                      "|" + "---|" * len(table.columns)]
            lines += ["| " + " | ".join("" if c is None else f"{c:,}" if isinstance(c, int) else str(c) for c in row) + " |"
                      for row in table.rows]
            lines.append("")
    return "\n".join(lines).lstrip("\n")
