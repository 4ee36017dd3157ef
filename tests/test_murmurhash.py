"""murmurhash3_32 against scikit-learn's."""
import numbers

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cembed
from strategies import PROPERTY

sk_murmur = pytest.importorskip("sklearn.utils").murmurhash3_32

seeds = st.integers(0, 2**32 - 1)


def _same_scalar(got, expected, positive):
    assert isinstance(got, numbers.Integral) and not isinstance(got, bool)
    assert int(got) == int(expected)
    if positive:
        assert 0 <= int(got) < 2**32
    else:
        assert -(2**31) <= int(got) < 2**31


@PROPERTY
@given(st.text(), seeds, st.booleans())
def test_str_keys(key, seed, positive):
    _same_scalar(cembed.murmurhash3_32(key, seed=seed, positive=positive),
                 sk_murmur(key, seed=seed, positive=positive), positive)


@PROPERTY
@given(st.binary(max_size=64), seeds, st.booleans())
def test_bytes_keys(key, seed, positive):
    _same_scalar(cembed.murmurhash3_32(key, seed=seed, positive=positive),
                 sk_murmur(key, seed=seed, positive=positive), positive)


@PROPERTY
@given(st.integers(-(2**31), 2**31 - 1), seeds, st.booleans())
def test_int_keys(key, seed, positive):
    expected = sk_murmur(key, seed=seed, positive=positive)
    _same_scalar(cembed.murmurhash3_32(key, seed=seed, positive=positive), expected, positive)
    # a NumPy integer scalar is an int too
    _same_scalar(cembed.murmurhash3_32(np.int32(key), seed=seed, positive=positive),
                 expected, positive)
    _same_scalar(cembed.murmurhash3_32(np.int64(key), seed=seed, positive=positive),
                 expected, positive)


@pytest.mark.parametrize("key", ["", "a", "foo", "é", "日本語のテキスト", "🙂 emoji", "a\x00b",
                                 "x" * 1000, b"", b"\xff\xfe", 0, -1, 2**31 - 1, -(2**31)])
@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1])
def test_known_keys(key, seed):
    for positive in (False, True):
        _same_scalar(cembed.murmurhash3_32(key, seed=seed, positive=positive),
                     sk_murmur(key, seed=seed, positive=positive), positive)


def test_str_is_hashed_as_utf8():
    assert cembed.murmurhash3_32("é") == cembed.murmurhash3_32("é".encode("utf-8"))


@PROPERTY
@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=40), seeds, st.booleans(),
       st.sampled_from(["int32", "int64", "strided", "2d"]))
def test_int_arrays(keys, seed, positive, layout):
    keys32 = np.array(keys, dtype=np.int32)
    if layout == "int64":
        arr = keys32.astype(np.int64)
    elif layout == "strided":
        arr = np.repeat(keys32, 2)[::2]
    elif layout == "2d" and len(keys) % 2 == 0:
        arr = keys32.reshape(2, -1)
        keys32 = arr
    else:
        arr = keys32
    got = cembed.murmurhash3_32(arr, seed=seed, positive=positive)
    expected = sk_murmur(np.ascontiguousarray(keys32), seed=seed, positive=positive)
    assert isinstance(got, np.ndarray)
    assert got.dtype == (np.uint32 if positive else np.int32)
    assert got.shape == keys32.shape
    np.testing.assert_array_equal(got, expected)


@PROPERTY
@given(st.lists(st.text(max_size=12), max_size=20), seeds, st.booleans(), st.booleans())
def test_str_lists_and_arrays(keys, seed, positive, as_array):
    arg = np.array(keys, dtype=str) if as_array and keys else keys
    got = cembed.murmurhash3_32(arg, seed=seed, positive=positive)
    # a NumPy str array drops trailing NULs: it holds its own strings
    expected = [sk_murmur(str(k), seed=seed, positive=positive) for k in arg]
    got = np.asarray(got)
    assert got.shape == (len(keys),)
    if keys:
        assert got.dtype == (np.uint32 if positive else np.int32)
    np.testing.assert_array_equal(got.astype(np.int64), np.array(expected, dtype=np.int64))


def test_str_list_keeps_trailing_nul():
    keys = ["a\x00", "a"]
    got = np.asarray(cembed.murmurhash3_32(keys))
    np.testing.assert_array_equal(got, [sk_murmur(k) for k in keys])
    assert got[0] != got[1]


def test_bytes_list():
    keys = [b"", b"abc", b"\x00\x01"]
    got = np.asarray(cembed.murmurhash3_32(keys, positive=True))
    np.testing.assert_array_equal(got, [sk_murmur(k, positive=True) for k in keys])


def test_int_list_is_an_array_of_ints():
    got = cembed.murmurhash3_32([1, -7, 2**31 - 1])
    np.testing.assert_array_equal(np.asarray(got), sk_murmur(np.array([1, -7, 2**31 - 1], np.int32)))


@pytest.mark.parametrize("key", [1.5, None, object(), np.array([1.0, 2.0])])
def test_bad_keys_raise_type_error(key):
    with pytest.raises(TypeError):
        cembed.murmurhash3_32(key)
