"""MkDocs hook: the reference of every `college` command, read from the command line itself.

`docs/reference/commands.md` holds the marker below; the hook puts in its place, for each
command in the order of `college.cli.COMMANDS`, its help, its usage and a table of its
arguments and options (default, environment variable, help). Generated, so the manual
cannot fall behind a command that gains an option, and a new command appears by itself.
"""

from __future__ import annotations

import typer
from typer._click import Context

MARKER = "<!-- college commands -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())


def reference() -> str:
    from college.cli import COMMANDS, app

    root = typer.main.get_command(app)
    context = Context(root, info_name="college")
    names = list(dict.fromkeys([*COMMANDS, *root.list_commands(context)]))
    return "\n".join(_section(root.get_command(context, name), ["college", name], context) for name in names)


def _section(command, path: list[str], parent: Context) -> str:
    context = Context(command, info_name=path[-1], parent=parent)
    if isinstance(command, typer.core.TyperGroup):
        lines = [f"## `{' '.join(path)}`", "", _text(command.help), ""]
        subs = command.list_commands(context)
        lines.append("Commands: " + ", ".join(f"`{' '.join([*path, sub])}`" for sub in subs) + ".")
        lines.append("")
        return "\n".join([*lines, *(_section(command.get_command(context, s), [*path, s], context) for s in subs)])
    usage = " ".join([*path, *command.collect_usage_pieces(context)]).replace("{", "").replace("}", "")
    lines = [f"## `{' '.join(path)}`", "", _text(command.help), "", "```", usage, "```", ""]
    rows = [_row(param) for param in command.params if param.name != "help" and not param.hidden]
    if rows:
        lines += ["| argument or option | value | default | what it is |", "| --- | --- | --- | --- |", *rows, ""]
    return "\n".join(lines)


def _row(param) -> str:
    option = param.opts[0].startswith("-")
    value = "" if getattr(param, "is_flag", False) else f"`{param.metavar or _type_name(param)}`"
    if option:
        name = " / ".join(", ".join(f"`{o}`" for o in opts) for opts in (param.opts, param.secondary_opts) if opts)
    else:
        name, value = value, ""
    if param.required:
        default = "required"
    elif param.default in (None, (), "") or (getattr(param, "is_flag", False) and not param.secondary_opts):
        default = ""
    else:
        default = f"`{_shown(param.default, param)}`"
    notes = [param.help or ""]
    if param.multiple or param.nargs == -1:
        notes.append("may be repeated" if option else "one or more")
    if param.envvar:
        notes.append(f"environment variable `{param.envvar}`")
    return f"| {name} | {value} | {default} | {_cell('; '.join(n for n in notes if n))} |"


def _type_name(param) -> str:
    annotation = param.type_descriptor.annotation
    annotation = getattr(annotation, "__args__", (annotation,))[0]  # list[Path]: one PATH a time
    return {"Path": "PATH", "str": "TEXT", "int": "INTEGER", "float": "NUMBER"}.get(annotation.__name__, annotation.__name__.upper())


def _shown(value, param) -> str:
    if isinstance(value, bool):  # a pair of switches: the one that is on by default
        return param.opts[0] if value else param.secondary_opts[0]
    return str(value.value if hasattr(value, "value") else value)


def _text(text: str | None) -> str:
    return (text or "").strip()


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
