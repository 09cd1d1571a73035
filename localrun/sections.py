"""Generated sections of Markdown files: the text between a start and an end marker."""

from __future__ import annotations


def replace_between(text: str, start: str, end: str, body: str, where: str) -> str:
    """`text` with the part between `start` and `end` replaced by `body`; `where` names the file."""
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"{where} needs exactly one {start} ... {end} pair")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}{end}{tail}"


def between(text: str, start: str, end: str) -> str:
    """What stands between the markers now (empty when they are missing)."""
    if start not in text or end not in text:
        return ""
    return text.split(start, 1)[1].split(end, 1)[0].removeprefix("\n")
