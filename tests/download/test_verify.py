"""The pin policy of verify.check_pin and chunked hashing."""

from __future__ import annotations

import hashlib

import pytest

from mer_datasets.download.verify import PIN_OK, PIN_TOFU, PIN_WARNED, check_pin, sha256_file
from mer_datasets.errors import ChecksumMismatchError, ChecksumWarning

GOOD = "a" * 64
BAD = "b" * 64


def test_sha256_file_equals_hashlib_on_the_whole_content(tmp_path):
    data = bytes(range(256)) * 10_000
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    assert sha256_file(path, chunk_bytes=4096) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("source", ["official", "authors-repository"])
def test_a_mismatch_against_an_official_or_authors_pin_is_an_error_naming_file_and_hashes(source):
    with pytest.raises(ChecksumMismatchError) as failure:
        check_pin("data/x.csv", BAD, expected=GOOD, checksum_source=source, dataset_id="toy")
    message = str(failure.value)
    assert "data/x.csv" in message and GOOD in message and BAD in message and source in message
    assert (failure.value.expected, failure.value.actual) == (GOOD, BAD)
    assert failure.value.checksum_source == source


def test_a_mismatch_against_a_third_party_pin_warns_with_both_hashes_and_continues():
    with pytest.warns(ChecksumWarning) as caught:
        outcome = check_pin(
            "data/x.csv",
            BAD,
            expected=GOOD,
            checksum_source="third-party",
            checksum_note="computed from a Zenodo mirror",
        )
    assert outcome == PIN_WARNED
    message = str(caught[0].message)
    assert GOOD in message and BAD in message and "third-party" in message
    assert "Zenodo mirror" in message


def test_a_matching_pin_is_ok_whatever_its_source():
    assert check_pin("x", GOOD, expected=GOOD.upper(), checksum_source="third-party") == PIN_OK


def test_without_a_pin_the_first_hash_is_trusted_and_a_later_change_is_an_error():
    assert check_pin("x", GOOD, expected=None, checksum_source="unknown") == PIN_TOFU
    assert check_pin("x", GOOD, expected=None, checksum_source="unknown", recorded=GOOD) == PIN_TOFU
    with pytest.raises(ChecksumMismatchError, match="first verified") as failure:
        check_pin("x", BAD, expected=None, checksum_source="unknown", recorded=GOOD)
    assert (failure.value.expected, failure.value.actual) == (GOOD, BAD)


def test_a_third_party_file_that_changed_since_its_recorded_hash_is_an_error():
    with pytest.raises(ChecksumMismatchError):
        check_pin("x", BAD, expected="c" * 64, checksum_source="third-party", recorded=GOOD)
