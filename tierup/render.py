"""Every command's output for people (aligned columns, lines of at most 100 columns) and its markdown tables."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

WIDTH = 100
"""The widest line a command prints in its table (text) format."""
NARROWEST = 24
"""A wrapped column never gets narrower than this, even if the line then runs long."""
_KEPT = "\x00"
"""Stands for a space that must not break a line while the text is wrapped."""


class _Wrapper(textwrap.TextWrapper):
    """Breaks lines between words only; a word longer than a whole line (an ARN, a URN, a JSON
    value) is cut after the last `:`, `/`, `,` or `-` that fits, else where the line ends."""

    def _handle_long_word(self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int) -> None:
        chunk, room = reversed_chunks[-1], max(width - cur_len, 1)
        cut = max(chunk.rfind(mark, 0, room) for mark in ":/,-") + 1
        if cut > 0:
            cur_line.append(chunk[:cut])
            reversed_chunks[-1] = chunk[cut:]
        elif cur_line:
            return  # the word starts on the next line, where more of it fits
        else:
            super()._handle_long_word(reversed_chunks, cur_line, cur_len, width)


def wrap(text: str, indent: str = "", hang: str | None = None, *, width: int = WIDTH) -> list[str]:
    """`text` in lines of at most `width` columns: the first begins with `indent`, the others with
    `hang` (by default blanks as wide as `indent`: a hanging indent under the text). A `command`
    in backticks that fits on a line is kept on one, so that it can be copied whole."""
    hang = " " * len(indent) if hang is None else hang
    room = width - max(len(indent), len(hang))
    text = re.sub(r"`[^`]+`", lambda code: code[0].replace(" ", _KEPT) if len(code[0]) <= room else code[0], text)
    lines = _Wrapper(width, initial_indent=indent, subsequent_indent=hang, break_on_hyphens=False).wrap(text)
    return [line.replace(_KEPT, " ") for line in lines] or [indent.rstrip()]


def wrap_parts(parts: Sequence[str], indent: str = "", hang: str | None = None, *, sep: str = " · ", width: int = WIDTH) -> list[str]:
    """`parts` joined by `sep` in lines of at most `width` columns, broken only between parts (a
    part too long for a line of its own is wrapped as text)."""
    hang = " " * len(indent) if hang is None else hang
    lines: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(sep) + len(part) <= width:
            current += sep + part
            continue
        if current:
            lines.append(current)
        *full, current = wrap(part, hang if lines or current else indent, hang, width=width)
        lines += full
    return [*lines, current] if current else lines or [indent.rstrip()]


def short_type(token: str) -> str:
    """A resource type as `pulumi preview` shows it: aws:ec2/vpc:Vpc → aws:ec2:Vpc (only where the
    module's last segment is the type's own name, so nothing is lost)."""
    match = re.fullmatch(r"([^:]+):([^:]+)/([^:/]+):([^:]+)", token)
    if not match or match[3] != match[4][:1].lower() + match[4][1:]:
        return token
    return f"{match[1]}:{match[2]}:{match[4]}"


def columns(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    indent: str = "  ",
    wrap_column: int | None = None,
    hang: int = 0,
    width: int = WIDTH,
) -> list[str]:
    """An aligned table, the header line first: cells left-aligned, whole numbers right-aligned.
    The `wrap_column` (if any) is narrowed so that lines fit `width`; its text continues on lines
    of its own, under the column's text (`hang` columns further in) with the other cells blank."""
    table = [tuple(headers), *(tuple(row) for row in rows)]
    widths = [max(len(cell) for cell in column) for column in zip(*table, strict=True)]
    if wrap_column is not None:
        others = len(indent) + sum(w + 2 for i, w in enumerate(widths) if i != wrap_column)
        widths[wrap_column] = max(NARROWEST, min(widths[wrap_column], width - others))

    def line(cells: Sequence[str]) -> str:
        parts = [cell.rjust(w) if cell.isdigit() else cell.ljust(w) for cell, w in zip(cells, widths, strict=True)]
        return (indent + "  ".join(parts)).rstrip()

    lines: list[str] = []
    for row in table:
        if wrap_column is None:
            lines.append(line(row))
            continue
        cell = row[wrap_column]
        lead = " " * (len(cell) - len(cell.lstrip()))
        pieces = wrap(cell.strip(), lead, lead + " " * hang, width=widths[wrap_column])
        blank = [""] * len(row)
        lines += [line([*row[:wrap_column], pieces[0], *row[wrap_column + 1 :]])]
        lines += [line([*blank[:wrap_column], piece, *blank[wrap_column + 1 :]]) for piece in pieces[1:]]
    return lines


def money(value: float) -> str:
    """$1,234.50, and -$20.64 below zero."""
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def sentence(text: str) -> str:
    """`text` as a sentence: its first letter capital (the rest as it is), a full stop at the end."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def markdown_cell(text: str) -> str:
    """Text safe inside a markdown table cell: pipes escaped, line breaks as <br>."""
    return text.replace("|", "\\|").replace("\n", "<br>")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub markdown table, one line per row."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(markdown_cell(cell) for cell in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(row) for row in rows)]
