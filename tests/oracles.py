"""NumPy / SciPy references for cembed's kernels: the oracles of the tests.

Everything here follows docs/kernels.rst literally and is written without looking at
the C core: an embedding lookup is ``onehot(x) @ W``, a pooled lookup is
``bag_matrix @ W``, a sparse gradient is ``onehot.T @ G`` (or ``np.add.at``),
and the optimizers are the formulas of its "Optimizer steps".
"""
import re

import contextlib

import numpy as np
import scipy.sparse as sp

# ------------------------------------------------------------ one-hot algebra


def onehot(indices, num_rows, dtype=np.float64):
    """The (N, V) one-hot matrix of the flattened indices, as CSR."""
    flat = np.asarray(indices).astype(np.int64).ravel()
    n = flat.size
    data = np.ones(n, dtype=dtype)
    return sp.csr_matrix((data, flat, np.arange(n + 1)), shape=(n, num_rows))


def gather_ref(table, indices):
    """``onehot(indices) @ W`` reshaped to ``indices.shape + (D,)``.

    Each output row is a sum of exactly one product ``1 * W[i, d]``, so the
    result equals ``table[indices]`` bitwise (up to the sign of zero).
    """
    table = np.asarray(table)
    idx = np.asarray(indices)
    dim = table.shape[1]
    if idx.size == 0 or dim == 0:
        return np.zeros(idx.shape + (dim,), dtype=table.dtype)
    out = onehot(idx, table.shape[0], dtype=table.dtype) @ table
    return np.asarray(out).reshape(idx.shape + (dim,))


# ------------------------------------------------------------------- bags


def bag_layout(indices, offsets=None):
    """(flat int64 indices, offsets with B + 1 entries) of either bag form."""
    idx = np.asarray(indices)
    if offsets is None:
        b, l = idx.shape
        return idx.astype(np.int64).ravel(), np.arange(b + 1, dtype=np.int64) * l
    flat = idx.astype(np.int64).ravel()
    off = np.asarray(offsets).astype(np.int64)
    return flat, np.concatenate([off, [flat.size]]).astype(np.int64)


def normalize_padding(padding_idx, num_rows):
    """torch's convention: a negative padding_idx counts from the end."""
    if padding_idx is None:
        return None
    return padding_idx + num_rows if padding_idx < 0 else padding_idx


def bag_scales(indices, offsets, mode, per_sample_weights, padding_idx, num_rows):
    """Per-position weight of each entry in its bag's pooled sum (float64).

    sum: w; mean: w / sum(w); sqrtn: w / sqrt(sum(w**2)); padding entries
    get 0 and are not counted; a bag whose normaliser is 0 gets all zeros.
    Returns (flat indices, offsets (B + 1,), scale, bag of each position).
    """
    flat, off = bag_layout(indices, offsets)
    n = flat.size
    if per_sample_weights is None:
        w = np.ones(n, dtype=np.float64)
    else:
        w = np.asarray(per_sample_weights, dtype=np.float64).ravel().copy()
    pad = normalize_padding(padding_idx, num_rows)
    if pad is not None:
        w[flat == pad] = 0.0
    num_bags = off.size - 1
    bag_of = np.repeat(np.arange(num_bags), np.diff(off))
    scale = w.copy()
    if mode in ("mean", "sqrtn"):
        for b in range(num_bags):
            sl = slice(off[b], off[b + 1])
            if mode == "mean":
                norm = w[sl].sum()
            else:
                norm = np.sqrt((w[sl] ** 2).sum())
            scale[sl] = w[sl] / norm if norm != 0 else 0.0
    return flat, off, scale, bag_of


def bag_matrix(indices, offsets, mode, per_sample_weights, padding_idx, num_rows,
               absolute=False):
    """The (B, V) CSR matrix M with ``embedding_bag == M @ W`` (not for max).

    ``absolute=True`` gives the matrix of the entries' absolute values, |m_i|
    for each entry before repeats of an index in a bag are summed (scipy's
    ``abs(M)`` would sum them first, and cancelling weights would shrink the
    error bound)."""
    flat, off, scale, _ = bag_scales(
        indices, offsets, mode, per_sample_weights, padding_idx, num_rows
    )
    if absolute:
        scale = np.abs(scale)
    return sp.csr_matrix((scale, flat, off), shape=(off.size - 1, num_rows))


def embedding_bag_ref(table, indices, offsets=None, mode="sum",
                      per_sample_weights=None, padding_idx=None):
    """Reference pooled lookup in float64, plus an error bound per element.

    Returns (ref, bound): for sum/mean/sqrtn, ``bound = |M| @ |W|`` bounds the
    rounding error of any summation order (|got - ref| <= c * eps * bound);
    for max the result is exact and bound is zeros.
    """
    table = np.asarray(table)
    num_rows, dim = table.shape
    w64 = table.astype(np.float64)
    if mode == "max":
        flat, off = bag_layout(indices, offsets)
        pad = normalize_padding(padding_idx, num_rows)
        out = np.zeros((off.size - 1, dim), dtype=np.float64)
        for b in range(off.size - 1):
            ids = flat[off[b]:off[b + 1]]
            if pad is not None:
                ids = ids[ids != pad]
            if ids.size:
                out[b] = w64[ids].max(axis=0)
        return out, np.zeros_like(out)
    m = bag_matrix(indices, offsets, mode, per_sample_weights, padding_idx, num_rows)
    m_abs = bag_matrix(indices, offsets, mode, per_sample_weights, padding_idx, num_rows,
                       absolute=True)
    ref = np.asarray(m @ w64).reshape(-1, dim)
    bound = np.asarray(m_abs @ np.abs(w64)).reshape(-1, dim)
    return ref, bound


def embedding_bag_backward_ref(indices, offsets, grad, mode="sum",
                               per_sample_weights=None, padding_idx=None,
                               num_rows=None):
    """Dense (V, D) float64 gradient of embedding_bag two ways, plus a bound.

    Returns (via_matrix, via_add_at, bound): ``M.T @ grad``, the np.add.at of
    the scaled grad rows, and ``|M|.T @ |grad|``.
    """
    grad = np.asarray(grad, dtype=np.float64)
    flat, _ = bag_layout(indices, offsets)
    if num_rows is None:
        num_rows = int(flat.max()) + 1 if flat.size else 0
    flat, off, scale, bag_of = bag_scales(
        indices, offsets, mode, per_sample_weights, padding_idx, num_rows
    )
    m = sp.csr_matrix((scale, flat, off), shape=(off.size - 1, num_rows))
    dim = grad.shape[1]
    via_matrix = np.asarray(m.T @ grad).reshape(num_rows, dim)
    via_add_at = np.zeros((num_rows, dim))
    np.add.at(via_add_at, flat, grad[bag_of] * scale[:, None])
    m_abs = sp.csr_matrix((np.abs(scale), flat, off), shape=(off.size - 1, num_rows))
    bound = np.asarray(m_abs.T @ np.abs(grad)).reshape(num_rows, dim)
    return via_matrix, via_add_at, bound


def assert_within_bound(got, ref, bound, dtype, factor=64):
    """|got - ref| <= factor * eps(dtype) * (bound + |ref|) + tiny, elementwise."""
    got = np.asarray(got, dtype=np.float64)
    eps = np.finfo(dtype).eps
    tol = factor * eps * (np.asarray(bound) + np.abs(ref)) + np.finfo(dtype).tiny
    err = np.abs(got - ref)
    bad = ~(err <= tol)
    if bad.any():
        where = tuple(np.argwhere(bad)[0])
        raise AssertionError(
            f"{bad.sum()} of {bad.size} elements off; first at {where}: "
            f"got {got[where]!r}, ref {ref[where]!r}, tol {tol[where]!r}"
        )


# -------------------------------------------------------- sparse gradients


def accumulate_ref(indices, grad, num_rows=None):
    """(rows, values) by ``np.add.at`` in grad's dtype: the bitwise oracle."""
    grad = np.asarray(grad)
    flat = np.asarray(indices).astype(np.int64).ravel()
    dim = grad.shape[-1]
    g2 = grad.reshape(-1, dim)
    if num_rows is None:
        num_rows = int(flat.max()) + 1 if flat.size else 0
    dense = np.zeros((num_rows, dim), dtype=grad.dtype)
    np.add.at(dense, flat, g2)
    rows = np.unique(flat)
    return rows, dense[rows]


def accumulate_matrix_ref(indices, grad, num_rows):
    """Dense ``onehot.T @ G`` in float64."""
    grad = np.asarray(grad, dtype=np.float64)
    dim = grad.shape[-1]
    oh = onehot(indices, num_rows)
    return np.asarray(oh.T @ grad.reshape(-1, dim)).reshape(num_rows, dim)


def scatter_add_ref(table, indices, grad):
    """A copy of ``table`` after ``np.add.at(table, indices, grad)``."""
    out = np.array(table, copy=True)
    flat = np.asarray(indices).astype(np.int64).ravel()
    np.add.at(out, flat, np.asarray(grad).reshape(flat.size, out.shape[1]))
    return out


# ------------------------------------------------------------ optimizers
# Each takes copies of the state, updates the listed rows with docs/kernels.rst's
# formula in float64 and returns the new arrays (float64).


def adam_ref(table, m, v, rows, grads, step, learning_rate=0.001, beta_1=0.9,
             beta_2=0.999, epsilon=1e-7):
    w = np.array(table, dtype=np.float64)
    m = np.array(m, dtype=np.float64)
    v = np.array(v, dtype=np.float64)
    rows = np.asarray(rows).astype(np.int64)
    g = np.asarray(grads, dtype=np.float64)
    m[rows] = beta_1 * m[rows] + (1 - beta_1) * g
    v[rows] = beta_2 * v[rows] + (1 - beta_2) * g * g
    m_hat = m[rows] / (1 - beta_1 ** step)
    v_hat = v[rows] / (1 - beta_2 ** step)
    w[rows] -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return w, m, v


def adagrad_ref(table, accum, rows, grads, learning_rate=0.001, epsilon=1e-7):
    w = np.array(table, dtype=np.float64)
    acc = np.array(accum, dtype=np.float64)
    rows = np.asarray(rows).astype(np.int64)
    g = np.asarray(grads, dtype=np.float64)
    if acc.ndim == 1:  # row-wise: one accumulator a row, grows by mean(g*g)
        acc[rows] += (g * g).mean(axis=1) if g.shape[1] else 0.0
        w[rows] -= learning_rate * g / (np.sqrt(acc[rows])[:, None] + epsilon)
    else:
        acc[rows] += g * g
        w[rows] -= learning_rate * g / (np.sqrt(acc[rows]) + epsilon)
    return w, acc


def sgd_ref(table, rows, grads, learning_rate=0.01):
    w = np.array(table, dtype=np.float64)
    rows = np.asarray(rows).astype(np.int64)
    w[rows] -= learning_rate * np.asarray(grads, dtype=np.float64)
    return w


def update_rtol(dtype):
    """Relative tolerance of a float32 / float64 optimizer step vs float64."""
    return 2e-6 if np.dtype(dtype) == np.float32 else 1e-12


def assert_update_close(got, ref, dtype):
    """Compare an updated state with rtol on the element and on the array scale.

    The absolute part (rtol * max|ref|) covers results that cancel to near
    zero (w - lr * step with w ~ lr * step).
    """
    rtol = update_rtol(dtype)
    ref = np.asarray(ref)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    np.testing.assert_allclose(
        np.asarray(got, dtype=np.float64), ref, rtol=rtol, atol=rtol * max(scale, 1e-30)
    )


# ---------------------------------------------------------------- errors


def index_error_pattern(value, position, num_rows=None, noun="index"):
    """Regex for the message ``index 7 at position (1, 0) is out of range [0, 5)`` (docs/kernels.rst).

    ``position`` is a tuple. For one-dimensional inputs both ``(3,)`` (a
    Python tuple) and ``(3)`` are accepted; the docs show only the 2-D form.
    Without num_rows the range part is only required to start with ``[0,``.
    ``noun`` is a regex for the first word (the optimizers' ``rows`` may say
    "row"; the docs give the message as an example).
    """
    if len(position) == 1:
        pos = re.escape(f"({position[0]}") + r",?\)"
    else:
        pos = re.escape("(" + ", ".join(str(p) for p in position) + ")")
    rng = re.escape(f"[0, {num_rows})") if num_rows is not None else r"\[0, .*"
    return rf"{noun} {value} at position {pos} is out of range {rng}"


@contextlib.contextmanager
def numpy_unicode_alias():
    """keras_preprocessing's pad_sequences uses np.unicode_, which NumPy 2
    removed: the alias is restored only around the calls to Keras."""
    had = hasattr(np, "unicode_")
    if not had:
        np.unicode_ = np.str_
    try:
        yield
    finally:
        if not had:
            del np.unicode_


def keras_pad_sequences(*args, **kwargs):
    """keras_preprocessing 1.1.2's pad_sequences, the oracle of padding."""
    from keras_preprocessing.sequence import pad_sequences

    with numpy_unicode_alias():
        return pad_sequences(*args, **kwargs)


def fit_cembed_and_keras(kw, texts):
    """A cembed Tokenizer and a keras_preprocessing one made with the same
    options ``kw`` and fitted on the same texts."""
    import cembed
    from keras_preprocessing.text import Tokenizer

    ours, theirs = cembed.Tokenizer(**kw), Tokenizer(**kw)
    ours.fit_on_texts(texts)
    theirs.fit_on_texts(texts)
    return ours, theirs
