"""The round sheet: one page per round for the chair to read out (fpdf2, A4 portrait, large type)."""

from __future__ import annotations

from fpdf.fonts import FontFace

from college.errors import CollegeError
from college.meeting.ballot import PAPER_NAMES, PART_NAMES, Ballot, Meeting, Round
from college.reports.pdf import UnicodePDF, unicode_font



class _Sheet(UnicodePDF):
    def __init__(self) -> None:
        super().__init__("P", unicode_font())
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def line_of(self, text: str, size: float = 12, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.55, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _page(sheet: _Sheet, meeting: Meeting, ballot: Ballot, played: Round) -> None:
    selection = meeting.selection
    tally = played.tally
    sheet.add_page()
    where = f"{selection.ward}, {selection.authority}" if selection.authority else selection.ward
    sheet.line_of(f"Selection meeting: {where}", 16, bold=True)
    sheet.line_of(f"{PART_NAMES[ballot.part]}: {ballot.seats} to be selected", 12)
    sheet.ln(4)
    kind = "" if played.paper.kind == "round" else f": {PAPER_NAMES[played.paper.kind]}"
    sheet.line_of(f"Round {played.number}{kind}", 22, bold=True)
    sheet.ln(2)
    sheet.line_of(
        f"Papers returned {tally.returned:,}; spoilt {tally.spoilt:,}; blank {tally.blank:,}; "
        f"valid papers {tally.valid:,} (rule 9). Each member may vote for up to {played.paper.votes_per_member}.",
        12,
    )
    if ballot.seats == 1 and played.paper.kind != "separate":
        sheet.line_of(f"An overall majority is {tally.valid // 2 + 1:,} votes (rule 9).", 12)
    sheet.ln(3)
    sheet.set_font(sheet.family, "", 16)
    order = sorted(played.paper.among, key=lambda name: (-tally.votes[name], name))
    with sheet.table(
        col_widths=(3, 1),
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=9,
        text_align=("LEFT", "RIGHT"),
    ) as table:
        for cells in [("Nominee", "Votes"), *((name, f"{tally.votes[name]:,}") for name in order)]:
            row = table.row()
            for cell in cells:
                row.cell(sheet.clean(cell))
    sheet.ln(6)
    sheet.line_of(played.answer.says, 16, bold=True)
    sheet.line_of(f"Rule {played.answer.rule} of the NEC's procedures for selecting local government candidates (I.iv).", 10)


def render_sheets(meeting: Meeting, number: int | None = None) -> bytes:
    """The round sheets of the meeting: every round, or the `number`th round entered (counting across both parts)."""
    played = [(ballot, round_) for ballot in meeting.ballots for round_ in ballot.rounds]
    if number is not None:
        if not 1 <= number <= len(played):
            raise CollegeError(f"the meeting has {len(played)} round(s) entered", field="--round")
        played = [played[number - 1]]
    sheet = _Sheet()
    sheet.set_title(sheet.clean(f"Selection meeting: {meeting.selection.ward}: round sheets"))
    for ballot, round_ in played:
        _page(sheet, meeting, ballot, round_)
    if not played:
        sheet.add_page()
        sheet.line_of(f"Selection meeting: {meeting.selection.ward}", 16, bold=True)
        sheet.line_of(meeting.outcome.says if meeting.outcome else "No round has been entered yet.", 14)
    elif meeting.outcome:
        sheet.ln(8)
        sheet.line_of(f"Outcome: {meeting.outcome.says}", 16, bold=True)
    return bytes(sheet.output())
