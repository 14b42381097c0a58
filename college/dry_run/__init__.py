"""A rehearsal's world: a generated contest (simulation) and what the people would bring to it (rehearsal)."""
