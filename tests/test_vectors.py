"""Tests of cembed.vectors: word2vec / GloVe / fastText files and Vectors.

Oracles: numbers against NumPy's np.float32(float(text)); files written by
hand (struct, str.format) with known values; gensim's KeyedVectors when it
is installed.
"""
import locale
import os
import pathlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import Vectors, load_word2vec, save_word2vec
from cembed import _vectors

from fresh import python_stdout

try:
    from gensim.models import KeyedVectors
except ImportError:  # the parity tests below are skipped without gensim
    KeyedVectors = None

needs_gensim = pytest.mark.skipif(KeyedVectors is None, reason="gensim is not installed")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def binary_file(words, matrix, newline=True, header=None):
    n, d = np.shape(matrix)
    out = [(header if header is not None else f"{n} {d}\n").encode()]
    for w, row in zip(words, matrix):
        out.append((w.encode("utf-8") if isinstance(w, str) else w) + b" ")
        out.append(np.asarray(row, dtype="<f4").tobytes())
        if newline:
            out.append(b"\n")
    return b"".join(out)


def f32(x):
    with np.errstate(over="ignore"):
        return np.float32(float(x))


# ------------------------------------------------------------------ numbers

NUMBERS = [
    "0", "-0", "+0", "1", "-1", "0.5", ".5", "5.", "-.5", "+5.", "1e5", "1E5", "1e+5", "1e-5",
    "-2.5E-3", "0.1", "0.2", "0.3", "3.14159265358979323846264338327950288",
    "0.000000000000000000000000000000000000000000001", "1.4e-45", "7e-46", "1e-46",
    "3.4028235e38", "3.4028236e38", "1e39", "1e308", "1e309", "1e-400", "1e400",
    "123456789012345678901234567890", "0.1234567890123456789", "9007199254740993",
    "2.2250738585072011e-308", "4.9e-324", "1" + "0" * 400, "0." + "0" * 400 + "1",
    "1" * 900 + "e-900", "00000000001.5000000000", "1e0000000000000000000005",
    "1e-99999999999999999999", "1e99999999999999999999",
    "inf", "-inf", "+inf", "Inf", "INFINITY", "-Infinity", "nan", "NaN", "-nan", "NAN",
    "0.12345679", "-0.038194", "2.7182817", "1.1754944e-38", "1.17549435e-38",
    "16777217", "0.30000001192092896", "8.589973e9",
]
NOT_NUMBERS = [
    "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "1_0", "1_000.5", "0x10",
    "0x1p3", "1.5abc", "1..2", "1.2.3", "--1", "+-1", "infinity1", "infx", "nanx", "in",
    "na", "1e5.5", "1 ", " 1", "١", "1,5", "e", "E", "ee",
]


@pytest.mark.parametrize("text", NUMBERS)
def test_numbers_as_numpy(text):
    got = _vectors.parse_number(text.encode())
    want = f32(text)
    assert got is not None
    if np.isnan(want):
        assert np.isnan(got)
    else:
        assert got.tobytes() == want.tobytes(), (text, got, want)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_numbers(text):
    assert _vectors.parse_number(text.encode("utf-8")) is None


digits = st.text(alphabet="0123456789", min_size=0, max_size=30)


@st.composite
def number_texts(draw):
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(digits)
    frac = draw(st.one_of(st.none(), digits))
    if not whole and not frac:
        whole = "0"
    s = sign + whole + ("" if frac is None else "." + frac)
    if draw(st.booleans()):
        s += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"]))
        s += str(draw(st.integers(0, 400)))
    return s


@settings(max_examples=500, deadline=None)
@given(number_texts())
def test_numbers_random_text(text):
    assert _vectors.parse_number(text.encode()).tobytes() == f32(text).tobytes()


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_repr_of_doubles(x):
    for text in (repr(x), f"{x:.17g}", f"{x:.3e}", f"{x:f}"):
        assert _vectors.parse_number(text.encode()).tobytes() == f32(text).tobytes()


def test_format_round_trips_and_is_short():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=20000, dtype=np.uint64).astype(np.uint32)
    xs = np.concatenate([
        bits.view(np.float32),
        rng.standard_normal(5000).astype(np.float32) * 0.1,
        np.float32([0, -0.0, 1, -1, 0.1, 1e-45, 3.4028235e38, -3.4028235e38, 1.1754944e-38,
                    16777216, 123456789, 1e9, 1e-5, 1e-6, 0.5, 2.0**-149]),
    ])
    xs = xs[np.isfinite(xs)]
    longer = 0
    for x in xs:
        text = _vectors.format_number(x)
        back = _vectors.parse_number(text.encode())
        assert back.tobytes() == np.float32(x).tobytes(), (x, text)
        assert np.float32(float(text)).tobytes() == np.float32(x).tobytes()
        # as many significant digits as NumPy's shortest repr
        mant = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
        shortest = np.format_float_scientific(np.float32(x), unique=True, trim="-")
        want = shortest.lstrip("-").split("e")[0].replace(".", "").rstrip("0") or "0"
        assert len(mant or "0") <= 9
        longer += len(mant or "0") > len(want)
    assert longer <= len(xs) // 1000


def test_format_special_values():
    assert _vectors.format_number(np.float32("nan")) == "nan"
    assert _vectors.format_number(np.float32("inf")) == "inf"
    assert _vectors.format_number(np.float32("-inf")) == "-inf"
    assert _vectors.format_number(np.float32(-0.0)) == "-0"
    assert _vectors.format_number(np.float32(0.1)) == "0.1"
    assert _vectors.format_number(np.float32(1e-7)) == "1e-07"
    assert _vectors.format_number(np.float32(2.5e10)) == "2.5e+10"


def _try_locale(names):
    for name in names:
        try:
            return locale.setlocale(locale.LC_NUMERIC, name)
        except locale.Error:
            continue
    return None


def test_numbers_ignore_the_c_locale(tmp_path):
    """A locale with a decimal comma changes strtod; the reader must not care."""
    code = (
        "import locale, sys, numpy as np, cembed\n"
        "for name in ('de_DE.UTF-8', 'de_DE.utf8', 'fr_FR.UTF-8', 'de_DE', 'fr_FR'):\n"
        "    try:\n"
        "        locale.setlocale(locale.LC_ALL, name); break\n"
        "    except locale.Error:\n"
        "        pass\n"
        "else:\n"
        "    print('no-locale'); sys.exit(0)\n"
        "assert locale.localeconv()['decimal_point'] == ','\n"
        "p = sys.argv[1]\n"
        "open(p, 'w').write('1 3\\nw 0.1234567890123456789 1.5e-3 -7.25\\n')\n"
        "v = cembed.load_word2vec(p)\n"
        "assert v.matrix.tolist() == np.float32([0.1234567890123456789, 1.5e-3, -7.25]).reshape(1, 3).tolist()\n"
        "cembed.save_word2vec(p, ['w'], np.float32([[0.5, -1e-7, 3]]))\n"
        "assert open(p).read() == '1 3\\nw 0.5 -1e-07 3\\n', open(p).read()\n"
        "print('ok')\n"
    )
    out = python_stdout(code, tmp_path / "v.txt").strip()
    if out == "no-locale":
        pytest.skip("no locale with a decimal comma is installed")
    assert out == "ok"


# ------------------------------------------------------------------ hand-written files

WORDS = ["the", "of", "héllo", "日本"]
MATRIX = np.float32([[0.1, -0.25, 3.0], [1e-3, 2.5e10, -0.0], [7, 8, 9], [-1.5, 0.3, 0.125]])


def text_lines(words, matrix, sep=" ", end="\n", trailing=""):
    return "".join(
        w + sep + sep.join(repr(float(x)) for x in row) + trailing + end
        for w, row in zip(words, matrix)
    )


def check(v, words, matrix):
    assert isinstance(v, Vectors)
    assert v.words == list(words)
    assert v.index == {w: i for i, w in enumerate(words)}
    assert v.matrix.dtype == np.float32
    assert v.matrix.flags.c_contiguous and v.matrix.flags.owndata
    assert v.matrix.shape == np.shape(matrix)
    np.testing.assert_array_equal(v.matrix, np.float32(matrix))


def test_word2vec_text(tmp_path):
    p = write(tmp_path / "a.txt", "4 3\n" + text_lines(WORDS, MATRIX))
    for binary in (None, False):
        check(load_word2vec(p, binary=binary), WORDS, MATRIX)


def test_fasttext_vec_trailing_spaces_crlf_bom_tabs(tmp_path):
    body = "4 3 \r\n" + text_lines(WORDS, MATRIX, end="\r\n", trailing=" ")
    check(load_word2vec(write(tmp_path / "a.vec", body)), WORDS, MATRIX)
    check(load_word2vec(write(tmp_path / "b.vec", "\ufeff" + body)), WORDS, MATRIX)
    tabbed = "4\t3\n" + text_lines(WORDS, MATRIX, sep="\t")
    check(load_word2vec(write(tmp_path / "c.vec", tabbed)), WORDS, MATRIX)
    # no newline at the end, blank lines in between
    lines = text_lines(WORDS, MATRIX).split("\n")
    body = "4 3\n\n" + lines[0] + "\n   \n" + "\n".join(lines[1:4])
    check(load_word2vec(write(tmp_path / "d.vec", body)), WORDS, MATRIX)


def test_glove(tmp_path):
    p = write(tmp_path / "glove.txt", text_lines(WORDS, MATRIX))
    check(load_word2vec(p), WORDS, MATRIX)
    check(load_word2vec(p, binary=False), WORDS, MATRIX)
    check(load_word2vec(p, limit=2), WORDS[:2], MATRIX[:2])
    check(load_word2vec(p, limit=0), [], np.zeros((0, 3)))
    check(load_word2vec(p, limit=99), WORDS, MATRIX)


def test_glove_numeric_words_and_one_dim(tmp_path):
    # the word of line 1 is a number: the size is still fields - 1
    p = write(tmp_path / "g.txt", "2020 1 2 3\nx 4 5 6\n")
    check(load_word2vec(p), ["2020", "x"], [[1, 2, 3], [4, 5, 6]])
    p = write(tmp_path / "g1.txt", "a 1\nb 2\n")
    check(load_word2vec(p), ["a", "b"], [[1], [2]])


def test_glove_840b_words_with_spaces(tmp_path):
    body = ". . . 0.1 0.2\nat name@domain.com 1 2\nnew  york\t3 4\nplain 5 6\n"
    v = load_word2vec(write(tmp_path / "g.txt", body))
    check(v, [". . .", "at name@domain.com", "new  york", "plain"], [[0.1, 0.2], [1, 2], [3, 4], [5, 6]])
    # the first line itself has a spaced word: the size comes from its numbers
    v = load_word2vec(write(tmp_path / "g2.txt", "a b 1 2\nc 3 4\n"))
    check(v, ["a b", "c"], [[1, 2], [3, 4]])
    # with a header too
    v = load_word2vec(write(tmp_path / "h.txt", "2 2\nnew york 1 2\nx 3 4\n"))
    check(v, ["new york", "x"], [[1, 2], [3, 4]])


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binary_both_layouts(tmp_path, newline):
    p = write(tmp_path / "a.bin", binary_file(WORDS, MATRIX, newline=newline))
    check(load_word2vec(p), WORDS, MATRIX)
    check(load_word2vec(p, binary=True), WORDS, MATRIX)
    check(load_word2vec(p, binary=True, limit=3), WORDS[:3], MATRIX[:3])
    check(load_word2vec(p, limit=0), [], np.zeros((0, 3)))


def test_binary_keeps_special_values_and_odd_words(tmp_path):
    m = np.float32([[np.nan, np.inf], [-np.inf, -0.0], [1e-45, 3.4028235e38]])
    words = ["a\tb", "x\ny", "\u00e9"]  # tabs and inner newlines are word bytes in binary
    v = load_word2vec(write(tmp_path / "a.bin", binary_file(words, m)), binary=True)
    assert v.words == words
    assert v.matrix.tobytes() == m.tobytes()


def test_binary_header_zero_words(tmp_path):
    v = load_word2vec(write(tmp_path / "a.bin", b"0 5\n"))
    assert v.matrix.shape == (0, 5) and v.words == []


def test_binary_whose_bytes_are_text_needs_binary_true(tmp_path):
    # vectors whose bytes are printable ASCII digits and spaces: the file is
    # plain text, so detection reads it as text (and finds a long row)
    raw = np.frombuffer(b"1 2 3 4 5 6 7 8 ", dtype="<f4").reshape(2, 2)
    p = write(tmp_path / "a.bin", binary_file(["a", "b"], raw, newline=False))
    with pytest.raises(ValueError, match="line 2: expected a word and 2 numbers, found 10 fields"):
        load_word2vec(p)
    v = load_word2vec(p, binary=True)
    assert v.matrix.tobytes() == raw.astype(np.float32).tobytes()


@pytest.mark.parametrize("d", [1, 2, 3, 300])
def test_detects_binary_of_any_size(tmp_path, d):
    rng = np.random.default_rng(d)
    for scale in (1.0, 1e-3, 1e3):
        m = (rng.standard_normal((50, d)) * scale).astype(np.float32)
        words = [f"w{i}" for i in range(50)]
        for newline in (True, False):
            p = write(tmp_path / "a.bin", binary_file(words, m, newline=newline))
            check(load_word2vec(p), words, m)


# ------------------------------------------------------------------ encodings

def test_unicode_errors_on_cut_words(tmp_path):
    cut = "日本語".encode("utf-8")[:7]  # word2vec.c cuts inside a character
    m = np.float32([[1, 2], [3, 4]])
    for data, where in (
        (binary_file([b"ok", cut], m), "byte "),
        (b"2 2\nok 1 2\n" + cut + b" 3 4\n", "line 3"),
    ):
        p = write(tmp_path / "cut", data)
        with pytest.raises(ValueError, match=where) as info:
            load_word2vec(p)
        assert isinstance(info.value.__cause__, UnicodeDecodeError)
        v = load_word2vec(p, unicode_errors="ignore")
        assert v.words == ["ok", cut.decode("utf-8", "ignore")]
        v = load_word2vec(p, unicode_errors="replace")
        assert v.words == ["ok", cut.decode("utf-8", "replace")]
        np.testing.assert_array_equal(v.matrix, m)


def test_latin1_encoding(tmp_path):
    p = write(tmp_path / "l.txt", "2 1\ncaf\u00e9 1\nna\u00efve 2\n".encode("latin-1"))
    assert load_word2vec(p, encoding="latin-1").words == ["caf\u00e9", "na\u00efve"]
    with pytest.raises(ValueError, match="line 2"):
        load_word2vec(p)


def test_bad_encoding_arguments(tmp_path):
    p = write(tmp_path / "g.txt", "a 1\n")
    with pytest.raises(ValueError, match="unknown encoding"):
        load_word2vec(p, encoding="no-such-codec")
    with pytest.raises(ValueError, match="ASCII-compatible"):
        load_word2vec(p, encoding="utf-16")
    with pytest.raises(ValueError, match="unicode_errors"):
        load_word2vec(p, unicode_errors="nope")


# ------------------------------------------------------------------ duplicates

@pytest.mark.parametrize("fmt", ["text", "binary", "glove"])
def test_duplicate_word_keeps_first_row_and_warns(tmp_path, fmt):
    words = ["a", "b", "a", "c", "b", "d"]
    m = np.arange(12, dtype=np.float32).reshape(6, 2)
    if fmt == "binary":
        data = binary_file(words, m)
    else:
        data = ("6 2\n" if fmt == "text" else "") + text_lines(words, m)
    p = write(tmp_path / "dup", data)
    with pytest.warns(UserWarning, match="2 duplicate word") as rec:
        v = load_word2vec(p)
    msg = str(rec[0].message)
    if fmt == "text":
        assert "'a' (line 2, again line 4)" in msg
    elif fmt == "glove":
        assert "'a' (line 1, again line 3)" in msg
    else:
        assert "'a' (byte 4, again byte " in msg
    check(v, ["a", "b", "c", "d"], m[[0, 1, 3, 5]])


def test_duplicates_created_by_unicode_errors(tmp_path):
    p = write(tmp_path / "d.txt", b"2 1\nab\xff 1\nab 2\n")
    with pytest.warns(UserWarning, match="duplicate"):
        v = load_word2vec(p, unicode_errors="ignore")
    check(v, ["ab"], [[1]])


# ------------------------------------------------------------------ malformed files

MALFORMED_TEXT = [
    ("", "line 1", "empty"),
    ("\n\n", "line 1", "neither"),
    ("hello\n", "line 1", "neither"),
    ("3 x\n", "line 1", "neither"),
    ("3 0\n", "line 1", "vector size of 0"),
    ("3 2147483649\n", "line 1", "vector size of 2147483649 (1 to 2**31"),
    ("2 3\na 1 2 3\nb 1 2\n", "line 3", "found 3 fields"),
    ("2 3\na 1 x 3\nb 1 2 3\n", "line 2", "'x' is not a number (value 2 of 3)"),
    ("2 3\na 1 2\nb 1 2 3\n", "line 2", "found 3 fields"),
    ("2 1\n\u00e9t\u00e9 1 2\nb 1\n", "line 2", "found 3 fields"),
    ("2 3\na 1 2 3\nb 1 2 3 4\n", "line 3", "found 5 fields"),
    ("2 3\na 1 2 3\nb 1 x 3\n", "line 3", "'x' is not a number"),
    ("2 3\na 1 2 3\nb 1 2 3,5\n", "line 3", "'3,5' is not a number"),
    ("2 3\na 1 2 3\nb 1 2 0x3\n", "line 3", "'0x3' is not a number"),
    ("2 3\na 1 2 3\nb 1 2 1_0\n", "line 3", "not a number"),
    ("3 2\na 1 2\nb 3 4\n", "line 4", "ends after 2 vectors, but its header declares 3"),
    ("3 2\na 1 2\n\nb 3 4\n\n", "line 6", "ends after 2 vectors"),
    ("1000 2\na 1 2\nb 3 4\n", "line 4", "ends after 2 vectors, but its header declares 1000"),
    ("1000000000000 2\na 1 2\n", "line 3", "ends after 1 vectors"),
    ("99999999999999999 99999999999999999\na 1 2\n", "line 1", "vector size"),
    ("a 1 2\nb 3\n", "line 2", "found 2 fields"),
    ("a 1 2\nb 3 4 5\n", "line 2", "found 4 fields"),
    ("a 1 2\nb 3 four\n", "line 2", "'four' is not a number"),
    ("a 1 2\n\n\nb\n", "line 4", "found 1 field"),
]


@pytest.mark.parametrize("body,where,what", MALFORMED_TEXT)
def test_malformed_text(tmp_path, body, where, what):
    p = write(tmp_path / "bad.txt", body)
    with pytest.raises(ValueError) as info:
        load_word2vec(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}: {where}: "), msg
    assert what in msg


def test_malformed_binary(tmp_path):
    m = np.float32([[1, 2, 3], [4, 5, 6]])
    good = binary_file(["ab", "cd"], m)
    cases = [
        (good[:-5], "byte 23", "ends inside vector 2 of 2 (8 of its 12 bytes"),
        (good[:22], "byte 20", "ends inside the word of vector 2 of 2"),
        (good[:20], "byte 20", "ends after 1 vectors, but its header declares 2"),
        (good[:18], "byte 7", "ends inside vector 1 of 2 (11 of its 12 bytes"),
        (binary_file(["ab", "cd"], m, header="3 3\n"), "byte 36", "ends after 2 vectors"),
        (binary_file(["ab", "cd"], m, header="100 3\n"), "byte 38", "ends after 2 vectors"),
        (binary_file(["ab", "cd"], m, header="10000000000000 3\n"), "byte 49", "ends after 2"),
        (b"2 3\n" + b"x" * 100, "byte 4", "ends inside the word of vector 1"),
        (b"2 99999999999999999\n" + b"x" * 100, "line 1", "vector size"),
    ]
    for data, where, what in cases:
        p = write(tmp_path / "bad.bin", data)
        with pytest.raises(ValueError) as info:
            load_word2vec(p, binary=True)
        msg = str(info.value)
        assert msg.startswith(f"{p}: {where}: ") and what in msg, (msg, where, what)
    p = write(tmp_path / "g.txt", "a 1 2\n")
    with pytest.raises(ValueError, match="line 1: no 'count size' header"):
        load_word2vec(p, binary=True)


def test_binary_word_without_space(tmp_path):
    p = write(tmp_path / "w.bin", b"1 1\n" + b"x" * (1 << 21))
    with pytest.raises(ValueError, match="byte 4: no space after"):
        load_word2vec(p, binary=True)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_word2vec(tmp_path / "nope.txt")
    with pytest.raises(IsADirectoryError):
        load_word2vec(tmp_path)


def test_argument_types(tmp_path):
    p = write(tmp_path / "g.txt", "a 1\n")
    with pytest.raises(TypeError):
        load_word2vec(p, binary=1)
    with pytest.raises(TypeError):
        load_word2vec(p, limit=1.0)
    with pytest.raises(TypeError):
        load_word2vec(p, limit=True)
    with pytest.raises(ValueError):
        load_word2vec(p, limit=-1)
    with pytest.raises(TypeError):
        load_word2vec(3.5)
    assert load_word2vec(p, limit=np.int64(1)).words == ["a"]
    assert load_word2vec(os.fsencode(p)).words == ["a"]


# ------------------------------------------------------------------ buffers

def test_lines_longer_than_the_buffer(tmp_path):
    rng = np.random.default_rng(1)
    m = rng.standard_normal((3, 500_000)).astype(np.float32)
    p = str(tmp_path / "long.txt")
    save_word2vec(p, ["a", "b", "c"], m)
    assert os.path.getsize(p) > 3 * (1 << 22) // 2
    check(load_word2vec(p), ["a", "b", "c"], m)
    # and as GloVe (no header)
    with open(p, "rb") as f:
        f.readline()
        write(tmp_path / "long_glove.txt", f.read())
    check(load_word2vec(tmp_path / "long_glove.txt"), ["a", "b", "c"], m)
    pb = str(tmp_path / "long.bin")
    save_word2vec(pb, ["a", "b", "c"], m, binary=True)
    check(load_word2vec(pb), ["a", "b", "c"], m)


@pytest.mark.parametrize("binary", [False, True])
def test_many_rows_across_buffer_refills(tmp_path, binary):
    rng = np.random.default_rng(2)
    n, d = 9000, 61
    words = [f"w{i}\u00e9" * (1 + i % 7) for i in range(n)]
    m = (rng.standard_normal((n, d)) * 10.0 ** rng.integers(-8, 8, size=(n, 1))).astype(np.float32)
    p = str(tmp_path / "many")
    save_word2vec(p, words, m, binary=binary)
    check(load_word2vec(p), words, m)
    check(load_word2vec(p, limit=4321), words[:4321], m[:4321])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.parametrize("header", ["", "70000 3\n", "999999999999 3\n"])
def test_from_a_pipe_grows_the_matrix(tmp_path, header):
    """A pipe cannot be read twice nor measured: the matrix grows as rows come."""
    n = 70000
    m = np.arange(n * 3, dtype=np.float32).reshape(n, 3) / 8
    body = (header + text_lines([f"w{i}" for i in range(n)], m)).encode()
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)

    def feed():
        try:
            with open(fifo, "wb") as f:
                f.write(body)
        except BrokenPipeError:
            pass

    t = threading.Thread(target=feed)
    t.start()
    try:
        if header.startswith("999"):
            with pytest.raises(ValueError, match="line 70002: the file ends after 70000 vectors"):
                load_word2vec(fifo)
            return
        v = load_word2vec(fifo)
    finally:
        t.join()
    check(v, [f"w{i}" for i in range(n)], m)


@st.composite
def messy_glove(draw):
    d = draw(st.integers(1, 5))
    n = draw(st.integers(0, 8))
    sep = st.text(alphabet=" \t", min_size=1, max_size=3)
    lines, words, rows = [], [], []
    for i in range(n):
        parts = [draw(st.sampled_from(["w", "é", "new york", "a.b", "x-1", "١٢"])) + str(i)]
        row = draw(st.lists(st.floats(width=32, allow_nan=False), min_size=d, max_size=d))
        texts = [draw(st.sampled_from([repr, lambda x: f"{x:.3e}", lambda x: f"{x:.9g}"]))(x) for x in row]
        line = draw(st.text(alphabet=" \t", max_size=2)) + parts[0]
        for t in texts:
            line += draw(sep) + t
        line += draw(st.sampled_from(["", " ", "\r", " \t\r"]))
        lines.append(line)
        words.append(parts[0])
        rows.append([f32(t) for t in texts])
        if draw(st.booleans()):
            lines.append(draw(st.text(alphabet=" \t\r", max_size=3)))
    return d, lines, words, rows


@settings(max_examples=60, deadline=None)
@given(messy_glove(), st.booleans(), st.booleans())
def test_messy_text_against_python_split(tmp_path_factory, case, header, final_newline):
    d, lines, words, rows = case
    if not words and not header:
        return
    body = ((f"{len(words)} {d}\n" if header else "") + "\n".join(lines)
            + ("\n" if final_newline else ""))
    p = write(tmp_path_factory.mktemp("messy") / "v.txt", body)
    v = load_word2vec(p)
    assert v.words == words
    assert v.matrix.shape == (len(words), d)
    np.testing.assert_array_equal(v.matrix, np.float32(rows).reshape(len(words), d))


# ------------------------------------------------------------------ round trips

word_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\t\x0b\x0c \x00"),
    min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(word_text, min_size=0, max_size=20, unique=True),
    d=st.integers(1, 9),
    binary=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_round_trip_random(tmp_path_factory, words, d, binary, seed, dtype):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**32, size=(len(words), d), dtype=np.uint64).astype(np.uint32)
    m = bits.view(np.float32).astype(dtype)
    p = str(tmp_path_factory.mktemp("rt") / "v")
    save_word2vec(p, words, m, binary=binary)
    v = load_word2vec(p)
    assert v.words == words
    assert v.matrix.shape == (len(words), d)
    want = m.astype(np.float32)
    same = (v.matrix.view(np.uint32) == want.view(np.uint32)) | (np.isnan(v.matrix) & np.isnan(want))
    if not binary:  # text writes one NaN
        assert same.all()
    else:
        assert v.matrix.tobytes() == want.tobytes()
    assert load_word2vec(p, binary=binary).words == words


def test_round_trip_words_with_spaces_in_text(tmp_path):
    words = ["new york", "a b c", "x\ty", "ends.5x"]
    m = np.float32([[1, 2], [3, 4], [5, 6], [7, 8]])
    p = str(tmp_path / "s.txt")
    save_word2vec(p, words, m)
    check(load_word2vec(p), words, m)


def test_save_format_is_readable_text(tmp_path):
    p = str(tmp_path / "t.txt")
    save_word2vec(p, ["a", "b"], np.float32([[0.1, -2.5e-7], [np.inf, np.nan]]))
    assert open(p).read() == "2 2\na 0.1 -2.5e-07\nb inf nan\n"
    pb = str(tmp_path / "t.bin")
    save_word2vec(pb, ["a", "b"], np.float32([[0.1, -2.5e-7], [1, 2]]), binary=True)
    assert open(pb, "rb").read() == binary_file(["a", "b"], np.float32([[0.1, -2.5e-7], [1, 2]]))


def test_save_takes_vectors_and_strided_rows(tmp_path):
    big = np.arange(24, dtype=np.float64).reshape(4, 6)
    v = Vectors(["a", "b", "c", "d"], big[:, :3])
    p = str(tmp_path / "v.bin")
    save_word2vec(p, v, binary=True)
    check(load_word2vec(p), v.words, big[:, :3])
    v.save(p)
    check(load_word2vec(p), v.words, big[:, :3])
    save_word2vec(p, v.words[::-1], big[::-1, :3])
    check(load_word2vec(p), v.words[::-1], big[::-1, :3])


def test_save_errors_leave_the_old_file(tmp_path):
    p = str(tmp_path / "v.txt")
    save_word2vec(p, ["keep"], np.float32([[1]]))
    before = open(p, "rb").read()
    bad = [
        ((["a b"], np.float32([[1]])), {"binary": True}, ValueError, "space"),
        (([""], np.float32([[1]])), {}, ValueError, "empty"),
        ((["a\nb"], np.float32([[1]])), {}, ValueError, "newline"),
        (([" a"], np.float32([[1]])), {}, ValueError, "white space"),
        ((["top 10"], np.float32([[1]])), {}, ValueError, "ends in a number"),
        ((["a", "a"], np.float32([[1], [2]])), {}, ValueError, "duplicate"),
        ((["\ud800"], np.float32([[1]])), {}, ValueError, "UTF-8"),
        ((["a"], np.int32([[1]])), {}, TypeError, "float32"),
        ((["a"], np.float32([1])), {}, ValueError, "2-D"),
        ((["a", "b"], np.float32([[1]])), {}, ValueError, "rows"),
        ((["a", "b"], np.ones((2, 4), np.float32)[:, ::2]), {}, ValueError, "ascontiguousarray"),
        ((["a"], np.zeros((1, 0), np.float32)), {}, ValueError, "column"),
        (("ab", np.float32([[1], [2]])), {}, TypeError, "sequence"),
        (([1], np.float32([[1]])), {}, TypeError, "str"),
        ((["a"], np.float32([[1]])), {"binary": "yes"}, TypeError, "binary"),
    ]
    for args, kw, exc, what in bad:
        with pytest.raises(exc, match=what):
            save_word2vec(p, *args, **kw)
        assert open(p, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["v.txt"]
    with pytest.raises(FileNotFoundError):
        save_word2vec(str(tmp_path / "no" / "such" / "dir.txt"), ["a"], np.float32([[1]]))


def test_save_overwrites_atomically_and_keeps_permissions(tmp_path):
    p = str(tmp_path / "v.txt")
    save_word2vec(p, ["a"], np.float32([[1]]))
    mode = os.stat(p).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    save_word2vec(p, ["b"], np.float32([[2]]))
    assert open(p).read() == "1 1\nb 2\n"
    assert os.listdir(tmp_path) == ["v.txt"]
    if os.name == "posix":
        os.chmod(p, 0o640)
        save_word2vec(os.fsencode(p), ["c"], np.float32([[3]]))  # a bytes path too
        assert os.stat(p).st_mode & 0o777 == 0o640  # the replaced file's mode is kept
        assert open(p).read() == "1 1\nc 3\n"
        assert os.listdir(tmp_path) == ["v.txt"]


# ------------------------------------------------------------------ gensim parity

def _gensim_files(tmp_path):
    rng = np.random.default_rng(3)
    n, d = 400, 17
    words = [f"w{i}" + "\u00e9" * (i % 3) for i in range(n)]
    m = rng.standard_normal((n, d)).astype(np.float32)
    txt = str(tmp_path / "g.txt")
    # gensim writes the text itself, with its own number format
    kv = KeyedVectors(d)
    kv.add_vectors(words, m)
    kv.save_word2vec_format(txt, binary=False)
    bin_ = str(tmp_path / "g.bin")
    kv.save_word2vec_format(bin_, binary=True)
    glove = str(tmp_path / "glove.txt")
    with open(txt, "rb") as f:
        f.readline()
        write(glove, f.read())
    return words, m, txt, bin_, glove


@needs_gensim
def test_gensim_parity_load(tmp_path):
    words, m, txt, bin_, glove = _gensim_files(tmp_path)
    for path, binary, no_header in ((txt, False, False), (bin_, True, False), (glove, False, True)):
        kv = KeyedVectors.load_word2vec_format(path, binary=binary, no_header=no_header)
        v = load_word2vec(path)
        assert v.words == list(kv.index_to_key)
        assert v.matrix.dtype == kv.vectors.dtype
        assert v.matrix.tobytes() == kv.vectors.tobytes()
        kv = KeyedVectors.load_word2vec_format(path, binary=binary, no_header=no_header, limit=123)
        v = load_word2vec(path, limit=123)
        assert v.words == list(kv.index_to_key) and v.matrix.tobytes() == kv.vectors.tobytes()
    # gensim reads what cembed writes
    for binary in (False, True):
        p = str(tmp_path / f"c{binary}")
        save_word2vec(p, words, m, binary=binary)
        kv = KeyedVectors.load_word2vec_format(p, binary=binary)
        assert list(kv.index_to_key) == words and kv.vectors.tobytes() == m.tobytes()


@needs_gensim
def test_gensim_parity_text_numbers(tmp_path):
    """gensim parses each number with np.float32(str): long and odd ones too."""
    rng = np.random.default_rng(4)
    vals = rng.standard_normal((50, 8)) * 10.0 ** rng.integers(-40, 40, size=(50, 8))
    lines = ["50 8"]
    for i, row in enumerate(vals):
        lines.append(f"w{i} " + " ".join(f"{x:.{17 + i % 5}e}" if i % 2 else repr(float(x)) for x in row))
    p = write(tmp_path / "n.txt", "\n".join(lines) + "\n")
    kv = KeyedVectors.load_word2vec_format(p)
    assert load_word2vec(p).matrix.tobytes() == kv.vectors.tobytes()


@needs_gensim
def test_gensim_parity_most_similar(tmp_path):
    words, m, txt, _, _ = _gensim_files(tmp_path)
    kv = KeyedVectors.load_word2vec_format(txt)
    v = load_word2vec(txt)
    rng = np.random.default_rng(5)
    for w in [words[0], words[7], words[-1]]:
        for topn in (1, 10, 399, 1000):
            g = kv.most_similar(w, topn=topn)
            c = v.most_similar(w, topn=topn)
            assert [x for x, _ in c] == [x for x, _ in g]
            np.testing.assert_allclose([s for _, s in c], [s for _, s in g], rtol=1e-5, atol=1e-6)
    for _ in range(3):
        q = rng.standard_normal(m.shape[1]).astype(np.float32)
        g = kv.most_similar(positive=[q], topn=15)
        c = v.most_similar(q, topn=15)
        assert [x for x, _ in c] == [x for x, _ in g]
        np.testing.assert_allclose([s for _, s in c], [s for _, s in g], rtol=1e-5, atol=1e-6)
    for a, b in [(words[1], words[2]), (words[3], words[3])]:
        assert v.similarity(a, b) == pytest.approx(float(kv.similarity(a, b)), rel=1e-5, abs=1e-6)


# ------------------------------------------------------------------ Vectors

def small():
    m = np.float32([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [-1, 0, 0], [0, 0, 0], [0.5, 0.5, 0.5]])
    return Vectors(["a", "b", "c", "d", "zero", "e"], m)


def cos_ref(m, q):
    m = np.asarray(m, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    n = np.linalg.norm(m, axis=1)
    out = np.zeros(len(m))
    ok = n > 0
    out[ok] = m[ok] @ q / (n[ok] * np.linalg.norm(q))
    return out


def test_vectors_basics():
    v = small()
    assert len(v) == 6 and v.dim == 3 and "a" in v and "zz" not in v
    assert list(v) == v.words
    assert v["c"].tolist() == [0, 1, 0]
    assert np.shares_memory(v["c"], v.matrix)
    assert "6 words x 3" in repr(v)
    with pytest.raises(KeyError, match="'zz' is not in the vectors"):
        v["zz"]
    m = np.zeros((2, 2), np.float32)
    assert Vectors(["x", "y"], m).matrix is m  # not copied


def test_vectors_constructor_errors():
    with pytest.raises(ValueError, match="duplicate word 'x' at positions 0 and 2"):
        Vectors(["x", "y", "x"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="3 rows"):
        Vectors(["x"], np.zeros((3, 2)))
    with pytest.raises(TypeError):
        Vectors(["x"], np.zeros((1, 2), dtype=np.int64))
    with pytest.raises(ValueError):
        Vectors(["x"], np.zeros(2))
    with pytest.raises(TypeError):
        Vectors("xy", np.zeros((2, 2)))
    with pytest.raises(TypeError):
        Vectors([b"x"], np.zeros((1, 2)))


def test_most_similar_semantics():
    v = small()
    got = v.most_similar("a", topn=10)
    ref = cos_ref(v.matrix, v["a"])
    order = [i for i in np.lexsort((np.arange(6), -ref)) if i != 0]
    assert [w for w, _ in got] == [v.words[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], ref[order], rtol=1e-6, atol=1e-7)
    assert got[0][0] == "b" and got[-1][0] == "d"
    # the zero row has cosine 0 and ties with "c" (row 2 first)
    assert [w for w, _ in got[2:4]] == ["c", "zero"]
    assert v.most_similar("a", topn=1) == got[:1]
    assert v.most_similar("a", topn=0) == []
    assert v.most_similar("a", topn=None) == got
    # a vector query keeps every row, "a" included
    got = v.most_similar([2, 0, 0], topn=2)
    assert [w for w, _ in got] == ["a", "b"] and got[0][1] == pytest.approx(1.0)
    with pytest.raises(KeyError):
        v.most_similar("nope")
    with pytest.raises(ValueError, match="zero"):
        v.most_similar([0, 0, 0])
    with pytest.raises(ValueError, match="shape"):
        v.most_similar([1, 0])
    with pytest.raises(TypeError):
        v.most_similar(["a", "b", "c"])
    with pytest.raises(TypeError):
        v.most_similar("a", topn=2.0)
    with pytest.raises(ValueError):
        v.most_similar("a", topn=-1)


def test_most_similar_ties_in_row_order_at_the_cut():
    m = np.float32([[1, 0]] + [[1, 1]] * 50 + [[0, 1]])
    v = Vectors([str(i) for i in range(52)], m)
    got = v.most_similar("0", topn=7)
    assert [w for w, _ in got] == [str(i) for i in range(1, 8)]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), d=st.integers(1, 6), topn=st.integers(0, 70), seed=st.integers(0, 999))
def test_most_similar_against_full_sort(n, d, topn, seed):
    rng = np.random.default_rng(seed)
    m = rng.integers(-2, 3, size=(n, d)).astype(np.float32)  # many ties and zero rows
    v = Vectors([f"w{i}" for i in range(n)], m)
    q = int(rng.integers(n))
    if not m[q].any():
        m[q, 0] = 1
        v.clear_cache()
    ref = cos_ref(m, m[q]).astype(np.float32)
    # the same float32 arithmetic as the implementation, so near-ties agree
    q64 = m[q].astype(np.float64)
    sims = m @ (q64 / np.linalg.norm(q64)).astype(np.float32)
    norms = np.linalg.norm(m, axis=1)
    sims = np.where(norms > 0, sims / np.where(norms > 0, norms, 1), 0).astype(np.float32)
    order = [i for i in np.lexsort((np.arange(n), -sims)) if i != q][:topn]
    got = v.most_similar(f"w{q}", topn=topn)
    assert [w for w, _ in got] == [f"w{i}" for i in order]
    np.testing.assert_allclose([s for _, s in got], ref[order], rtol=1e-5, atol=1e-6)


def test_norms_are_cached_until_cleared():
    v = small()
    v.most_similar("a")
    n1 = v._norms
    v.most_similar("b")
    assert v._norms is n1
    v.matrix[1] *= 10
    v.clear_cache()
    assert v.most_similar("a", topn=1)[0][1] == pytest.approx(cos_ref(v.matrix, v["a"])[1], rel=1e-6)


def test_similarity():
    v = small()
    assert v.similarity("a", "b") == pytest.approx(cos_ref(v.matrix[1:2], v["a"])[0], rel=1e-6)
    assert v.similarity("a", "a") == pytest.approx(1.0)
    assert v.similarity("a", "d") == pytest.approx(-1.0)
    assert v.similarity("a", "zero") == 0.0
    assert v.similarity("a", [0, 3, 0]) == pytest.approx(0.0)
    with pytest.raises(KeyError):
        v.similarity("a", "nope")


def test_embedding_matrix():
    v = small()
    word_index = {"c": 1, "unknown": 2, "a": 3, "e": 4, "zz": 5}
    m, found = v.embedding_matrix(word_index, seed=0)
    assert m.shape == (6, 3) and m.dtype == np.float32 and found == 3
    assert m[0].tolist() == [0, 0, 0]
    assert m[1].tolist() == v["c"].tolist() and m[3].tolist() == v["a"].tolist()
    assert m[4].tolist() == v["e"].tolist()
    assert np.all(np.abs(m[[2, 5]]) <= 0.05) and np.any(m[[2, 5]] != 0)
    m2, _ = v.embedding_matrix(word_index, seed=0)
    assert m2.tobytes() == m.tobytes()
    m3, _ = v.embedding_matrix(word_index, seed=1)
    assert m3[2].tolist() != m[2].tolist()
    # num_words as Keras' Tokenizer: indices >= num_words are left out
    m, found = v.embedding_matrix(word_index, num_words=3, initializer="zeros")
    assert m.shape == (3, 3) and found == 1
    assert m[1].tolist() == v["c"].tolist() and m[2].tolist() == [0, 0, 0]
    m, found = v.embedding_matrix(word_index, num_words=10, initializer="zeros")
    assert m.shape == (10, 3) and found == 3
    m, found = v.embedding_matrix({}, initializer="normal")
    assert m.shape == (1, 3) and found == 0 and not m.any()
    m, _ = v.embedding_matrix({f"w{i}": i + 1 for i in range(4000)}, initializer="normal", seed=3)
    assert abs(m[1:].std() - 0.05) < 0.005
    m, _ = v.embedding_matrix({f"w{i}": i + 1 for i in range(4000)}, seed=3)
    assert abs(m[1:].std() - 0.1 / np.sqrt(12)) < 0.003 and np.abs(m).max() <= 0.05
    m, found = v.embedding_matrix({"a": 1, "x": 2}, initializer=lambda shape, rng: np.full(shape, 7.0))
    assert m[2].tolist() == [7, 7, 7] and m[0].tolist() == [0, 0, 0] and found == 1
    m64, _ = Vectors(["a"], np.ones((1, 2))).embedding_matrix({"a": 1})
    assert m64.dtype == np.float64
    m, _ = v.embedding_matrix(word_index, initializer="ones")  # Embedding's names (issue 11)
    assert m[2].tolist() == [1, 1, 1] and m[0].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="initializer"):
        v.embedding_matrix(word_index, initializer="he_normal")
    with pytest.raises(ValueError, match="0 is padding"):
        v.embedding_matrix({"a": 0})
    with pytest.raises(TypeError):
        v.embedding_matrix({"a": 1.0})
    with pytest.raises(ValueError):
        v.embedding_matrix(word_index, num_words=0)
    with pytest.raises(TypeError):
        v.embedding_matrix(word_index, num_words=2.5)
    with pytest.raises(ValueError, match="shape"):
        v.embedding_matrix(word_index, initializer=lambda shape, rng: np.zeros(3))


def test_public_names():
    assert cembed.Vectors is Vectors
    assert cembed.load_word2vec is load_word2vec and cembed.save_word2vec is save_word2vec


# ------------------------------------------------------------------ docs and example

def test_docstring_examples():
    import doctest

    import cembed.vectors

    result = doctest.testmod(cembed.vectors, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


def test_example_pretrained():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = python_stdout(pathlib.Path(root, "examples", "pretrained.py"), cwd=root)
    assert "coverage: 53 of 55 words have a pretrained vector (96%); random rows for ['<unk>', 'zorblax']" in out
    assert "embedding (56, 50) -> output (8, 10, 50)" in out
    # neighbours come from the topic: the made-up vectors of a topic share a direction
    cat = next(line for line in out.splitlines() if line.startswith("cat    in the vectors"))
    assert all(w in cat for w in ("dog", "horse"))
