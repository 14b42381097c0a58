"""The official ballot paper of each affiliate, as a PDF (seed 003 items 11, 13-17).

[14, 17] Every society must use the ballot paper format the party specifies: the same
paper for every affiliate, differing only in the body's name and its declaration.
[15] Candidates appear in the order the party sets (the contest file's order), each
with a preference box; the instructions say how to number them.
[11, 16] The declaration of support, in the wording agreed with the Procedures Committee
for that body (the register's text, its hash printed beside it so the scrutineer can
name it in the return); none for a body whose members must all be Labour members. A
paper returned without the declaration completed is ineligible.
[13] The verification slip, below a cut line, and on a second page the voting pack's
contents, for whoever makes up the packs.
"""

from __future__ import annotations

from pathlib import Path

from college.contest import Contest, ReturningBody
from college.errors import CollegeError
from college.reports.pdf import UnicodePDF, unicode_font

# [13] The voting package sent to all members, in the guidelines' order.
PACK_CONTENTS = (
    "Covering letter",
    "Ballot paper",
    "Verification slip",
    "Return envelope",
    "Candidates' statements and lists of nominations and supporting nominations",
)
# [17] What societies are asked to add to the mailing, and to publicise.
PACK_REQUESTED = (
    "Membership recruitment letter and insert from the Party's General Secretary",
    "The helpline telephone number for members involved in the ballot",
)

INSTRUCTIONS = (
    "Vote by numbering the candidates in order of preference: 1 against your first choice, "
    "2 against your second, and so on. You may number as many or as few candidates as you wish. "
    "Use each number once only, and make no other mark on the paper."
)


def affiliates(contest: Contest, body_id: str | None = None) -> list[ReturningBody]:
    """The bodies that print the party's paper: one named, or every trade union and society in the register."""
    if body_id is not None:
        body = contest.body(body_id)
        if body is None or not body.affiliate:
            raise CollegeError(f"{body_id!r} is not an affiliate in the contest's register", field="--body")
        return [body]
    found = [body for body in contest.register if body.affiliate]
    if not found:
        raise CollegeError("the register has no trade union or socialist society", field="register")
    return found


class _Paper(UnicodePDF):
    def __init__(self):
        super().__init__("P", unicode_font())
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=14)

    def line_of(self, text: str, size: float, *, bold: bool = False, height: float | None = None, align: str = "L") -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, height or size * 0.5, self.clean(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def box(self, x: float, y: float, size: float) -> None:
        self.rect(x, y, size, size)


def render(contest: Contest, body: ReturningBody) -> bytes:
    """One body's ballot paper, verification slip and voting pack contents, as PDF bytes."""
    wording = contest.wording(body)
    if body.declaration_required and wording is None:
        raise CollegeError(
            f"{body.name} admits people who are not Labour members, so its paper carries a declaration of support, "
            "but no agreed wording is recorded for it (items 11, 16)",
            field=f"register.{body.id}.wording",
        )
    pdf = _Paper()
    pdf.set_title(f"{contest.id}: ballot paper of {body.name}")
    pdf.set_creator("college")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.line_of("THE LABOUR PARTY", 16, bold=True, align="C")
    pdf.line_of(f"Election of the {contest.position}: official ballot paper", 13, bold=True, align="C")
    pdf.line_of(f"Issued by {body.name} to its members", 11, align="C")
    pdf.ln(4)
    pdf.line_of("How to vote", 11, bold=True)
    pdf.line_of(INSTRUCTIONS, 10)
    pdf.ln(3)
    row = 11
    for name in contest.candidates:
        y = pdf.get_y()
        pdf.set_font(pdf.family, "", 12)
        pdf.cell(width - row - 4, row, pdf.clean(name), border="B")
        pdf.box(pdf.l_margin + width - row, y + 1, row - 2)
        pdf.ln(row + 1)
    pdf.ln(3)
    if wording is not None:
        pdf.line_of("Declaration of support", 11, bold=True)
        pdf.line_of("Tick the box to make this declaration. A paper without it is ineligible and is not counted.", 9)
        y = pdf.get_y() + 1
        pdf.box(pdf.l_margin, y, 6)
        pdf.set_xy(pdf.l_margin + 9, y)
        pdf.set_font(pdf.family, "", 10)
        pdf.multi_cell(width - 9, 5, pdf.clean(wording.text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.line_of(f"Wording agreed with the Procedures Committee on {wording.agreed_on.isoformat()}", 7)
        pdf.line_of(f"SHA-256 of the wording (named in the return): {wording.sha256}", 7)
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.set_dash_pattern()
    pdf.ln(1)
    pdf.line_of("cut here", 7, align="C")
    pdf.line_of("Verification slip", 11, bold=True)
    pdf.line_of(
        f"Return this slip with your ballot paper, in the return envelope, to {body.name}'s independent "
        f"scrutineer, {body.scrutineer}. It is kept apart from your paper, which stays secret.",
        9,
    )
    for label in ("Name", "Membership number", "Signature", "Date"):
        pdf.set_font(pdf.family, "", 10)
        pdf.cell(45, 9, label)
        pdf.cell(width - 45, 9, "", border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.line_of(f"Voting pack: {body.name}", 14, bold=True)
    pdf.line_of(f"Election of the {contest.position} ({contest.id})", 10)
    pdf.ln(3)
    pdf.line_of("Every member's pack contains (item 13):", 11, bold=True)
    for item in PACK_CONTENTS:
        _ticked(pdf, item)
    pdf.ln(2)
    pdf.line_of("Societies are asked to include and publicise (item 17):", 11, bold=True)
    for item in PACK_REQUESTED:
        _ticked(pdf, item)
    pdf.ln(2)
    pdf.line_of(
        "Every full member, and only they, gets a pack. The ballot paper is in the party's format and may not be "
        "altered (item 14). Results are sent only to the party's independent scrutineer and released to nobody "
        "before the declaration (items 17, 30, 31).",
        9,
    )
    return bytes(pdf.output())


def _ticked(pdf: _Paper, item: str) -> None:
    y = pdf.get_y() + 1
    pdf.box(pdf.l_margin, y, 4)
    pdf.set_xy(pdf.l_margin + 7, y - 0.5)
    pdf.set_font(pdf.family, "", 10)
    pdf.multi_cell(0, 5, pdf.clean(item), new_x="LMARGIN", new_y="NEXT")


def write_papers(contest: Contest, out: Path, body_id: str | None = None) -> list[Path]:
    """Each affiliate's paper as `<body id>.pdf` in `out`; returns the files written."""
    bodies = affiliates(contest, body_id)
    papers = [(body, render(contest, body)) for body in bodies]  # every paper made before any is written
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for body, data in papers:
        path = out / f"{body.id}.pdf"
        path.write_bytes(data)
        written.append(path)
    return written
