"""Hypothesis strategies shared by the kernel tests: tables and index arrays
of every dtype and memory layout docs/kernels.rst's ground rules allow."""
import os

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# Every integer dtype NumPy has, by type code (int8 ... uint64, and the
# platform aliases long long / intp, which are distinct type numbers).
INT_DTYPES = [np.dtype(c) for c in np.typecodes["AllInteger"]]
# Non-native byte order is an integer dtype too.
INT_DTYPES += [np.dtype(">i4"), np.dtype(">u8"), np.dtype("<i2").newbyteorder()]
FLOAT_DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]

# 60 examples a property keeps the suite fast; CEMBED_TEST_EXAMPLES=1000
# runs a deeper search.
PROPERTY = settings(max_examples=int(os.environ.get("CEMBED_TEST_EXAMPLES", "60")),
                    deadline=None)

dims = st.sampled_from([1, 2, 3, 5, 7, 8, 16, 17, 33])
num_rows = st.integers(1, 40)
seeds = st.integers(0, 2**32 - 1)


def rng_from(data_or_seed):
    return np.random.default_rng(data_or_seed)


def random_table(rng, v, d, dtype, layout):
    """A (v, d) float table in a layout the kernels take without copy (docs/kernels.rst).

    c: C-contiguous; rowstep: every other row of a taller table (W[::2]);
    narrow: the first d columns of a wider table (W[:, :d]).
    Returns (table, base) where base is the array the table is a view of.
    """
    if layout == "c":
        base = rng.standard_normal((v, d)).astype(dtype)
        return base, base
    if layout == "rowstep":
        base = rng.standard_normal((2 * v, d)).astype(dtype)
        return base[::2], base
    if layout == "narrow":
        base = rng.standard_normal((v, d + 3)).astype(dtype)
        return base[:, :d], base
    raise ValueError(layout)


table_layouts = st.sampled_from(["c", "rowstep", "narrow"])


def make_indices(values, dtype, layout):
    """Turn an int64 array of in-range values into the requested input.

    layouts: c (contiguous), strided (a [..., ::2] view), transposed (a .T
    view), reversed (a [::-1] view), list (nested Python ints).
    """
    values = np.asarray(values, dtype=np.int64)
    if layout == "list":
        if values.size == 0 and values.ndim > 1:
            layout = "c"  # nested empty lists are float64 to np.asarray
        else:
            return values.tolist()
    typed = values.astype(dtype)
    if layout == "c" or values.ndim == 0:
        return typed
    if layout == "strided":
        base = np.zeros(values.shape[:-1] + (2 * values.shape[-1],), dtype=dtype)
        base[..., ::2] = typed
        view = base[..., ::2]
    elif layout == "transposed":
        base = np.ascontiguousarray(typed.T)
        view = base.T
    elif layout == "reversed":
        base = np.ascontiguousarray(typed[::-1])
        view = base[::-1]
    else:
        raise ValueError(layout)
    assert np.array_equal(view, typed)
    return view


index_layouts = st.sampled_from(["c", "strided", "transposed", "reversed", "list"])


@st.composite
def index_shapes(draw, max_ndim=3):
    ndim = draw(st.integers(1, max_ndim))
    if ndim == 1:
        return (draw(st.integers(0, 60)),)
    return tuple(draw(st.integers(0, 6)) for _ in range(ndim))


@st.composite
def index_inputs(draw, v, max_ndim=3):
    """(indices as given to the kernel, the same values as int64 array)."""
    shape = draw(index_shapes(max_ndim))
    rng = rng_from(draw(seeds))
    # Few distinct rows now and then, so repeats are common.
    hi = draw(st.sampled_from([v, min(v, 3)]))
    values = rng.integers(0, hi, size=shape, dtype=np.int64)
    dtype = draw(st.sampled_from(INT_DTYPES))
    layout = draw(index_layouts)
    return make_indices(values, dtype, layout), values


# ------------------------------------------------------------------- text

# Characters that trip tokenizers: white space of several kinds, Keras'
# filters, letters whose lowercase form changes length or context
# (\u0130, final sigma, \ufb01), a wide CJK character and an emoji.
TEXT_ALPHABET = st.sampled_from(
    list("abcXYZ  \t\n.,!-'") + ["\u00e4", "\u00c4", "\u00df", "\u0130", "\u03a3", "\u03c2",
                                   "\u00a0", "\u2013", "\u5929", "\U0001F642", "\u01c5", "\ufb01"])
text_lists = st.lists(st.text(TEXT_ALPHABET, max_size=30), max_size=8)
text_filters = st.one_of(st.just('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'),
                         st.text(TEXT_ALPHABET, max_size=4))
text_splits = st.one_of(st.just(" "), st.text(TEXT_ALPHABET, min_size=1, max_size=3))
# the options of a Keras Tokenizer, as keyword arguments
tokenizer_options = st.fixed_dictionaries({
    "filters": text_filters,
    "split": text_splits,
    "lower": st.booleans(),
    "char_level": st.booleans(),
    "num_words": st.one_of(st.none(), st.integers(0, 8)),
    "oov_token": st.one_of(st.none(), st.just("<OOV>"), st.just("a")),
})
