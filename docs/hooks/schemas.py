"""MkDocs hook: publish the JSON Schemas of `schemas/` under `schemas/` of the site.

The schemas are generated from the pydantic models into the repository's `schemas/`
(`make schemas`); copying them here keeps one source, and lets the pages link them as
`../schemas/NAME.schema.json` with the links checked by the strict build.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, Files

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def on_files(files: Files, config) -> Files:
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        files.append(File.generated(config, f"schemas/{path.name}", abs_src_path=str(path)))
    return files
