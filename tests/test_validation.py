"""cembed._validation: the one home of the argument checks and their messages."""
import numpy as np
import pytest

from cembed._validation import (
    check_index_range,
    check_int,
    check_number,
    check_rows_contiguous,
    index_error,
    is_int,
    rows_contiguous,
)

INT_TYPES = [int, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


@pytest.mark.parametrize("kind", INT_TYPES)
def test_is_int_takes_every_integer_type(kind):
    assert is_int(kind(3))


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 3.0, np.float32(1), "3", None,
                                   np.array(3), [3]])
def test_is_int_refuses_bools_and_the_rest(value):
    assert not is_int(value)


def test_check_int():
    assert check_int("n", np.uint8(7)) == 7 and type(check_int("n", np.uint8(7))) is int
    assert check_int("n", None, allow_none=True) is None
    with pytest.raises(TypeError, match=r"^n must be an int, got bool$"):
        check_int("n", True)
    with pytest.raises(TypeError, match=r"^n must be an int or None, got float$"):
        check_int("n", 1.0, allow_none=True)
    with pytest.raises(TypeError, match="got NoneType"):
        check_int("n", None)
    with pytest.raises(ValueError, match=r"^n must be >= 1, got 0$"):
        check_int("n", 0, minimum=1)
    assert check_int("n", -5) == -5


def test_check_number():
    assert check_number("lr", 1) == 1.0 and type(check_number("lr", np.float32(0.5))) is float
    with pytest.raises(TypeError, match=r"^lr must be a number, got bool$"):
        check_number("lr", True)
    with pytest.raises(TypeError, match="got str"):
        check_number("lr", "0.1")
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match="lr must be a finite number"):
            check_number("lr", bad)
    with pytest.raises(ValueError, match=r"^lr must be a finite number >= 0.0, got -1.0$"):
        check_number("lr", -1, low=0.0)
    with pytest.raises(ValueError, match=r"in \[0.0, 1.0\), got 1.0$"):
        check_number("beta", 1.0, low=0.0, high=1.0)
    with pytest.raises(ValueError, match=r"< 2.0, got 3.0$"):
        check_number("x", 3, high=2.0)
    assert check_number("beta", 0.0, low=0.0, high=1.0) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_contiguous(dtype):
    W = np.zeros((6, 4), dtype)
    for ok in (W, W[::2], W[1:3], W[:, :2], W[:0], np.zeros((0, 3), dtype), W[::3, 1:3], W[:, :1], W[::2, ::4]):
        assert rows_contiguous(ok)
        check_rows_contiguous("W", ok)
    for bad in (W[:, ::2], W.T, np.asfortranarray(W), W[:1, ::2]):
        assert not rows_contiguous(bad)
        with pytest.raises(ValueError, match=r"pass np\.ascontiguousarray\(W\)$"):
            check_rows_contiguous("W", bad)
    raw = np.zeros(4 * 4 * W.itemsize + 1, np.uint8)[1:].view(dtype).reshape(4, 4)  # misaligned
    assert not rows_contiguous(raw)


def test_index_error_message():
    assert str(index_error("index", (2, 3), 3, 7, 5)) == \
        "index 7 at position (1, 0) is out of range [0, 5)"
    assert str(index_error("row", (4,), 2, -1, 0)) == "row -1 at position (2,) is out of range [0, 0)"
    assert str(index_error("index", (), 0, 9, 3)) == "index 9 at position () is out of range [0, 3)"
    assert str(index_error("index", (1,), 0, 2**64 - 1, -1)).endswith("[0, 2**63)")


@pytest.mark.parametrize("bad, position", [(5, (1, 1)), (-1, (0, 0)), (99, (1, 0))])
def test_check_index_range(bad, position):
    idx = np.array([[0, 1], [2, 3]])
    check_index_range(idx, 5)
    idx[position] = bad
    with pytest.raises(IndexError) as info:
        check_index_range(idx, 5)
    assert str(info.value) == f"index {bad} at position {position} is out of range [0, 5)"
    check_index_range(np.empty(0, np.int64), 0)
