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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from college.count.breakdowns import GroupRounds
from college.reports.closeness import Closeness, closeness
from college.declaration import Declaration
from college.procedure import ProceduralRecord
from college.count.margins import Margin, Sensitivity, margins
from college.model import Model
from college.count.result import Result, Share, TieBreak
from college.count.shares import percent

WATERMARK = "DRY RUN"
TURNOUT_DECIMALS = 1

Cell = str | int | None
Audience = Literal["public", "nec"]


class Table(Model):
    """A table of the report: `columns` name its CSV columns, `headers` say the same in words."""

    id: str
    title: str
    columns: list[str]
    headers: list[str] = Field(description="each column in words, for the HTML and PDF")
    rows: list[list[Cell]]
    note: str | None = None
    for_people: bool = Field(default=True, description="shown in the HTML and PDF; false: the CSV and JSON only")

    @model_validator(mode="after")
    def _one_header_a_column(self) -> Table:
        if len(self.headers) != len(self.columns):
            raise ValueError(f"table {self.id}: {len(self.headers)} headers for {len(self.columns)} columns")
        return self

    def people(self) -> tuple[list[str], list[list[str]], list[bool]]:
        """Headers, cells and which columns are numbers, as people read them: thousands separated,
        exact fractions left to the CSV and JSON."""
        keep = [i for i, c in enumerate(self.columns) if not c.endswith("exact")]
        cells = [[shown(row[i]) for i in keep] for row in self.rows]
        numeric = [any(row[j] for row in cells) and all(NUMBER.match(row[j]) for row in cells if row[j])
                   for j in range(len(keep))]
        return [self.headers[i] for i in keep], cells, numeric


NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")  # a figure, set right in a table


def shown(cell: Cell) -> str:
    if cell is None:
        return ""
    return f"{cell:,}" if isinstance(cell, int) else str(cell)


def when(moment: datetime | None) -> str:
    """A time to the second, with its zone: 2010-09-25 16:00:00 UTC."""
    if moment is None:
        return ""
    offset = moment.utcoffset()
    if offset is None:
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    zone = "UTC" if not offset else "UTC" + moment.isoformat()[-6:]
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}"


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
    margins: list[Margin] = Field(default_factory=list, description="each round's margins at the bottom and the top")
    sensitivity: list[Sensitivity] | None = Field(
        default=None, description="the NEC report's: could the papers not counted have changed the result"
    )
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


# --- tables ---------------------------------------------------------------------------------


def _turnout(returned: int, issued: int) -> str | None:
    return percent(Fraction(returned, issued), TURNOUT_DECIMALS) if issued else None


def _preference(entry) -> str:
    if entry is None:
        return ""
    return entry if isinstance(entry, str) else " = ".join(entry)


def _outcome(round_, name: str) -> str:
    return "elected" if round_.elected == name else "eliminated" if name in round_.eliminated else "continuing"


def whole(result: Result) -> str:
    """What a candidate's overall share is a share of: the college, or (one member, one vote) all votes."""
    return "the Electoral College" if result.has_college else "the votes"


def summary_table(result: Result) -> Table:
    """Every round at a glance: each candidate's college share, round by round, and how they ended."""
    numbers = [r.number for r in result.rounds]
    rows = []
    for name in result.candidates:
        cells: list[Cell] = [r.college[name].percent if name in r.college else None for r in result.rounds]
        ended = next((r for r in result.rounds if r.elected == name or name in r.eliminated), None)
        if result.status == "unopposed":
            outcome = "elected unopposed"
        elif ended is None:
            outcome = "not elected" if result.rounds else ""
        else:
            outcome = f"{_outcome(ended, name)} in round {ended.number}"
        rows.append([name, *cells, outcome])
    return Table(
        id="summary",
        title=f"The rounds at a glance: each candidate's share of {whole(result)}, %",
        columns=["candidate", *[f"round_{n}_percent" for n in numbers], "outcome"],
        headers=["Candidate", *[f"Round {n}" for n in numbers], "Outcome"],
        rows=rows,
        note="More than 50% is needed to be elected (item 27); otherwise the lowest is eliminated and the next round starts.",
    )


def round_table(result: Result, round_, places: int) -> Table:
    columns, headers = ["candidate"], ["Candidate"]
    for s in round_.sections:
        columns += [f"{s.id}_votes", f"{s.id}_percent", f"{s.id}_college_percent"]
        headers += [f"{s.name}: votes", f"{s.name}: % of section", f"{s.name}: % of {'college' if result.has_college else 'votes'}"]
    columns += ["college_percent", "outcome"]
    headers += ["College %" if result.has_college else "% of votes", "Outcome"]
    rows = [
        [c, *[cell for s in round_.sections
              for cell in (s.votes[c], s.shares[c].percent, contribution(s.shares[c], s.weight, places).percent)],
         round_.college[c].percent, _outcome(round_, c)]
        for c in round_.continuing
    ]
    rows.append(["non-transferable", *[cell for s in round_.sections for cell in (s.non_transferable, None, None)], None, None])
    rows.append(["valid this round", *[cell for s in round_.sections for cell in (s.valid, None, None)], None, None])
    return Table(
        id=f"round-{round_.number}",
        title=f"Round {round_.number}: votes and percentages of each section, and college shares",
        columns=columns,
        headers=headers,
        rows=rows,
    )


def public_tables(declaration: Declaration) -> list[Table]:
    result = declaration.result
    places = declaration.contest.display.section_decimals
    candidates = result.candidates
    names = {s.id: s.name for s in result.sections}
    tables = [summary_table(result)]
    tables += [round_table(result, r, places) for r in result.rounds]
    tables += [
        Table(
            id="college-shares",
            title="College shares, round by round",
            columns=["round", "candidate", "college_percent", "college_exact", "outcome"],
            headers=["Round", "Candidate", "College %", "College, exact", "Outcome"],
            rows=[[r.number, c, r.college[c].percent, r.college[c].exact, _outcome(r, c)]
                  for r in result.rounds for c in r.continuing],
            for_people=False,
        ),
        Table(
            id="section-shares",
            title="Each section's totals as percentages of the section, round by round",
            columns=["round", "section", "candidate", "votes", "percent", "exact", "college_percent", "college_exact"],
            headers=["Round", "Section", "Candidate", "Votes", "% of section", "Exact", "% of college", "College, exact"],
            rows=[
                [r.number, s.name, c, s.votes[c], s.shares[c].percent, s.shares[c].exact,
                 contribution(s.shares[c], s.weight, places).percent, contribution(s.shares[c], s.weight, places).exact]
                for r in result.rounds for s in r.sections for c in r.continuing
            ],
            for_people=False,
        ),
        Table(
            id="section-totals",
            title="Each section's valid and non-transferable papers, round by round",
            columns=["round", "section", "valid", "non_transferable"],
            headers=["Round", "Section", "Valid", "Non-transferable"],
            rows=[[r.number, s.name, s.valid, s.non_transferable] for r in result.rounds for s in r.sections],
            for_people=False,
        ),
    ]
    if result.rounds:
        first = result.rounds[0]
        tables.append(
            Table(
                id="first-preferences",
                title="First preferences by section",
                columns=["section", "candidate", "votes", "percent", "exact"],
                headers=["Section", "Candidate", "Votes", "% of section", "Exact"],
                rows=[[s.name, c, s.votes[c], s.shares[c].percent, s.shares[c].exact]
                      for s in first.sections for c in first.continuing],
            )
        )
    moves = transfers(result)
    if moves:
        tables.append(
            Table(
                id="transfers",
                title="Where each eliminated candidate's papers went, section by section, round by round",
                columns=["round", "section", "from", "to", "papers"],
                headers=["Round", "Section", "Papers of (eliminated)", "Went to", "Papers"],
                rows=[[m.round, names[m.section], ", ".join(m.sources), m.target or "non-transferable", m.papers]
                      for m in moves],
                note="Papers move only from the eliminated: each gain in the next round is a transfer.",
            )
        )
    tables.append(
        Table(
            id="tie-breaks",
            title="Ties for the lowest college share",
            columns=["round", "tied", "method", "eliminated", "detail"],
            headers=["Round", "Tied", "Settled by", "Eliminated", "How"],
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
                headers=[
                    "Id", "Body", "Kind", "Section", "Certified members", "Papers issued", "Papers returned",
                    "Ineligible", "Spoilt", "Other invalid", "Valid", "Turnout %", *candidates,
                ],
                rows=[
                    [b.id, b.name, b.kind.replace("_", " "), names.get(b.section, b.section), b.certified, b.issued,
                     b.returned, b.ineligible, b.spoilt, b.other_invalid, b.valid, _turnout(b.returned, b.issued),
                     *[b.first_preferences.get(c, 0) for c in candidates]]
                    for b in declaration.bodies
                ],
                note=f"Turnout is papers returned as a percentage of papers issued, to {TURNOUT_DECIMALS} decimal place.",
            )
        )
    tables += group_tables(declaration, "affiliate", "By affiliate, every round", "Body")
    if declaration.clps:
        tables.append(
            Table(
                id="clps",
                title="By CLP: members' first preferences",
                columns=["clp", "section", "papers", *candidates],
                headers=["CLP", "Section", "Papers", *candidates],
                rows=[
                    [k.key, names.get(k.section, k.section), k.papers, *[k.first_preferences.get(c, 0) for c in candidates]]
                    for k in declaration.clps
                ],
            )
        )
    tables += group_tables(declaration, "clp", "By CLP, every round", "CLP")
    tables += category_tables(result)
    for section in declaration.published_sections:
        ballots = [b for b in declaration.named_ballots if b.section == section]
        depth = max((len(b.ranking) for b in ballots), default=0)
        tables.append(
            Table(
                id=f"ballots-{section}",
                title=f"{names[section]}: each named voter's ballot",
                columns=["voter", *[f"preference_{i}" for i in range(1, depth + 1)]],
                headers=["Voter", *[f"Preference {i}" for i in range(1, depth + 1)]],
                rows=[
                    [b.voter, *[_preference(e) for e in b.ranking], *[""] * (depth - len(b.ranking))]
                    for b in ballots
                ],
            )
        )
    return tables


def group_tables(declaration: Declaration, kind: str, title: str, label: str) -> list[Table]:
    """One table per round: each group's papers for each continuing candidate, and those with none left."""
    groups: list[GroupRounds] = [g for g in declaration.groups if g.kind == kind]
    if not groups:
        return []
    names = {s.id: s.name for s in declaration.result.sections}
    tables = []
    for place, round_ in enumerate(declaration.result.rounds):
        gone = f" ({', '.join(round_.eliminated)} eliminated)" if round_.eliminated else ""
        keyed = any(g.key != g.name for g in groups)  # a CLP is known by its name alone
        tables.append(
            Table(
                id=f"{kind}-round-{round_.number}",
                title=f"{title}: round {round_.number}{gone}",
                columns=[*(["key"] if keyed else []), "name", "section", *round_.continuing, "non_transferable", "papers"],
                headers=[*(["Id"] if keyed else []), label, "Section", *round_.continuing, "Non-transferable", "Papers"],
                rows=[
                    [*([g.key] if keyed else []), g.name, names.get(g.section, g.section),
                     *[g.rounds[place].votes.get(c, 0) for c in round_.continuing], g.rounds[place].non_transferable,
                     g.papers]
                    for g in groups
                ],
            )
        )
    return tables


def category_tables(result: Result) -> list[Table]:
    """One table per round of each voter category's votes and shares, counted in one pool (2015, 2020)."""
    tables = []
    for round_ in result.rounds:
        for section in round_.sections:
            if not section.categories:
                continue
            gone = f" ({', '.join(round_.eliminated)} eliminated)" if round_.eliminated else ""
            tables.append(
                Table(
                    id=f"category-round-{round_.number}" + (f"-{section.id}" if len(round_.sections) > 1 else ""),
                    title=f"By voter category, every round: round {round_.number}{gone}",
                    columns=["category", *[f"{c}_{f}" for c in round_.continuing for f in ("votes", "percent")],
                             "non_transferable", "valid"],
                    headers=["Voter category", *[f"{c}: {f}" for c in round_.continuing for f in ("votes", "% of the category")],
                             "Non-transferable", "Valid"],
                    rows=[
                        [c.name, *[cell for n in round_.continuing for cell in (c.votes[n], c.shares[n].percent)],
                         c.non_transferable, c.valid]
                        for c in section.categories
                    ],
                )
            )
    return tables


def margin_tables(declaration: Declaration, found: list[Margin]) -> list[Table]:
    if not found:
        return []
    sections = declaration.result.sections
    return [
        Table(
            id="margins",
            title="How close it was: each round's margins at the bottom and at the top",
            columns=["round", "where", "candidate", "against", "gap_percent", "gap_exact", "papers_for", "would_bring",
                     *[f"papers_{s.id}" for s in sections]],
            headers=["Round", "Where", "Candidate", "Against", f"Gap, points of {whole(declaration.result)}", "Gap, exact",
                     "Papers for", "They would bring", *[f"{s.name}: papers needed" for s in sections]],
            rows=[
                [m.round, m.where, m.candidate, m.against, m.gap.percent, m.gap.exact, m.papers_for, m.closes,
                 *[p.papers for p in m.papers]]
                for m in found
            ],
            note=(
                "At the bottom: how far the eliminated candidate was behind the next lowest. At the top: how far the "
                "leader was from more than 50%, or how far the winner was above it. Papers needed: the fewest extra "
                "papers in that section alone, every other section as counted, that would have closed the gap; "
                "blank where no number of papers in that section alone would have."
            ),
        )
    ]


FLAGS = {
    "late": "late return",
    "flagged": "flagged return",
    "rejected": "rejected return",
}


def flag_rows(declaration: Declaration) -> list[list[Cell]]:
    """Every flag and committee decision the ledger holds (item 29's record for the NEC); ties the
    committee decided are among its decisions, and have their own table as well."""
    record = declaration.procedure
    rows: list[list[Cell]] = []
    for body in declaration.bodies:
        if body.issued != body.certified:
            rows.append(["papers issued differ from the certified count", body.name,
                         f"issued {body.issued:,}, certified {body.certified:,}", "counted", "", ""])
    for entry in record.returns:
        if entry.outcome in ("late", "flagged"):
            decision = entry.decision or "not admitted"
            rows.append([FLAGS[entry.outcome], entry.body_name, "; ".join(entry.reasons) or when(entry.received_at),
                         decision, "", ""])
    for missing in record.missing:
        rows.append(["no counting return", missing.body_name, "", missing.decision or "no decision recorded", "", ""])
    for decision in record.decisions:
        rows.append([f"committee decision: {decision.subject}", "", "", decision.decision,
                     ", ".join(decision.decided_by), when(decision.decided_at)])
    return rows


def nec_tables(declaration: Declaration, close: Closeness) -> list[Table]:
    record = declaration.procedure
    ceremony = record.key_ceremony
    names = {s.id: s.name for s in declaration.result.sections}
    facts = [
        ["declared at", when(declaration.declared_at)],
        ["declared by", ", ".join(declaration.declared_by)],
        ["ledger head", declaration.ledger_head],
        ["sealed result digest", declaration.sealed_result_digest],
        ["result digest", declaration.result_digest],
        ["declaration digest", declaration.digest],
    ]
    if ceremony:
        facts += [
            ["key ceremony held at", when(ceremony.held_at)],
            ["key ceremony participants", ", ".join(ceremony.participants)],
            ["quorum", f"{ceremony.quorum} of {ceremony.members}"],
            ["declaration key", ceremony.declaration_key_id or ""],
        ]
    sensitivity_rows = []
    for item in close.sensitivity:
        could = [b for b in item.bounds if b.needed is not None]
        fewest = min(could, key=lambda b: b.needed, default=None)
        sensitivity_rows.append([
            item.subject, item.reason, names[item.section], item.papers, item.effect,
            item.elimination, item.winner,
            f"{fewest.needed:,} in round {fewest.round} ({fewest.change})" if fewest else "",
            "; ".join(item.witnesses),
        ])
    together = [
        ["all the papers added above, together", "", "", None, "added",
         "could not" if not any(b.could for b in close.together) else "not ruled out", close.together_winner,
         "; ".join(f"round {b.round}: {b.change}" for b in close.together if b.could), ""]
    ] if close.together else []
    return [
        Table(id="nec-declaration", title="The declaration and the key ceremony", columns=["item", "value"],
              headers=["Item", "Value"], rows=facts),
        Table(
            id="nec-flags",
            title="Flags and decisions of the Procedures Committee",
            columns=["flag", "body", "detail", "decision", "decided_by", "decided_at"],
            headers=["Flag or decision", "Body", "Detail", "Decision", "Decided by", "Decided at"],
            rows=flag_rows(declaration),
        ),
        Table(
            id="nec-sensitivity",
            title="Could the papers not counted have changed the result?",
            columns=["papers", "reason", "section", "size", "effect", "elimination", "winner", "fewest", "shown_by"],
            headers=["Papers not counted", "Why", "Section", "Papers, at certified size", "Added or taken away",
                     "Could they have changed an elimination?", "Could they have changed the winner?",
                     "Fewest papers that could change a round", "Shown by a recount with"],
            rows=sensitivity_rows + together,
            note=(
                "\"could not\": in no round could these papers, however marked, have changed who was eliminated, "
                "elected someone else, or kept the winner from more than 50%, so the count would have run the same; "
                "for the winner, also: whatever order of eliminations the papers could bring about, no one else "
                "could be elected. "
                "\"could\": a recount with the papers shown does change it. \"not ruled out\": the bound allows a "
                "change and no simple recount found one. " + " ".join(close.unknown)
            ).strip(),
        ),
        Table(
            id="nec-sensitivity-rounds",
            title="The bound worked out, round by round",
            columns=["papers", "round", "needed", "change", "within_reach"],
            headers=["Papers not counted", "Round", "Fewest papers in the section that could change the round",
                     "The change", "Within these papers' reach"],
            rows=[[item.subject, b.round, b.needed, b.change or "", "yes" if b.could else "no"]
                  for item in close.sensitivity for b in item.bounds],
        ),
        Table(
            id="nec-returns",
            title="Returns received, and what became of each",
            columns=["body", "name", "received_at", "outcome", "reasons", "decision", "submission"],
            headers=["Id", "Body", "Received at", "Outcome", "Reasons", "Decision", "Submission (SHA-256)"],
            rows=[
                [r.body, r.body_name, when(r.received_at), r.outcome, "; ".join(r.reasons), r.decision or "", r.submission]
                for r in record.returns
            ],
        ),
        Table(
            id="nec-returns-summary",
            title="Returns by outcome",
            columns=["outcome", "submissions"],
            headers=["Outcome", "Submissions"],
            rows=[
                [outcome, sum(1 for r in record.returns if r.outcome == outcome)]
                for outcome in ("accepted", "rejected", "superseded", "late", "flagged", "duplicate")
            ],
        ),
        Table(
            id="nec-missing",
            title="Registered bodies that made no return",
            columns=["body", "name", "decision"],
            headers=["Id", "Body", "Decision"],
            rows=[[m.body, m.body_name, m.decision or ""] for m in record.missing],
        ),
        Table(
            id="nec-decisions",
            title="Decisions of the Procedures Committee",
            columns=["subject", "decision", "decided_by", "decided_at"],
            headers=["Subject", "Decision", "Decided by", "Decided at"],
            rows=[
                [d.subject, d.decision, ", ".join(d.decided_by), when(d.decided_at)]
                for d in record.decisions
            ],
        ),
        Table(
            id="nec-tie-decisions",
            title="Ties referred to the Procedures Committee",
            columns=["round", "eliminate", "decided_by", "note"],
            headers=["Round", "Eliminated", "Decided by", "Note"],
            rows=[[t.round, t.eliminate, t.decided_by, t.note] for t in record.tie_decisions],
        ),
    ]


def build_report(declaration: Declaration, audience: Audience = "public", nec_extra: Sequence[Table] = ()) -> Report:
    """The public report, or the NEC's: the same, with the procedural record, every flag and
    decision, whether the papers not counted could have changed the result, and `nec_extra`
    (the Electoral College meeting's delegates, say)."""
    contest = declaration.contest
    result = declaration.result
    close = closeness(declaration) if audience == "nec" else None
    found = close.margins if close else margins(result)
    tables = public_tables(declaration) + margin_tables(declaration, found)
    if close:
        tables += nec_tables(declaration, close) + list(nec_extra)
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
        margins=found,
        sensitivity=close.sensitivity if close else None,
        procedure=declaration.procedure if audience == "nec" else None,
        ledger_head=declaration.ledger_head,
        result_digest=declaration.result_digest,
        sealed_result_digest=declaration.sealed_result_digest,
        declaration_digest=declaration.digest,
    )


def statement_markdown(report: Report) -> str:
    """The statement, the rounds at a glance and each round's table in Markdown, e.g. for the
    declaration flow's Prefect artifact."""
    lines = [f"**{WATERMARK}**: not a real result\n" if report.dry_run else "", f"## {report.statement.text}", ""]
    for table in report.tables:
        if table.id == "summary" or table.id.startswith("round-"):
            headers, rows, _ = table.people()
            lines += [f"### {table.title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines).lstrip("\n")
