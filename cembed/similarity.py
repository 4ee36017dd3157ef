"""Cosine nearest neighbours in a table: one home for every ``most_similar``.

``Embedding.most_similar`` and ``Vectors.most_similar`` both rank rows
here, with one set of rules:

- the cosine of row ``i`` is ``(W[i] @ u) / |W[i]|`` with ``u = q / |q|``
  computed in float64 and cast to the table's dtype (gensim's
  ``KeyedVectors`` arithmetic), so a float32 table gives float32 cosines;
- a row of norm zero has cosine 0; a row holding NaN ranks last;
- best first, ties broken by the lower row number (also at the cut);
- a query of norm zero (or not finite) has no direction: ``ValueError``
  (unless the result is empty anyway: ``topn=0``, or no row to rank);
- ``topn`` is an int >= 0 (``TypeError`` / ``ValueError`` otherwise) or None
  for every row; an excluded row (the query's own, for an index or word
  query) is left out of the result.

The table is scanned in blocks of rows, so a memory-mapped table larger than
RAM needs only a ``(V,)`` array of cosines. A "table" is an ndarray, or any
object with ``shape`` whose slices ``table[a:b]`` are float arrays (a
compact table, say): the cosines are computed in the dtype of those slices.

>>> import numpy as np
>>> from cembed import similarity
>>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
>>> rows, cosines = similarity.most_similar(W, W[0], topn=2, exclude=0)
>>> rows.tolist(), [round(c, 4) for c in cosines.tolist()]
([2, 1], [0.7071, 0.0])
"""
import numpy as np

from cembed._validation import check_int

__all__ = ["most_similar", "row_norms", "row_blocks", "check_query"]

# Rows per block when a table is scanned, so a memmap larger than RAM never
# needs a (V, D)-sized temporary.
_SCAN_ROWS = 1 << 16


def _row_dtype(table):
    """The dtype the table's rows come in: its own for an ndarray; float32
    for a table that stores rows another way and hands out float blocks
    (a compact table)."""
    return table[:0].dtype


def row_blocks(table, rows=None):
    """The table's rows, ``rows`` at a time (views, not copies).

    >>> import numpy as np
    >>> from cembed.similarity import row_blocks
    >>> [b.shape for b in row_blocks(np.zeros((5, 2)), rows=2)]
    [(2, 2), (2, 2), (1, 2)]
    """
    rows = _SCAN_ROWS if rows is None else rows
    for start in range(0, table.shape[0], rows):
        yield table[start:start + rows]


def row_norms(table):
    """The L2 norm of each row, in the table's dtype.

    ``sqrt(einsum("ij,ij->i"))`` block by block: no ``(V, D)`` temporary.

    >>> import numpy as np
    >>> from cembed.similarity import row_norms
    >>> row_norms(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([5., 0.])
    """
    norms = np.empty(table.shape[0], _row_dtype(table))
    start = 0
    for block in row_blocks(table):
        np.einsum("ij,ij->i", block, block, out=norms[start:start + len(block)])
        start += len(block)
    return np.sqrt(norms, out=norms)


def check_query(query, dim, what="query"):
    """``query`` as a float64 vector of shape ``(dim,)``.

    Parameters
    ----------
    query : array_like
    dim : int
        The table's ``D``.
    what : str, default "query"
        The argument's name in error messages.

    Returns
    -------
    ndarray of float64, shape (dim,)

    Raises
    ------
    TypeError
        Values that are not numbers.
    ValueError
        A shape other than ``(dim,)``.

    Examples
    --------
    >>> from cembed.similarity import check_query
    >>> check_query([1, 2], 2)
    array([1., 2.])
    >>> check_query([1, 2], 3)
    Traceback (most recent call last):
    ...
    ValueError: query must be a vector of shape (3,), got shape (2,)
    """
    vector = np.asarray(query)
    if vector.dtype.kind not in "iuf":
        raise TypeError(f"{what} must be a numeric vector, got dtype {vector.dtype}")
    if vector.shape != (dim,):
        raise ValueError(f"{what} must be a vector of shape ({dim},), got shape {vector.shape}")
    return vector.astype(np.float64)


def most_similar(table, query, topn=10, exclude=None, norms=None):
    """The rows of ``table`` nearest ``query`` by cosine, best first.

    Parameters
    ----------
    table : ndarray of shape (V, D), float32 or float64
        The rows to rank (a memory map works: it is scanned block by block).
    query : array_like of shape (D,)
        The query vector (any real dtype).
    topn : int >= 0 or None, default 10
        How many rows to return; None ranks every row.
    exclude : int or None
        A row left out of the result (the query's own row for an index or
        word query).
    norms : ndarray of shape (V,), optional
        The table's :func:`row_norms`, when the caller keeps them.

    Returns
    -------
    rows : ndarray of int64
        At most ``topn`` row numbers, best first, ties to the lower row.
    cosines : ndarray
        Their cosines, in the table's dtype; 0 for a row of norm zero, NaN
        (ranked last) for a row holding NaN.

    Raises
    ------
    ValueError
        When the query's norm is zero or not finite (unless the result is
        empty anyway), when its shape is not ``(D,)``, or ``topn < 0``.
    TypeError
        When ``topn`` is not an int or None, or the query not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from cembed.similarity import most_similar
    >>> rows, cosines = most_similar(np.eye(3, dtype=np.float32), [1, 1, 0], topn=2)
    >>> rows.tolist(), [round(c, 4) for c in cosines.tolist()]
    ([0, 1], [0.7071, 0.7071])
    >>> most_similar(np.eye(3), [0.0, 0.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: the query vector is zero (or not finite): it has no cosine neighbours
    """
    topn = check_int("topn", topn, minimum=0, allow_none=True)
    query = check_query(query, table.shape[1])
    n = table.shape[0]
    dtype = _row_dtype(table)
    k = n - (exclude is not None) if topn is None else min(topn, n - (exclude is not None))
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, dtype)
    query_norm = float(np.linalg.norm(query))
    if not np.isfinite(query_norm) or query_norm == 0:
        raise ValueError("the query vector is zero (or not finite): it has no cosine neighbours")
    unit = (query / query_norm).astype(dtype)
    sims = np.empty(n, dtype)
    start = 0
    for block in row_blocks(table):
        np.matmul(block, unit, out=sims[start:start + len(block)])
        start += len(block)
    if norms is None:
        norms = row_norms(table)
    np.divide(sims, norms, out=sims, where=norms > 0)
    sims[norms == 0] = 0
    # rank by -cosine, NaN last; a partial sort, then ties by row
    neg = -sims
    neg[np.isnan(neg)] = np.inf
    kk = k + (exclude is not None)
    if kk < n:
        threshold = neg[np.argpartition(neg, kk - 1)[kk - 1]]
        better = np.flatnonzero(neg < threshold)
        ties = np.flatnonzero(neg == threshold)[: kk - better.size]
        candidates = np.concatenate([better, ties])
    else:
        candidates = np.arange(n)
    candidates = candidates[np.lexsort((candidates, neg[candidates]))]
    if exclude is not None:
        candidates = candidates[candidates != exclude]
    candidates = candidates[:k].astype(np.int64)
    return candidates, sims[candidates]
