"""pref_voting's instant runoff for truncated ballots on a ballot-level CSV, read by its
own reader (`csv_to_profile`, rank-column format; pandas reads empty cells as NaN).

Usage: python pref_voting_count.py BALLOTS.csv   (prints the winner)
"""

import sys

from pref_voting.io.readers import csv_to_profile
from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders

profile = csv_to_profile(sys.argv[1], csv_format="rank_columns", items_to_skip=["nan"])
winners = instant_runoff_for_truncated_linear_orders(profile)
print(", ".join(profile.cmap[w] for w in winners))
