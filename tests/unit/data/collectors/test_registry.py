"""Choosing a collector by the scheme of a source string."""

import pytest

from preditiva.core.errors import SourceInvalidError
from preditiva.data.collectors import ALIASES, collector_class, parse_source


def test_every_alias_names_a_collector_of_that_scheme() -> None:
    for scheme in ALIASES:
        assert collector_class(scheme).scheme == scheme


def test_an_unknown_scheme_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(SourceInvalidError) as caught:
        parse_source("bloomberg:PETR4")

    assert caught.value.message == (
        "source 'bloomberg:PETR4': unknown collector scheme 'bloomberg'; "
        "known schemes: csv, http+json, mercadolivre, yahoo"
    )
    assert caught.value.status_code == 422


def test_a_source_without_scheme_is_refused() -> None:
    with pytest.raises(SourceInvalidError, match="has no scheme"):
        parse_source("PETR4.SA")


def test_a_source_without_target_is_refused() -> None:
    with pytest.raises(SourceInvalidError, match="nothing to collect"):
        parse_source('mercadolivre:""')


def test_a_quoted_target_is_taken_without_its_quotes() -> None:
    ref = parse_source(' MercadoLivre:"furadeira bosch" ')

    assert (ref.scheme, ref.target, str(ref)) == (
        "mercadolivre",
        "furadeira bosch",
        'MercadoLivre:"furadeira bosch"',
    )


def test_urls_keep_their_own_colons() -> None:
    ref = parse_source("http+json:https://x.example:8443/p.json#a.b")

    assert (ref.scheme, ref.target) == ("http+json", "https://x.example:8443/p.json#a.b")
