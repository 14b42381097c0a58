"""The eliminating ballot of a selection meeting (seed 000 I.iv, rules 7 to 17), a round in and a round out.

The tellers enter each round's tally; `record` answers what the rules require next, each
answer citing its rule. This is the seed's own reading of rule 10 for a meeting, where
every round is a fresh ballot; the count engine's batch elimination is the same rule read
for preferential papers.

Readings the rules leave open, decided here and said in the docs:
- A valid paper is one returned less the spoilt and the blank (9); every valid paper carries
  at least one vote and at most as many as the paper allows (7a, 8b), never two for one nominee.
- The majority of rule 9 decides a ballot for one seat. A ballot for several seats goes on
  removing the lowest until only the number required remain (11); rule 10's batch never
  removes so many that fewer remain.
- A tie "on the final round" (13) is a tie that decides the result: the round where one more
  removal leaves the required number, or where every nominee on the paper is tied. Any other
  tie at the bottom that rule 10 cannot remove whole goes to a separate ballot among the tied (12).
- A separate ballot (12) removes the one nominee with the fewest votes; a tie at its bottom
  goes to another separate ballot among those tied.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from college.errors import CollegeError
from college.meeting.selection import Selection
from college.model import Model, Name

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Part = Literal["ballot", "part-one", "part-two"]
PaperKind = Literal["round", "separate", "further"]
# How the chair names each part and each kind of paper.
PART_NAMES = {"ballot": "Eliminating ballot", "part-one": "Part one (the woman candidate)", "part-two": "Part two (the remaining seats)"}
PAPER_NAMES = {"round": "round", "separate": "separate ballot (rule 12)", "further": "further ballot (rule 13)"}
Action = Literal["selected", "deemed-selected", "eliminate", "separate-ballot", "further-ballot", "fresh-meeting", "deferred"]


class Tally(Model):
    """One round's tally as the tellers read it: papers returned, spoilt, blank, and each nominee's votes."""

    returned: Count
    spoilt: Count = 0
    blank: Count = 0
    votes: dict[Name, Count]

    @property
    def valid(self) -> int:
        """Rule 9: spoilt and blank papers are deducted from the papers returned."""
        return self.returned - self.spoilt - self.blank


class Tallies(Model):
    """A whole meeting's tallies in order, as the tellers read them out (`college meeting run`)."""

    present: Count
    joint: bool = False
    rounds: list[Tally] = Field(max_length=200)


class Paper(Model):
    """The ballot paper the tellers issue next: who is on it and how many votes each member has."""

    kind: PaperKind
    among: tuple[Name, ...]
    votes_per_member: int = Field(ge=1)


class Answer(Model):
    """What the rules require after a round, with the rule that requires it."""

    action: Action
    candidates: tuple[Name, ...] = ()
    eliminated: tuple[Name, ...] = ()
    rule: str
    says: str


class Round(Model):
    number: int = Field(ge=1)
    paper: Paper
    tally: Tally
    answer: Answer


class Ballot(Model):
    """One eliminating ballot (the ballot of rule 7, or one part of rule 8's two-part ballot).

    `next` is the paper to issue, or None once `outcome` says how the ballot ended."""

    part: Part
    seats: int = Field(ge=1)
    votes_per_member: int = Field(ge=1)
    continuing: tuple[Name, ...]
    rounds: tuple[Round, ...] = ()
    next: Paper | None = None
    outcome: Answer | None = None

    @property
    def selected(self) -> tuple[str, ...]:
        if self.outcome and self.outcome.action in ("selected", "deemed-selected"):
            return self.outcome.candidates
        return ()


def open_ballot(part: Part, candidates: tuple[str, ...], seats: int, votes_per_member: int) -> Ballot:
    ballot = Ballot(part=part, seats=seats, votes_per_member=votes_per_member, continuing=candidates)
    if len(candidates) <= seats:
        if part == "part-one":
            # 8a: the only woman nominee (or two, where two seats are set aside) is deemed selected.
            outcome = _answer("deemed-selected", candidates, rule="8a", says=f"{_names(candidates)} deemed selected: no more women nominees than seats set aside")
        else:
            outcome = _answer("selected", candidates, rule="11", says=f"{_names(candidates)} selected: no more nominees than seats")
        return ballot.model_copy(update={"outcome": outcome})
    return ballot.model_copy(update={"next": Paper(kind="round", among=candidates, votes_per_member=votes_per_member)})


def check_tally(paper: Paper, tally: Tally, *, eligible: int | None = None) -> None:
    """Refuse a tally the rules make impossible, naming the rule."""
    on_paper = set(paper.among)
    for name in tally.votes:
        if name not in on_paper:
            raise CollegeError(f"{name!r} is not on this paper: only {_names(paper.among)} are (rules 10, 12)", field="votes")
    for name in paper.among:
        if name not in tally.votes:
            raise CollegeError(f"no votes entered for {name!r}: enter 0 for a nominee with none", field="votes")
    if tally.spoilt + tally.blank > tally.returned:
        raise CollegeError("spoilt and blank papers exceed the papers returned (rule 9)", field="spoilt")
    if eligible is not None and tally.returned > eligible:
        raise CollegeError(
            f"more papers returned than the {eligible} members entitled to vote (rules 15, 17)", field="returned"
        )
    total = sum(tally.votes.values())
    if total > tally.valid * paper.votes_per_member:
        raise CollegeError(
            f"more votes than valid papers times the {paper.votes_per_member} vote(s) each member may cast (rules 7a, 8b)",
            field="votes",
        )
    if total < tally.valid:
        raise CollegeError("fewer votes than valid papers: a paper with no vote is blank (rule 9)", field="blank")
    for name, votes in tally.votes.items():
        if votes > tally.valid:
            raise CollegeError(f"{name!r} has more votes than valid papers: one vote per nominee on a paper (rule 7a)", field="votes")


def record(ballot: Ballot, tally: Tally, *, eligible: int | None = None) -> Ballot:
    """The ballot after one round: the tally checked, the rules applied, the next paper set."""
    paper = ballot.next
    if paper is None:
        raise CollegeError("this ballot is over: no further round may be entered", field="round")
    check_tally(paper, tally, eligible=eligible)
    if paper.kind == "separate":
        answer, continuing = _separate(ballot, paper, tally)
    else:
        answer, continuing = _round(ballot, paper, tally)
    done = answer.action in ("selected", "fresh-meeting")
    if answer.action == "separate-ballot":
        following = Paper(kind="separate", among=answer.candidates, votes_per_member=1)
    elif answer.action == "further-ballot":
        following = Paper(kind="further", among=continuing, votes_per_member=ballot.votes_per_member)
    else:
        following = None if done else Paper(kind="round", among=continuing, votes_per_member=ballot.votes_per_member)
    played = Round(number=len(ballot.rounds) + 1, paper=paper, tally=tally, answer=answer)
    return ballot.model_copy(
        update={
            "continuing": continuing,
            "rounds": ballot.rounds + (played,),
            "next": following,
            "outcome": answer if done else None,
        }
    )


def _round(ballot: Ballot, paper: Paper, tally: Tally) -> tuple[Answer, tuple[str, ...]]:
    among = paper.among
    votes = tally.votes
    if ballot.seats == 1:
        top = max(votes[name] for name in among)
        leaders = [name for name in among if votes[name] == top]
        # 9: an overall majority of the votes cast, spoilt and blank papers deducted first.
        if len(leaders) == 1 and 2 * top > tally.valid:
            return _answer("selected", tuple(leaders), rule="9", says=f"{leaders[0]} has an overall majority and is selected"), among
    # 11: never remove so many that fewer than the required number remain.
    cut = _batch(among, votes, most=len(among) - ballot.seats)
    if cut:
        remaining = tuple(name for name in among if name not in cut)
        if len(remaining) == ballot.seats:
            rule = "11" if ballot.seats > 1 else "10"
            says = f"{_names(cut)} eliminated; {_names(remaining)} remain and are selected"
            return _answer("selected", remaining, eliminated=cut, rule=rule, says=says), remaining
        return _answer("eliminate", eliminated=cut, rule="10", says=f"{_names(cut)} eliminated from the next round"), remaining
    tied = _bottom(among, votes)
    final = len(among) == ballot.seats + 1 or len(tied) == len(among)
    if final:
        if paper.kind == "further":
            says = "still tied after the further ballot: a fresh selection meeting is to be convened"
            return _answer("fresh-meeting", tied, rule="13", says=says), among
        says = f"{_names(tied)} tie on the final round: no casting vote; a further ballot (the tied nominees may first be questioned again)"
        return _answer("further-ballot", tied, rule="13", says=says), among
    says = f"{_names(tied)} tie at the bottom and together reach the nominee above: a separate ballot decides who is eliminated"
    return _answer("separate-ballot", tied, rule="12", says=says), among


def _separate(ballot: Ballot, paper: Paper, tally: Tally) -> tuple[Answer, tuple[str, ...]]:
    """12: the separate ballot among the tied decides which one is eliminated from the following round."""
    tied = _bottom(paper.among, tally.votes)
    if len(tied) > 1:
        says = f"{_names(tied)} tie again: another separate ballot between them"
        return _answer("separate-ballot", tied, rule="12", says=says), ballot.continuing
    loser = tied
    remaining = tuple(name for name in ballot.continuing if name not in loser)
    if len(remaining) == ballot.seats:
        says = f"{_names(loser)} eliminated by the separate ballot; {_names(remaining)} remain and are selected"
        return _answer("selected", remaining, eliminated=loser, rule="12", says=says), remaining
    says = f"{_names(loser)} eliminated by the separate ballot from the next round"
    return _answer("eliminate", eliminated=loser, rule="12", says=says), remaining


def _batch(among: tuple[str, ...], votes: dict[str, int], *, most: int) -> tuple[str, ...]:
    """10: the bottom nominee, with every other whose votes added to those below do not equal the one above.

    The largest such group from the bottom, of at most `most`; empty when the bottom is a tie
    that no such group clears (for rule 12)."""
    order = sorted(among, key=lambda name: votes[name])
    below = 0
    cut: tuple[str, ...] = ()
    for size in range(1, min(most, len(order) - 1) + 1):
        below += votes[order[size - 1]]
        if below < votes[order[size]]:
            cut = tuple(order[:size])
    return cut


def _bottom(among: tuple[str, ...], votes: dict[str, int]) -> tuple[str, ...]:
    low = min(votes[name] for name in among)
    return tuple(name for name in among if votes[name] == low)


def _answer(action: Action, candidates: tuple[str, ...] = (), *, eliminated: tuple[str, ...] = (), rule: str, says: str) -> Answer:
    return Answer(action=action, candidates=candidates, eliminated=eliminated, rule=rule, says=says)


def _names(names: tuple[str, ...]) -> str:
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


class Meeting(Model):
    """A selection meeting: its terms, the members entitled to vote, and its ballots in order.

    `present` counts the members entitled to vote: present when the first nominee began to
    speak (17), nominees not among them (15). A `joint` meeting is the deferred one of rule 16."""

    selection: Selection
    present: Count
    joint: bool = False
    ballots: tuple[Ballot, ...] = ()
    outcome: Answer | None = None

    @property
    def ballot(self) -> Ballot | None:
        return self.ballots[-1] if self.ballots else None

    @property
    def next(self) -> Paper | None:
        return None if self.outcome or self.ballot is None else self.ballot.next

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(name for ballot in self.ballots for name in ballot.selected)


def open_meeting(selection: Selection, present: int, *, joint: bool = False) -> Meeting:
    meeting = Meeting(selection=selection, present=present, joint=joint)
    if not joint and present < selection.quorum:
        says = f"{present} members present, fewer than the quorum of {selection.quorum}: the selection is deferred to a joint meeting"
        return meeting.model_copy(update={"outcome": _answer("deferred", rule="16", says=says)})
    if selection.positive_action:
        # 8a, 8b: part one selects the woman (or two) from the women nominees, one vote per seat set aside.
        first = open_ballot("part-one", selection.women, selection.women_seats, selection.women_seats)
    else:
        first = open_ballot("ballot", selection.names, selection.seats, selection.seats)
    return _advance(meeting.model_copy(update={"ballots": (first,)}))


def record_round(meeting: Meeting, tally: Tally) -> Meeting:
    """The meeting after the tellers' tally of its next paper."""
    if meeting.next is None:
        raise CollegeError(meeting.outcome.says if meeting.outcome else "the meeting has no ballot open", field="round")
    ballot = record(meeting.ballot, tally, eligible=meeting.present)
    return _advance(meeting.model_copy(update={"ballots": meeting.ballots[:-1] + (ballot,)}))


def _advance(meeting: Meeting) -> Meeting:
    """Open part two when part one is over; settle the meeting's outcome when its last ballot is."""
    ballot = meeting.ballot
    if ballot is None or ballot.outcome is None:
        return meeting
    if ballot.outcome.action == "fresh-meeting":
        return meeting.model_copy(update={"outcome": ballot.outcome})
    selection = meeting.selection
    if ballot.part == "part-one":
        # 8a: part two selects the remaining seats from every nominee but the woman (or women) part one selected:
        # every seat part one did not fill, which is more than those not set aside when fewer women stood.
        others = tuple(name for name in selection.names if name not in ballot.selected)
        remaining = selection.seats - len(ballot.selected)
        return _advance(meeting.model_copy(update={"ballots": meeting.ballots + (open_ballot("part-two", others, remaining, remaining),)}))
    chosen = meeting.selected
    says = f"{_names(chosen)} {'is' if len(chosen) == 1 else 'are'} selected for {selection.ward}"
    return meeting.model_copy(update={"outcome": _answer("selected", chosen, rule=ballot.outcome.rule, says=says)})
