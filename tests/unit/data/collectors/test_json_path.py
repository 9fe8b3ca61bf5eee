"""The path language of the ``http+json`` collector."""

import pytest

from preditiva.data.collectors.json_path import (
    Each,
    Index,
    Key,
    PathLookupError,
    parse_path,
    parse_steps,
    select,
)

DOCUMENT = {"data": [{"t": 1, "v": {"c": 10}}, {"t": 2, "v": {"c": 11}}], "last": [7, 8, 9]}


def test_steps_are_dotted_keys_indexes_and_each() -> None:
    assert parse_steps("data[*].v.c") == (Key("data"), Each(), Key("v"), Key("c"))
    assert parse_steps("last[-1]") == (Key("last"), Index(-1))
    assert parse_steps("[0]") == (Index(0),)
    assert parse_steps("") == ()


def test_a_record_path_names_its_list_and_fields() -> None:
    path = parse_path("data[*].{ts=t, value=v.c}")

    assert path.is_record
    assert path.steps == (Key("data"), Each())
    assert path.fields == {"ts": (Key("t"),), "value": (Key("v"), Key("c"))}


def test_select_follows_every_item_of_each() -> None:
    assert select(DOCUMENT, parse_steps("data[*].v.c")) == [10, 11]
    assert select(DOCUMENT, parse_steps("last[-1]")) == [9]


def test_select_says_where_the_document_ends() -> None:
    with pytest.raises(PathLookupError, match=r"no key 'x' at data\[\*\]\.v"):
        select(DOCUMENT, parse_steps("data[*].v.x"))
    with pytest.raises(PathLookupError, match=r"expected a list at last\[0\], found int"):
        select(DOCUMENT, parse_steps("last[0][1]"))
    with pytest.raises(PathLookupError, match=r"no item \[5\] at last"):
        select(DOCUMENT, parse_steps("last[5]"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data[*]", "end it with"),
        ("data.{ts=t,value=v}", "needs a"),
        ("data[*].{ts=t}", "must pick value"),
        ("data[*].{ts=t,value=v,ts=u}", "twice"),
        ("a.", "misplaced"),
        ("a[x]", "unexpected"),
        ("a[0]b", "unexpected"),
    ],
)
def test_bad_paths_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_path(text)
