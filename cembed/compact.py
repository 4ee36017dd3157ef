"""Compact tables: an embedding table stored as float16, bfloat16, or
row-wise 8-bit or 4-bit codes, read by the lookups directly.

A 64-wide row takes 256 bytes in float32, 128 in float16 or bfloat16, 72 in
int8 and 36 in int4. The row-wise formats are FBGEMM's, so a table packed by
PyTorch (``torch.ops.quantized.embedding_bag_byte_prepack`` /
``embedding_bag_4bit_prepack``) is read as it is, and ours by PyTorch:

- ``"int8"``: each row holds D uint8 codes, then a float32 scale and a
  float32 bias; an element is ``code * scale + bias``. ``scale = range / 255``
  and codes round ``(x - min) * 255 / (range + 1e-8)`` to nearest, so an
  element is at most ``scale / 2`` from its value (plus float rounding).
- ``"int4"``: ``ceil(D / 2)`` bytes, two codes a byte (low nibble first),
  then a float16 scale and a float16 bias ``float16(min)``; ``scale =
  float16(range / 15)`` (1 for a constant row). The ``scale / 2`` bound holds
  for values in ``[bias, bias + 15 * scale]``; a row far from zero (like
  30000 plus small noise) loses more: use int8 or float16 there.
- ``"float16"``, ``"bfloat16"``: each value rounded to nearest even;
  ``data`` is a float16 array, or for bfloat16 a uint16 array holding the
  upper 16 bits of each float32.

``cembed.gather`` and ``cembed.embedding_bag`` take a :class:`CompactTable`
wherever they take a table, with every mode and option, and return float32,
the same bits for any number of threads and on every instruction-set path.
A gather, any float16/bfloat16 lookup and a max bag are bitwise the same
lookup on ``table.dequantize()``; an int8/int4 sum, mean or sqrtn adds
``code * scale`` per column in a fused multiply-add (one rounding) and the
biases apart (docs: compact tables), so
it is within float rounding of that lookup, not bitwise.
"""
import json
import numbers
import os

import numpy as np

from cembed import _compact
from cembed._files import atomic_replace

__all__ = ["CompactTable", "quantize", "load_compact"]

_DTYPES = tuple(_compact.KINDS)
_MAGIC = b"CEMBEDCT"
_HEADER_ALIGN = 64
_BLOCK_ROWS = 1 << 16  # rows dequantized at a time for whole-table scans


def _kind(dtype):
    if not isinstance(dtype, str):
        raise TypeError(f"dtype must be one of {_DTYPES}, got {type(dtype).__name__}")
    try:
        return _compact.KINDS[dtype]
    except KeyError:
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}") from None


def _packed_view(data):
    """The (V, row_bytes) uint8 view of packed data (never a copy)."""
    return data if data.dtype == np.uint8 else data.view(np.uint8)


class CompactTable:
    """An embedding table in compact rows (see :mod:`cembed.compact`).

    Made by :func:`quantize`, :meth:`from_packed` or :func:`load_compact`.
    Read-only: lookups dequantize rows as they read them and return float32.

    Attributes
    ----------
    shape : tuple (V, D)
    dtype : str, ``"float16"``, ``"bfloat16"``, ``"int8"`` or ``"int4"``
    nbytes : int, the bytes of the packed rows
    data : ndarray, the packed rows, never copied: ``(V, D)`` float16 or
        uint16 (bfloat16), ``(V, D + 8)`` uint8 (int8), ``(V, ceil(D/2) + 4)``
        uint8 (int4)

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.array([[0.0, 1.0, 2.0], [-1.0, -1.0, -1.0]], np.float32)
    >>> T = cembed.quantize(W, "int8")
    >>> T
    CompactTable(2 x 3, int8)
    >>> T.data.shape, T.nbytes
    ((2, 11), 22)
    >>> cembed.embedding_bag(T, [[0, 1]], mode="sum").round(2)
    array([[-1.,  0.,  1.]], dtype=float32)
    """

    __slots__ = ("_data", "_packed", "_kind", "_dtype", "_dim")
    ndim = 2

    def __init__(self, data, dtype, dim):
        # internal: data already checked; use quantize / from_packed
        self._data = data
        self._dtype = dtype
        self._kind = _compact.KINDS[dtype]
        self._dim = int(dim)
        self._packed = _packed_view(data)

    # ---------------------------------------------------------------- basics
    @property
    def shape(self):
        """``(V, D)``: rows and values per row.

        >>> import numpy as np, cembed
        >>> cembed.quantize(np.zeros((5, 3), np.float32), "int4").shape
        (5, 3)
        """
        return (int(self._data.shape[0]), self._dim)

    @property
    def dtype(self):
        """The compact format: ``"float16"``, ``"bfloat16"``, ``"int8"`` or ``"int4"``.

        >>> import numpy as np, cembed
        >>> cembed.quantize(np.zeros((5, 3), np.float32), "bfloat16").dtype
        'bfloat16'
        """
        return self._dtype

    @property
    def nbytes(self):
        """The bytes of the packed rows.

        >>> import numpy as np, cembed
        >>> [cembed.quantize(np.zeros((1, 64), np.float32), d).nbytes
        ...  for d in ("float16", "bfloat16", "int8", "int4")]
        [128, 128, 72, 36]
        """
        return int(self._packed.shape[0] * self._packed.shape[1])

    @property
    def data(self):
        """The packed rows themselves (not a copy).

        >>> import numpy as np, cembed
        >>> cembed.quantize(np.array([[1.0, -2.0]], np.float32), "float16").data
        array([[ 1., -2.]], dtype=float16)
        """
        return self._data

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return f"CompactTable({self.shape[0]} x {self._dim}, {self._dtype})"

    # ------------------------------------------------------------- reading
    def dequantize(self, rows=None):
        """The rows as float32: all of them ``(V, D)``, or ``rows`` (any
        integer array) ``rows.shape + (D,)``.

        Examples
        --------
        >>> import numpy as np, cembed
        >>> T = cembed.quantize(np.array([[1.5, -2.0]], np.float32), "bfloat16")
        >>> T.dequantize()
        array([[ 1.5, -2. ]], dtype=float32)
        """
        if rows is None:
            return _compact.dequantize(self._packed, self._kind, self._dim)
        return _compact.gather(self._packed, self._kind, self._dim, rows, None)

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("a CompactTable cannot be viewed as a float array without a copy")
        full = self.dequantize()
        return full if dtype is None else full.astype(dtype, copy=False)

    def __getitem__(self, key):
        """Rows as float32: an int gives one row ``(D,)``, a slice or an
        integer array gives rows (a slice is read block by block)."""
        if isinstance(key, slice):
            return self.dequantize(np.arange(self.shape[0])[key])
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            n = self.shape[0]
            if not -n <= key < n:
                raise IndexError(f"index {key} is out of range [0, {n})")
            return self.dequantize([key % n])[0]
        return self.dequantize(key)

    def __matmul__(self, other):
        """``dequantize() @ other``, a block of rows at a time (the table is
        never dequantized whole), in float32."""
        other = np.asarray(other, dtype=np.float32)
        n = self.shape[0]
        out = np.empty((n,) + other.shape[1:], dtype=np.float32)
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            out[start:stop] = self.dequantize(np.arange(start, stop)) @ other
        return out

    def row_norms(self):
        """The Euclidean norm of every dequantized row, float32 ``(V,)``,
        a block of rows at a time.

        >>> import numpy as np, cembed
        >>> cembed.quantize(np.array([[3.0, 4.0], [0, 1]], np.float32), "float16").row_norms()
        array([5., 1.], dtype=float32)
        """
        n = self.shape[0]
        out = np.empty(n, dtype=np.float32)
        for start in range(0, n, _BLOCK_ROWS):
            block = self.dequantize(np.arange(start, min(start + _BLOCK_ROWS, n)))
            out[start:start + len(block)] = np.sqrt(np.einsum("ij,ij->i", block, block))
        return out

    # the lookups of cembed.gather / cembed.embedding_bag on this table
    def _compact_gather(self, indices, out):
        return _compact.gather(self._packed, self._kind, self._dim, indices, out)

    def _compact_bag(self, indices, offsets, mode, per_sample_weights, padding_idx, out):
        return _compact.bag(self._packed, self._kind, self._dim, indices, offsets, mode,
                            per_sample_weights, padding_idx, out)

    # --------------------------------------------------------- construction
    @classmethod
    def from_packed(cls, data, dtype, dim=None):
        """Wrap packed rows (never copied; a ``np.memmap`` works).

        Parameters
        ----------
        data : ndarray
            float16 ``(V, D)`` for ``"float16"``; uint16 ``(V, D)`` for
            ``"bfloat16"``; uint8 ``(V, D + 8)`` for ``"int8"`` (PyTorch's
            ``embedding_bag_byte_prepack``); uint8 ``(V, ceil(D/2) + 4)``
            for ``"int4"`` (``embedding_bag_4bit_prepack``). Rows must be
            contiguous.
        dtype : str
        dim : int, optional
            D; needed only for an odd D in int4 (default: the most the
            row holds).

        Returns
        -------
        CompactTable

        Examples
        --------
        >>> import numpy as np, cembed
        >>> packed = cembed.quantize(np.ones((4, 6), np.float32), "int4").data
        >>> cembed.CompactTable.from_packed(packed, "int4").shape
        (4, 6)
        """
        kind = _kind(dtype)
        if not isinstance(data, np.ndarray):
            raise TypeError(f"data must be a NumPy array, got {type(data).__name__}")
        expected = {"float16": np.float16, "bfloat16": np.uint16}.get(dtype, np.uint8)
        if data.dtype != expected:
            raise TypeError(f"{dtype} data must be {np.dtype(expected).name}, got {data.dtype}")
        if data.ndim != 2:
            raise ValueError(f"data must be 2-D (rows, packed row), got shape {data.shape}")
        cols = data.shape[1]
        if dtype in ("float16", "bfloat16"):
            natural = cols
        elif dtype == "int8":
            natural = cols - 8
        else:
            natural = 2 * (cols - 4)
        if dim is None:
            dim = natural
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"dim must be an int, got {type(dim).__name__}")
        dim = int(dim)
        if dim < 0 or _compact.row_bytes(kind, dim) != cols * data.itemsize:
            raise ValueError(f"{dtype} rows of {dim} values take "
                             f"{max(_compact.row_bytes(kind, max(dim, 0)), 0)} bytes, "
                             f"but data's rows have {cols * data.itemsize}")
        item = data.itemsize
        if data.shape[0] and cols and ((cols > 1 and data.strides[1] != item)
                                       or (data.shape[0] > 1 and data.strides[0] % item)
                                       or not data.flags.aligned):
            raise ValueError(f"data's rows are not contiguous (strides {data.strides}); "
                             "cembed never copies a table: pass np.ascontiguousarray(data)")
        return cls(data, dtype, dim)

    # ------------------------------------------------------------ save/load
    def save(self, path):
        """Write the table to one file, atomically (a crash mid-save leaves
        the previous file intact); :func:`load_compact` reads it back,
        memory-mapped.

        Examples
        --------
        >>> import os, tempfile, numpy as np, cembed
        >>> T = cembed.quantize(np.eye(3, dtype=np.float32), "int4")
        >>> path = os.path.join(tempfile.mkdtemp(), "table.cet")
        >>> T.save(path)
        >>> again = cembed.load_compact(path)
        >>> again, bool((again.data == T.data).all())
        (CompactTable(3 x 3, int4), True)
        """
        header = json.dumps({"format": 1, "dtype": self._dtype, "shape": list(self.shape),
                             "row_bytes": int(self._packed.shape[1])}).encode()
        head = _MAGIC + len(header).to_bytes(4, "little") + header
        head += b"\n" * (-len(head) % _HEADER_ALIGN)
        with atomic_replace(path) as tmp:
            with open(tmp, "wb") as f:
                f.write(head)
                for start in range(0, self.shape[0], _BLOCK_ROWS):
                    f.write(np.ascontiguousarray(self._packed[start:start + _BLOCK_ROWS]).data)


def load_compact(path, mmap=True):
    """Read a table written by :meth:`CompactTable.save`.

    With ``mmap=True`` (the default) the rows stay on disk and are paged in
    as lookups touch them (read-only), so a table larger than memory can be
    served; ``mmap=False`` reads them into memory.

    Examples
    --------
    >>> import os, tempfile, numpy as np, cembed
    >>> path = os.path.join(tempfile.mkdtemp(), "t.cet")
    >>> cembed.quantize(np.ones((2, 4), np.float32), "float16").save(path)
    >>> cembed.gather(cembed.load_compact(path), [1, 1])
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    """
    with open(path, "rb") as f:
        magic = f.read(len(_MAGIC))
        if magic != _MAGIC:
            raise ValueError(f"{os.fsdecode(path)} is not a cembed compact table file")
        size = int.from_bytes(f.read(4), "little")
        try:
            meta = json.loads(f.read(size))
            dtype, (rows, dim), row_bytes = meta["dtype"], meta["shape"], meta["row_bytes"]
            kind = _compact.KINDS[dtype]
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{os.fsdecode(path)}: malformed compact table header") from None
        if meta.get("format") != 1 or _compact.row_bytes(kind, dim) != row_bytes or rows < 0:
            raise ValueError(f"{os.fsdecode(path)}: malformed compact table header")
        offset = len(_MAGIC) + 4 + size
        offset += -offset % _HEADER_ALIGN
        f.seek(0, os.SEEK_END)
        if f.tell() != offset + rows * row_bytes:
            raise ValueError(f"{os.fsdecode(path)} is truncated or has extra bytes: expected "
                             f"{offset + rows * row_bytes} bytes, found {f.tell()}")
        if mmap and rows * row_bytes > 0:
            packed = np.memmap(path, dtype=np.uint8, mode="r", offset=offset,
                               shape=(rows, row_bytes))
        else:
            f.seek(offset)
            packed = np.fromfile(f, dtype=np.uint8, count=rows * row_bytes)
            packed = packed.reshape(rows, row_bytes)
    view = {"float16": np.float16, "bfloat16": np.uint16}.get(dtype, np.uint8)
    return CompactTable(packed.view(view), dtype, dim)


def _row_error(table, dtype, row):
    """The ValueError for a row that cannot be packed in dtype."""
    with np.errstate(over="ignore"):
        x = np.asarray(table[row]).astype(np.float32)
    if not np.isfinite(x).all():
        return ValueError(f"table row {row} has inf or NaN values (or values beyond "
                          f"float32's range): they cannot be quantized")
    limit = {"float16": "float16's range (about +-65504)",
             "bfloat16": "bfloat16's range (about +-3.39e38)",
             "int8": "a range (max - min) that float32 can hold",
             "int4": "float16's range for its scale and bias (int4 stores them as float16)"}
    hint = "" if dtype == "bfloat16" else "; use 'bfloat16'" if dtype == "float16" else \
        "; use 'int8' or 'bfloat16'" if dtype == "int4" else "; use 'bfloat16'"
    return ValueError(f"table row {row} has values beyond {limit[dtype]}{hint}")


def quantize(table, dtype):
    """Pack a float32 or float64 table in compact rows: a :class:`CompactTable`.

    Parameters
    ----------
    table : ndarray (V, D), float32 or float64, rows contiguous
        (a float64 table is rounded to float32 first; float16 and bfloat16
        round each float64 once, to nearest even)
    dtype : {"float16", "bfloat16", "int8", "int4"}

    Returns
    -------
    CompactTable

    Raises
    ------
    ValueError
        naming the first row with inf or NaN, or whose values the format
        cannot hold (beyond float16's range in float16, and for int4's
        float16 scale and bias); nothing is returned then.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    >>> T = cembed.quantize(W, "int4")
    >>> T.nbytes, W.nbytes
    (12, 32)
    >>> float(np.abs(T.dequantize() - W).max()) < 0.03
    True
    """
    kind = _kind(dtype)
    packed, bad = _compact.quantize(table, kind)
    if packed is None:
        raise _row_error(table, dtype, bad)
    view = {"float16": np.float16, "bfloat16": np.uint16}.get(dtype, np.uint8)
    return CompactTable(packed.view(view), dtype, np.shape(table)[1])


# ------------------------------------------------ compact layers and vectors

def quantize_embedding(emb, dtype):
    """The body of ``Embedding.quantize``: a frozen layer over a compact table."""
    table = quantize(emb.embeddings, dtype)
    layer = type(emb).__new__(type(emb))
    layer.__dict__.update(emb.__dict__)
    layer.embeddings = table
    layer.dtype = np.dtype(np.float32)
    layer.trainable = False
    layer.optimizer = None
    return layer


def quantize_vectors(vectors, dtype):
    """The body of ``Vectors.quantize``: the same words over a compact table."""
    table = quantize(vectors.matrix, dtype)
    out = type(vectors)._from_parts(vectors.words, vectors.index, table)
    out._norms = table.row_norms()
    return out
