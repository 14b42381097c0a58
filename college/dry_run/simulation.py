"""A seeded, realistic contest for dry runs: who stands, who ballots, and how they vote.

Nothing here is real: candidates, MPs, CLPs, unions and societies are made up, and
every figure comes from a seeded generator, so a dry run is reproducible from its seed.

The shape follows a real contest (DESIGN.md, Scale): a PLP/EPLP section of a few
hundred named voters; members balloted by CLP; a dozen unions and about twenty
socialist societies balloting from a few hundred to a million levy payers, each with
its own turnout. Preferences come from a one-dimensional model: candidates and voters
sit on a left-right line, each body leans its own way, and each voter ranks by
distance plus noise, some ranking everyone and most stopping early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CANDIDATE_POOL = [
    "Alex Ashdown", "Bea Brightwell", "Cal Carraway", "Dee Dunmore",
    "Eli Eastwood", "Fay Fairbairn", "Gil Greenhalgh", "Hal Hawksmoor",
]
FIRST_NAMES = [
    "Aisha", "Ben", "Carys", "Dev", "Eilidh", "Femi", "Grace", "Harun", "Isla", "Jon", "Kiran", "Lowri",
    "Mo", "Niamh", "Owen", "Priya", "Rhys", "Sian", "Tom", "Una", "Vik", "Wren", "Yusuf", "Zara",
]
SURNAMES = [
    "Abbott", "Baines", "Chowdhury", "Doyle", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
    "Kaur", "Lloyd", "McLeod", "Nolan", "Okafor", "Patel", "Quinn", "Reid", "Shah", "Thomas",
]
PLACES = [
    "Ashford", "Barrow", "Calder", "Dunham", "Eastleigh", "Fenwick", "Garston", "Hatfield", "Ilkley",
    "Jarrow", "Kendal", "Leyton", "Morley", "Nelson", "Oldham", "Penrith", "Redcar", "Selby", "Tamworth",
    "Wigan",
]
QUARTERS = ["North", "South", "East", "West", "Central"]
UNION_TRADES = [
    "Transport", "Health", "Retail", "Engineering", "Public Service", "Communication", "Rail", "Bakers",
    "Builders", "Musicians", "Teachers", "Fire Service", "Printers", "Shipwrights",
]
SOCIETY_THEMES = [
    "Fabian Readers", "Co-operative Voices", "Environment", "Housing", "Health", "Christian", "Jewish",
    "Muslim", "Disabled Members", "Young Labour Friends", "Arts", "Scientists", "Lawyers", "Teachers",
    "Rural", "Pensioners", "Students", "Women's", "Black Socialists", "Irish", "Welsh", "Scottish",
]

SECTIONS = (
    ("plp", "PLP and EPLP", "1/3"),
    ("members", "Individual members", "1/3"),
    ("affiliates", "Affiliated organisations", "1/3"),
)


@dataclass(frozen=True)
class Scale:
    """How big a generated contest is."""

    name: str
    plp: tuple[int, int]  # named voters, drawn between the bounds
    members: tuple[int, int]  # members balloted
    clps: int
    unions: int
    societies: int
    union_size: tuple[int, int]  # levy payers balloted per union
    society_size: tuple[int, int]  # full members balloted per society


SCALES = {
    "tiny": Scale("tiny", (12, 16), (600, 900), 6, 2, 3, (300, 3_000), (60, 400)),
    "small": Scale("small", (40, 60), (20_000, 30_000), 40, 4, 6, (2_000, 60_000), (300, 3_000)),
    "national": Scale("national", (260, 400), (150_000, 600_000), 600, 12, 20, (5_000, 1_000_000), (300, 30_000)),
}


@dataclass(frozen=True)
class Body:
    """A returning body: an affiliate, or the party's ballot of a section."""

    id: str
    name: str
    kind: str  # trade_union, socialist_society or party_ballot
    section: str
    certified: int
    declaration_required: bool
    scrutineer: str


@dataclass(frozen=True)
class Row:
    ranking: tuple[str, ...]
    count: int
    breakdown: str | None = None  # the CLP, or the named voter


@dataclass(frozen=True)
class Ballot:
    """One body's ballot as its scrutineer would return it."""

    body: Body
    issued: int
    returned: int
    ineligible: int
    spoilt: int
    other_invalid: int
    rows: tuple[Row, ...]

    @property
    def valid(self) -> int:
        return sum(row.count for row in self.rows)


@dataclass(frozen=True)
class Simulation:
    seed: int
    scale: str
    contest_id: str
    position: str
    candidates: tuple[str, ...]
    ballots: tuple[Ballot, ...]

    @property
    def bodies(self) -> tuple[Body, ...]:
        return tuple(ballot.body for ballot in self.ballots)


class _Electorate:
    """Candidates on a line; voters rank them by distance, popularity and noise."""

    def __init__(self, rng: np.random.Generator, candidates: int):
        self.rng = rng
        self.positions = np.sort(rng.uniform(-1, 1, candidates))
        self.popularity = rng.normal(0, 0.35, candidates)

    def rankings(self, papers: int, lean: float) -> np.ndarray:
        """`papers` rankings as rows of candidate indices, -1 after the last preference."""
        voters = self.rng.normal(lean, 0.55, papers)[:, None]
        utility = -2.2 * np.abs(voters - self.positions) + self.popularity
        utility = utility + self.rng.gumbel(0, 0.45, utility.shape)
        order = np.argsort(-utility, axis=1).astype(np.int8)
        size = order.shape[1]
        # Two in five rank everyone; the rest stop after each preference with chance 0.4.
        full = self.rng.random(papers) < 0.4
        length = np.minimum(self.rng.geometric(0.4, papers), size)
        length = np.where(full, size, length)
        order[np.arange(size)[None, :] >= length[:, None]] = -1
        return order


def _compress(order: np.ndarray, names: tuple[str, ...], breakdown: str | None) -> list[Row]:
    """Distinct rankings with their counts, in a stable order."""
    if not len(order):
        return []
    distinct, counts = np.unique(order, axis=0, return_counts=True)
    rows = [
        Row(tuple(names[i] for i in ranking if i >= 0), int(n), breakdown)
        for ranking, n in zip(distinct.tolist(), counts.tolist())
    ]
    return sorted(rows, key=lambda row: (-row.count, row.ranking))


def _papers(rng: np.random.Generator, issued: int, turnout: float, declaration: bool) -> tuple[int, int, int, int]:
    """(returned, ineligible, spoilt, other invalid) for a body's ballot."""
    returned = int(rng.binomial(issued, turnout))
    ineligible = int(rng.binomial(returned, 0.012)) if declaration else 0
    spoilt = int(rng.binomial(returned - ineligible, 0.006))
    other = int(rng.binomial(returned - ineligible - spoilt, 0.002))
    return returned, ineligible, spoilt, other


def _person(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if name not in taken:
            taken.add(name)
            return name
        name = f"{name} {rng.choice(PLACES)}"
        if name not in taken:
            taken.add(name)
            return name


def _sized(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """A size between the bounds, log-uniform: many small bodies, a few very large ones."""
    low, high = np.log(bounds[0]), np.log(bounds[1])
    return int(round(np.exp(rng.uniform(low, high))))


def simulate(seed: int, scale: str = "small", candidates: int = 5) -> Simulation:
    """A whole contest's ballots, reproducible from `seed`."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if not 2 <= candidates <= len(CANDIDATE_POOL):
        raise ValueError(f"candidates must be between 2 and {len(CANDIDATE_POOL)}")
    size = SCALES[scale]
    rng = np.random.default_rng(seed)
    names = tuple(CANDIDATE_POOL[:candidates])
    electorate = _Electorate(rng, candidates)
    people: set[str] = set()
    ballots: list[Ballot] = []

    # The PLP and EPLP: named voters, each ballot published after the declaration.
    plp_voters = int(rng.integers(size.plp[0], size.plp[1] + 1))
    returned, _, spoilt, other = _papers(rng, plp_voters, 0.985, declaration=False)
    valid = returned - spoilt - other
    order = electorate.rankings(valid, lean=float(rng.normal(0.1, 0.2)))
    voters = [_person(rng, people) for _ in range(valid)]
    plp_rows = tuple(
        Row(tuple(names[i] for i in ranking if i >= 0), 1, voter) for ranking, voter in zip(order.tolist(), voters)
    )
    ballots.append(
        Ballot(
            Body("plp", "PLP and EPLP ballot", "party_ballot", "plp", plp_voters, False, _person(rng, people)),
            plp_voters, returned, 0, spoilt, other, plp_rows,
        )
    )

    # Individual members, balloted by the party and broken down by CLP.
    members = int(rng.integers(size.members[0], size.members[1] + 1))
    clp_sizes = rng.multinomial(members, rng.dirichlet(np.full(size.clps, 8.0)))
    clps = [f"{PLACES[i % len(PLACES)]} {QUARTERS[(i // len(PLACES)) % len(QUARTERS)]} CLP"
            + (f" {i // (len(PLACES) * len(QUARTERS)) + 1}" if i >= len(PLACES) * len(QUARTERS) else "")
            for i in range(size.clps)]
    member_rows: list[Row] = []
    returned_total = ineligible_total = spoilt_total = other_total = 0
    for clp, clp_size in zip(clps, clp_sizes.tolist()):
        returned, _, spoilt, other = _papers(rng, clp_size, float(rng.uniform(0.55, 0.75)), declaration=False)
        order = electorate.rankings(returned - spoilt - other, lean=float(rng.normal(-0.05, 0.3)))
        member_rows += _compress(order, names, clp)
        returned_total += returned
        spoilt_total += spoilt
        other_total += other
    ballots.append(
        Ballot(
            Body("members", "Individual members' ballot", "party_ballot", "members", members, False, _person(rng, people)),
            members, returned_total, ineligible_total, spoilt_total, other_total, tuple(member_rows),
        )
    )

    # Affiliates: each union and society ballots its own members, one member one vote.
    trades = rng.permutation(UNION_TRADES)[: size.unions]
    themes = rng.permutation(SOCIETY_THEMES)[: size.societies]
    affiliates = [("trade_union", f"union-{i + 1:02d}", f"{trade} Union", size.union_size, (0.05, 0.16), True)
                  for i, trade in enumerate(trades)]
    affiliates += [("socialist_society", f"society-{i + 1:02d}", f"{theme} Society", size.society_size, (0.12, 0.45),
                    bool(rng.random() < 0.5)) for i, theme in enumerate(themes)]
    for kind, body_id, name, bounds, turnouts, declaration in affiliates:
        issued = _sized(rng, bounds)
        returned, ineligible, spoilt, other = _papers(rng, issued, float(rng.uniform(*turnouts)), declaration)
        order = electorate.rankings(returned - ineligible - spoilt - other, lean=float(rng.normal(-0.2, 0.35)))
        ballots.append(
            Ballot(
                Body(body_id, name, kind, "affiliates", issued, declaration, _person(rng, people)),
                issued, returned, ineligible, spoilt, other, tuple(_compress(order, names, None)),
            )
        )

    return Simulation(seed, scale, f"dry-run-{seed}", "Leader", names, tuple(ballots))
