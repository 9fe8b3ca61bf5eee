"""The small path language that points into a JSON document (used by ``http+json``).

A path is either a **value path**, selecting one number, or a **record path**, selecting a
list of items and then the fields of each::

    data.last.price                      value path: keys separated by dots
    quotes[0].close                      [n] indexes a list (negative counts from the end)
    data[*].{ts=date,value=close}        [*] takes every item; {…} picks each item's fields
    prices[*].{ts=[0],value=[1]}         items that are [timestamp, price] pairs
    rows[*].{ts=t,value=c,high=h,low=l,open=o,volume=v}

Fields are ``ts`` and ``value`` (required) and ``open``, ``high``, ``low``, ``volume``; each
is a path relative to the item. An empty path is the whole document. Keys cannot contain
``. [ ] { } = ,``.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RECORD_FIELDS = ("ts", "value", "open", "high", "low", "volume")
_STEP = re.compile(r"\[\s*(\*|-?\d+)\s*\]|([^.\[\]{}=,]+)")


@dataclass(frozen=True)
class Key:
    """Step into an object's member."""

    name: str


@dataclass(frozen=True)
class Index:
    """Step into one item of a list."""

    position: int


@dataclass(frozen=True)
class Each:
    """Step into every item of a list."""


Step = Key | Index | Each


class PathLookupError(LookupError):
    """The document has no value where the path points."""


@dataclass(frozen=True)
class JsonPath:
    """A parsed path: its steps and, for a record path, each field's relative steps."""

    text: str
    steps: tuple[Step, ...]
    fields: Mapping[str, tuple[Step, ...]] | None = None

    @property
    def is_record(self) -> bool:
        """Whether the path selects a list of records rather than one value."""
        return self.fields is not None


def parse_path(text: str) -> JsonPath:
    """Parse a path; ValueError says what is wrong and where."""
    text = text.strip()
    if not text.endswith("}"):
        steps = parse_steps(text)
        if any(isinstance(step, Each) for step in steps):
            raise ValueError(
                f"path {text!r} selects many values with [*]: end it with {{ts=…,value=…}}"
            )
        return JsonPath(text, steps)
    start = text.rfind("{")
    if start < 0:
        raise ValueError(f"path {text!r} has a '}}' without a '{{'")
    steps = parse_steps(text[:start].rstrip().removesuffix("."))
    if not any(isinstance(step, Each) for step in steps):
        raise ValueError(f"record path {text!r} needs a [*] before {{…}} to name the list")
    fields: dict[str, tuple[Step, ...]] = {}
    for part in text[start + 1 : -1].split(","):
        name, sep, relative = (piece.strip() for piece in part.partition("="))
        if not sep or name not in RECORD_FIELDS:
            raise ValueError(
                f"path {text!r}: {part.strip()!r} should be <field>=<path> with a field "
                f"among {', '.join(RECORD_FIELDS)}"
            )
        if name in fields:
            raise ValueError(f"path {text!r} names {name!r} twice")
        fields[name] = parse_steps(relative)
    missing = [name for name in ("ts", "value") if name not in fields]
    if missing:
        raise ValueError(f"path {text!r} must pick {' and '.join(missing)} in its {{…}}")
    return JsonPath(text, steps, fields)


def parse_steps(text: str) -> tuple[Step, ...]:
    """Parse dotted keys, ``[n]`` and ``[*]`` into steps."""
    steps: list[Step] = []
    position = 0
    key_allowed = True
    while position < len(text):
        if text[position] == ".":
            if not steps or position + 1 >= len(text) or text[position + 1] == ".":
                raise ValueError(f"misplaced '.' at position {position} in path {text!r}")
            position += 1
            key_allowed = True
            continue
        match = _STEP.match(text, position)
        if match is None or (match.group(2) is not None and not key_allowed):
            raise ValueError(f"unexpected {text[position]!r} at position {position} in {text!r}")
        if match.group(1) == "*":
            steps.append(Each())
        elif match.group(1) is not None:
            steps.append(Index(int(match.group(1))))
        else:
            steps.append(Key(match.group(2).strip()))
        key_allowed = False
        position = match.end()
    return tuple(steps)


def select(document: Any, steps: tuple[Step, ...]) -> list[Any]:
    """Every value the steps reach (one unless a step is [*]); PathLookupError if one is missing."""
    values = [document]
    trail = ""
    for step in steps:
        reached: list[Any] = []
        for value in values:
            if isinstance(step, Key):
                if not isinstance(value, dict) or step.name not in value:
                    raise PathLookupError(f"no key {step.name!r} at {_where(trail)}")
                reached.append(value[step.name])
            elif not isinstance(value, list):
                raise PathLookupError(f"expected a list at {_where(trail)}, found {_kind(value)}")
            elif isinstance(step, Each):
                reached.extend(value)
            elif -len(value) <= step.position < len(value):
                reached.append(value[step.position])
            else:
                raise PathLookupError(f"no item [{step.position}] at {_where(trail)}")
        values = reached
        trail += _render(step, first=not trail)
    return values


def select_one(document: Any, steps: tuple[Step, ...]) -> Any:
    """The single value a path without [*] reaches."""
    return select(document, steps)[0]


def _render(step: Step, *, first: bool) -> str:
    """A step as path text, for messages."""
    if isinstance(step, Key):
        return step.name if first else f".{step.name}"
    if isinstance(step, Each):
        return "[*]"
    return f"[{step.position}]"


def _where(trail: str) -> str:
    """The path walked so far, for messages."""
    return trail or "the top of the document"


def _kind(value: Any) -> str:
    """A JSON value's type name, for messages."""
    return "null" if value is None else type(value).__name__
