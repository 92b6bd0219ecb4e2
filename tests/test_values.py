import pytest
from rdflib.namespace import XSD

from territoires_lod._values import luhn_valid, parse_amount, parse_partial_date


@pytest.mark.parametrize(("text", "datatype"), [
    ("2018", XSD.gYear), ("2019-03", XSD.gYearMonth), ("2018-11-22", XSD.date), ("2024-02-29", XSD.date),
])
def test_partial_dates_keep_their_precision(text, datatype):
    assert parse_partial_date(text).datatype == datatype


@pytest.mark.parametrize("text", ["2018-13", "2018-02-30", "2023-02-29", "22/11/2018", "18", "2018-1-2", ""])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(text)


@pytest.mark.parametrize(("siren", "valid"), [
    ("211102629", True), ("241100593", True), ("180020026", True), ("200067361", True),
    ("211102628", False), ("123456789", False),
])
def test_luhn(siren, valid):
    assert luhn_valid(siren) is valid


def test_amounts_are_exact_decimals():
    assert parse_amount("1300000000") == "1300000000.0"  # canonical xsd:decimal
    assert parse_amount("1.50") == "1.5"
    assert parse_amount("007.0") == "7.0"
    for bad in ("1,3", "-1", "1e9", "abc"):
        with pytest.raises(ValueError, match="amount"):
            parse_amount(bad)
