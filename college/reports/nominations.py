"""The published nominations (seed 003 items 7 and 10): JSON, CSV and a readable HTML page.

Nominations are public and are published as they come, with the MPs' names. The page
is self-contained (no scripts, fonts or images fetched) and every name in it is
escaped, since names come from files anyone may have typed. `nominations.json` is
written last and carries the digest of the source files, so a publication whose
digest matches the sources is complete and current.
"""

from __future__ import annotations

import csv
import io
import json
import os
from html import escape
from pathlib import Path

from college.nominations import NominationsOutcome, NomineeStanding, PositionOutcome, Status

JSON_NAME = "nominations.json"


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def nominees_csv(result: NominationsOutcome) -> bytes:
    return _csv(
        ["position", "nominee", "nominations", "required", "standing", "decision", "supporting", "reason"],
        [
            [p.id, n.nominee, n.nominations, p.threshold.required, n.standing.value,
             n.decision.value if n.decision else None, n.supporting, n.reason]
            for p in result.positions
            for n in p.nominees
        ],
    )


def plp_csv(result: NominationsOutcome) -> bytes:
    return _csv(
        ["position", "mp", "mp_id", "nominee", "when", "withdrawn", "status", "reason", "source"],
        [
            [p.id, r.mp, r.mp_id, r.nominee, _when(r.when), _when(r.withdrawn), r.status.value, r.reason, r.source]
            for p in result.positions
            for r in p.plp_nominations
        ],
    )


def supporting_csv(result: NominationsOutcome) -> bytes:
    return _csv(
        ["position", "body", "name", "kind", "nominee", "when", "certified_members", "signed_by", "status", "reason",
         "source"],
        [
            [p.id, r.body, r.name, r.kind.value, r.nominee, _when(r.when), r.certified_members, r.signed_by,
             r.status.value, r.reason, r.source]
            for p in result.positions
            for r in p.supporting
        ],
    )


def publication(result: NominationsOutcome) -> dict[str, bytes]:
    """File name -> contents, in the order to write them (the JSON, which marks completion, last)."""
    return {
        "nominees.csv": nominees_csv(result),
        "plp-nominations.csv": plp_csv(result),
        "supporting-nominations.csv": supporting_csv(result),
        "index.html": html_page(result).encode("utf-8"),
        JSON_NAME: (json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    }


def write_publication(result: NominationsOutcome, out: Path) -> list[Path]:
    """Write every file of the publication into `out`, each replaced whole (never half-written)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in publication(result).items():
        target = out / name
        partial = out / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, target)
        written.append(target)
    return written


def published_digest(out: Path) -> str | None:
    """The source digest of the publication in `out`, or None when there is none to trust."""
    try:
        return json.loads((out / JSON_NAME).read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError, AttributeError):
        return None


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #111; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.statement { font-weight: bold; font-size: 1.1rem; }
.arithmetic { font-family: ui-monospace, monospace; }
ol.nominators { columns: 3; }
"""

_STANDING = {
    NomineeStanding.validly_nominated: "Validly nominated",
    NomineeStanding.awaiting_acceptance: "Over the threshold, not yet accepted",
    NomineeStanding.incumbent: "Incumbent",
    NomineeStanding.short: "Not nominated",
    NomineeStanding.declined: "Declined",
    NomineeStanding.withdrawn: "Withdrew",
}


def _shown(when) -> str | None:
    """A time as people read it, with its offset: "9 June 2010, 12:30 (+01:00)"."""
    if when is None:
        return None
    offset = f"{when:%z}"
    return f"{when.day} {when:%B %Y, %H:%M} ({offset[:3]}:{offset[3:5]})"


def _e(value) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _table(header: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th scope=\"col\">{_e(h)}</th>" for h in header)
    cell = ["<td class=\"n\">" if i in numeric else "<td>" for i in range(len(header))]
    body = "".join(
        "<tr>" + "".join(f"{cell[i]}{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _position(p: PositionOutcome) -> str:
    parts = [
        f"<section id=\"{_e(p.id)}\"><h2>{_e(p.name)}</h2>",
        f"<p class=\"statement\">{_e(p.statement)}</p>",
        f"<p>Threshold ({_e(p.threshold.basis.value)}): <span class=\"arithmetic\">{_e(p.threshold.arithmetic)}"
        f"</span> nominations from Commons members of the PLP.</p>",
        "<h3>Nominees</h3>",
        _table(
            ["Nominee", "MP nominations", "Supporting nominations", "Standing", "Why"],
            [[n.nominee, n.nominations, n.supporting, _STANDING[n.standing], n.reason] for n in p.nominees],
            numeric={1, 2},
        ),
    ]
    for n in p.nominees:
        if n.nominators:
            items = "".join(f"<li>{_e(name)}</li>" for name in n.nominators)
            parts.append(
                f"<h3>Nominated {_e(n.nominee)} ({n.nominations})</h3><ol class=\"nominators\">{items}</ol>"
            )
    other = [r for r in p.plp_nominations if r.status is not Status.valid]
    if other:
        parts.append("<h3>Withdrawn and rejected MP nominations</h3>")
        parts.append(
            _table(
                ["MP", "Nominee", "Made", "Status", "Why"],
                [[r.mp, r.nominee, _shown(r.when), r.status.value, r.reason] for r in other],
            )
        )
    parts.append("<h3>Supporting nominations</h3>")
    if p.supporting:
        parts.append(
            _table(
                ["Body", "Kind", "Nominee", "Made", "Certified full members", "Status", "Why"],
                [
                    [r.name, r.kind.value.replace("_", " "), r.nominee, _shown(r.when), r.certified_members,
                     r.status.value, r.reason]
                    for r in p.supporting
                ],
                numeric={4},
            )
        )
    else:
        parts.append("<p>None recorded.</p>")
    if p.decisions:
        parts.append("<h3>Nominees' decisions</h3>")
        rows = [[d.nominee, d.decision.value, _shown(d.when)] for d in p.decisions]
        parts.append(_table(["Nominee", "Decision", "When"], rows))
    parts.append("</section>")
    return "\n".join(parts)


def html_page(result: NominationsOutcome) -> str:
    """A readable page of the nominations so far; self-contained, every name escaped."""
    title = "Nominations: " + ", ".join(p.name for p in result.positions)
    as_of = f"Recorded up to {_e(_shown(result.as_of))}." if result.as_of else "No nominations recorded yet."
    closes = f" MPs' nominations close at {_e(_shown(result.closes))}." if result.closes else ""
    body = "\n".join(_position(p) for p in result.positions)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1><p>{as_of}{closes} Sources digest <code>{_e(result.digest[:16])}</code>.</p>\n"
        f"{body}\n</body></html>\n"
    )
