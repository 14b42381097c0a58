"""pyrankvote's instant-runoff on a ballot-level CSV, read the way its README shows:
one `Ballot` of `Candidate` objects per row (csv module; empty cells are unranked).

Usage: python pyrankvote_count.py BALLOTS.csv   (prints the winner)
"""

import csv
import sys

import pyrankvote
from pyrankvote import Ballot, Candidate

with open(sys.argv[1], newline="", encoding="utf-8") as file:
    reader = csv.reader(file)
    header = next(reader)
    candidates: dict[str, Candidate] = {}
    ballots = []
    for row in reader:
        ranked = [candidates.setdefault(name, Candidate(name)) for name in row if name]
        ballots.append(Ballot(ranked_candidates=ranked))

result = pyrankvote.instant_runoff_voting(list(candidates.values()), ballots)
print(result.get_winners()[0].name)
