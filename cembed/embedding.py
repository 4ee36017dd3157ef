"""The Keras/Lasagne embedding layer on cembed's kernels.

``Embedding`` owns a ``(input_dim, output_dim)`` table and runs lookups,
pooled lookups and their sparse gradients through the C kernels; the
optimizers in :mod:`cembed.optimizers` update the rows a gradient touches
(through ``Embedding.apply_gradients`` and ``Optimizer.update``, the public
protocol between the two). The initial draw is in
:mod:`cembed.initializers`, the constraints and the L2 penalty in
:mod:`cembed.constraints` and :mod:`cembed.regularizers`, the cosine search
in :mod:`cembed.similarity`; the layer and its save / load are here. Checks
and shapes live here; the arithmetic is in ``cembed._core``.
"""
import json
import os
import zipfile
from typing import NamedTuple

import numpy as np

from cembed import _core, constraints, initializers, optimizers, regularizers, similarity
from cembed._files import atomic_replace
from cembed._validation import check_index_range, check_int, check_rows_contiguous, is_int
from cembed.constraints import MaxNorm, NonNeg, UnitNorm

__all__ = ["Embedding", "SparseGrad", "MaxNorm", "UnitNorm", "NonNeg"]

_FORMAT = "cembed.Embedding"
_FORMAT_VERSION = 1


class SparseGrad(NamedTuple):
    """The gradient of a lookup with respect to the table, kept sparse.

    ``rows`` are int64 sorted unique row numbers, ``values`` a ``(K, D)``
    array: the summed gradient of each listed row. Every other row's
    gradient is zero. Unpacks as ``rows, values = grad``.

    >>> import numpy as np, cembed
    >>> g = cembed.SparseGrad(np.array([0, 2]), np.ones((2, 3), np.float32))
    >>> g.to_dense(4)[:, 0]
    array([1., 0., 1., 0.], dtype=float32)
    """

    rows: np.ndarray
    values: np.ndarray

    def to_dense(self, num_rows):
        """The ``(num_rows, D)`` dense gradient (zeros outside ``rows``).

        >>> import numpy as np, cembed
        >>> cembed.SparseGrad(np.array([1]), np.array([[2.0]])).to_dense(3).ravel()
        array([0., 2., 0.])
        """
        values = np.asarray(self.values)
        dense = np.zeros((int(num_rows), values.shape[-1]), dtype=values.dtype)
        dense[np.asarray(self.rows, dtype=np.int64)] = values
        return dense


# ---------------------------------------------------------------- helpers


def _table_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _as_indices(indices):
    array = np.asarray(indices)
    if array.size == 0 and array.dtype.kind not in "iu":
        return array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {array.dtype}")
    return array


def _as_grad(name, grad, dtype):
    array = np.asarray(grad)
    if array.dtype.kind != "f" and not (array.size == 0 and array.dtype.kind in "iu"):
        raise TypeError(f"{name} must be a float array, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=dtype)


# ---------------------------------------------------------------- the layer


class _Auto:
    def __repr__(self):
        return "'auto'"


_AUTO = _Auto()


class Embedding:
    """Turns indices into dense vectors: ``E(x) = onehot(x) @ W``, as Keras' layer.

    The table is ``emb.embeddings``, an ``(input_dim, output_dim)`` ndarray
    shared with the caller (never copied behind your back).

    Parameters follow ``keras.layers.Embedding``: ``embeddings_initializer``
    is ``"uniform"`` (U(-0.05, 0.05)), ``"normal"`` (N(0, 0.05²)),
    ``"zeros"``, ``"ones"``, ``"glorot_uniform"``, a callable
    ``f(shape, rng)`` returning an array, or an array; ``weights=[W]`` sets
    the table; ``seed`` makes the draw reproducible.
    ``embeddings_regularizer`` is ``"l2"`` (0.01), a float factor or
    ``{"l2": factor}``; it adds ``2 * l2 * w`` to the gradient of the rows a
    step touches. ``embeddings_constraint`` is ``"max_norm"``,
    ``"unit_norm"``, ``"non_neg"`` (or ``MaxNorm(v)``...), or a callable
    mapping a ``(K, D)`` block of rows to new rows; it is applied, row by row,
    to the rows a step touches, after the update. ``mask_zero`` makes index 0
    padding (``compute_mask``, and the default ``padding_idx`` of ``bag``).
    ``input_length``, when given, must equal the last axis of every input.
    ``trainable=False`` freezes the table: optimizer steps leave it unchanged.

    >>> import numpy as np, cembed
    >>> emb = cembed.Embedding(3, 5, weights=[np.arange(15).reshape(3, 5)])
    >>> emb([[0, 2]])
    array([[[ 0.,  1.,  2.,  3.,  4.],
            [10., 11., 12., 13., 14.]]], dtype=float32)
    >>> emb.embeddings.shape, emb.embeddings.dtype
    ((3, 5), dtype('float32'))
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        input_length=None,
        dtype="float32",
        seed=None,
        trainable=True,
    ):
        self._configure(
            input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
            embeddings_constraint, mask_zero, input_length, dtype, seed, trainable,
        )
        shape = (self.input_dim, self.output_dim)
        if weights is not None:
            if not isinstance(weights, (list, tuple)) or len(weights) != 1:
                raise ValueError("weights must be a list holding one array, [W]")
            # Validate before allocating, so a wrong W costs nothing.
            values = np.asarray(weights[0])
            self._check_weight(values)
            self.embeddings = np.empty(shape, self.dtype)
            self.embeddings[...] = values
        else:
            rng = np.random.default_rng(self.seed)
            self.embeddings = initializers.initial_table(
                embeddings_initializer, shape, self.dtype, rng, what="embeddings_initializer")

    def _configure(self, input_dim, output_dim, initializer, regularizer, constraint,
                   mask_zero, input_length, dtype, seed, trainable):
        self.input_dim = check_int("input_dim", input_dim, minimum=1)
        self.output_dim = check_int("output_dim", output_dim, minimum=1)
        self.dtype = _table_dtype(dtype)
        self.input_length = check_int("input_length", input_length, minimum=1, allow_none=True)
        self.mask_zero = bool(mask_zero)
        self.trainable = bool(trainable)
        self.seed = check_int("seed", seed, allow_none=True)
        self.embeddings_initializer = initializer
        self.embeddings_regularizer = regularizer
        self.embeddings_constraint = constraints.get(constraint)
        self._regularizer = regularizers.get(regularizer)
        self.optimizer = None

    # ------------------------------------------------------------- construction

    @classmethod
    def from_pretrained(cls, matrix, freeze=False, **kwargs):
        """A layer whose table IS ``matrix`` (shared, not copied), as torch's.

        ``matrix`` must be a 2-D float32/float64 ndarray with contiguous rows
        (a ``np.memmap`` works). ``freeze=True`` makes the layer
        non-trainable: optimizer steps leave it unchanged. Other keyword
        arguments (``mask_zero``, ``input_length``, ``embeddings_regularizer``,
        ``embeddings_constraint``) are passed on.

        >>> import numpy as np, cembed
        >>> W = np.eye(3, dtype=np.float32)
        >>> emb = cembed.Embedding.from_pretrained(W, freeze=True)
        >>> emb.embeddings is W, emb.trainable
        (True, False)
        """
        if "trainable" in kwargs:
            raise TypeError("from_pretrained() takes freeze=, not trainable=")
        for bad in ("input_dim", "output_dim", "weights", "embeddings_initializer", "dtype"):
            if bad in kwargs:
                raise TypeError(f"from_pretrained() takes its {bad} from matrix; do not pass {bad}")
        if not isinstance(matrix, np.ndarray):
            raise TypeError(
                f"matrix must be a NumPy array, got {type(matrix).__name__}; "
                "use Embedding(V, D, weights=[matrix]) to copy other data"
            )
        if matrix.dtype not in (np.float32, np.float64):
            raise TypeError(
                f"matrix must be float32 or float64, got {matrix.dtype}; "
                "use matrix.astype(np.float32) or Embedding(V, D, weights=[matrix])"
            )
        if matrix.ndim != 2:
            raise ValueError(f"matrix must be 2-D (V, D), got shape {matrix.shape}")
        check_rows_contiguous("matrix", matrix)
        self = cls.__new__(cls)
        self._configure(
            matrix.shape[0], matrix.shape[1], "pretrained",
            kwargs.pop("embeddings_regularizer", None), kwargs.pop("embeddings_constraint", None),
            kwargs.pop("mask_zero", False), kwargs.pop("input_length", None), matrix.dtype,
            kwargs.pop("seed", None), not freeze,
        )
        if kwargs:
            raise TypeError(f"from_pretrained() got unexpected arguments {sorted(kwargs)}")
        self.embeddings = matrix
        return self

    def get_config(self):
        """The layer's arguments as JSON-able values (Keras' ``get_config``).

        >>> import cembed
        >>> cembed.Embedding(4, 2, mask_zero=True).get_config()["mask_zero"]
        True
        """
        init = self.embeddings_initializer
        return {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(init),
            "embeddings_regularizer": self._regularizer and self._regularizer.get_config(),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        """A new layer (fresh weights) from ``get_config()``'s dict, as Keras.

        >>> import cembed
        >>> emb = cembed.Embedding(4, 2, embeddings_constraint="unit_norm", seed=3)
        >>> again = cembed.Embedding.from_config(emb.get_config())
        >>> bool((again.embeddings == emb.embeddings).all()), again.get_config() == emb.get_config()
        (True, True)
        """
        return cls(**config)

    def __repr__(self):
        extra = "".join(
            f", {k}={v!r}" for k, v in (
                ("mask_zero", self.mask_zero), ("input_length", self.input_length),
                ("trainable", self.trainable),
            ) if v != {"mask_zero": False, "input_length": None, "trainable": True}[k]
        )
        return f"Embedding({self.input_dim}, {self.output_dim}, dtype={self.dtype.name}{extra})"

    # ------------------------------------------------------------- forward

    def _check_input_length(self, indices):
        if self.input_length is not None and (
            indices.ndim == 0 or indices.shape[-1] != self.input_length
        ):
            raise ValueError(
                f"input_length is {self.input_length} but the input has shape {indices.shape}; "
                "its last axis must have that length"
            )

    def __call__(self, indices, out=None):
        """``W[indices]``: shape ``indices.shape + (output_dim,)``.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(4, 2, embeddings_initializer="ones")
        >>> emb(np.array([[1, 3]], np.uint8)).shape
        (1, 2, 2)
        """
        indices = _as_indices(indices)
        self._check_input_length(indices)
        return _core.gather(self.embeddings, indices, out=out)

    def compute_mask(self, indices, mask=None):
        """``indices != 0`` when ``mask_zero``, else ``None`` (Keras).

        >>> import cembed
        >>> cembed.Embedding(4, 2, mask_zero=True).compute_mask([[0, 3]])
        array([[False,  True]])
        """
        if not self.mask_zero:
            return None
        return _as_indices(indices) != 0

    def _padding(self, padding_idx):
        if padding_idx is _AUTO:
            return 0 if self.mask_zero else None
        return padding_idx

    def bag(self, indices, offsets=None, mode="sum", per_sample_weights=None,
            padding_idx=_AUTO, out=None):
        """Pooled lookup, ``embedding_bag`` on this table: shape ``(B, D)``.

        2-D ``indices (B, L)`` is one bag per row; 1-D ``indices`` with
        ``offsets (B,)`` makes bag b ``indices[offsets[b]:offsets[b+1]]``.
        ``mode`` is ``"sum"``, ``"mean"``, ``"sqrtn"`` or ``"max"``.
        ``padding_idx`` defaults to 0 when ``mask_zero`` (Keras' masked
        pooling skips padding), else to no padding.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(3, 2, weights=[[[0, 0], [1, 2], [3, 4]]], mask_zero=True)
        >>> emb.bag([[1, 2, 0]], mode="mean")
        array([[2., 3.]], dtype=float32)
        """
        indices = _as_indices(indices)
        if offsets is None:
            self._check_input_length(indices)
        return _core.embedding_bag(
            self.embeddings, indices, offsets=offsets, mode=mode,
            per_sample_weights=per_sample_weights, padding_idx=self._padding(padding_idx), out=out,
        )

    # ------------------------------------------------------------- backward

    def backward(self, indices, grad_output):
        """The sparse gradient of ``emb(indices)``: ``SparseGrad(rows, values)``.

        ``grad_output`` has shape ``indices.shape + (output_dim,)``; each
        row's values are the sum of its ``grad_output`` rows, in order of
        occurrence (bitwise ``np.add.at``), in the table's dtype.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(5, 2)
        >>> g = emb.backward([3, 1, 3], np.ones((3, 2), np.float32))
        >>> g.rows, g.values
        (array([1, 3]), array([[1., 1.],
               [2., 2.]], dtype=float32))
        """
        indices = _as_indices(indices)
        self._check_input_length(indices)
        grad = _as_grad("grad_output", grad_output, self.dtype)
        expected = indices.shape + (self.output_dim,)
        if grad.shape != expected:
            raise ValueError(f"grad_output has shape {grad.shape}, expected {expected}")
        rows, values = _core.accumulate(indices, grad, num_rows=self.input_dim)
        return SparseGrad(rows, values)

    def bag_backward(self, indices, grad_output, offsets=None, mode="sum",
                     per_sample_weights=None, padding_idx=_AUTO):
        """The sparse gradient of ``emb.bag(...)`` for mode sum, mean or sqrtn.

        ``grad_output`` has shape ``(B, output_dim)``, one row per bag.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(4, 1)
        >>> emb.bag_backward([[1, 2], [2, 2]], np.ones((2, 1), np.float32), mode="mean")
        SparseGrad(rows=array([1, 2]), values=array([[0.5],
               [1.5]], dtype=float32))
        """
        indices = _as_indices(indices)
        if offsets is None:
            self._check_input_length(indices)
        grad = _as_grad("grad_output", grad_output, self.dtype)
        if grad.ndim != 2 or grad.shape[1] != self.output_dim:
            raise ValueError(
                f"grad_output has shape {grad.shape}, expected (num_bags, {self.output_dim})"
            )
        rows, values = _core.embedding_bag_backward(
            indices, offsets, grad, mode=mode, per_sample_weights=per_sample_weights,
            padding_idx=self._padding(padding_idx), num_rows=self.input_dim,
        )
        return SparseGrad(rows, values)

    def train_step(self, indices, grad_output, optimizer):
        """``self.apply_gradients(self.backward(indices, grad_output), optimizer)`` in one call.

        The gradient is coalesced once and applied without re-checking its
        order.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(4, 2, embeddings_initializer="zeros")
        >>> emb.train_step([1, 1], np.ones((2, 2), np.float32), cembed.optimizers.SGD(0.5))
        >>> emb.embeddings[1]
        array([-1., -1.], dtype=float32)
        """
        rows, values = self.backward(indices, grad_output)
        self._apply_coalesced(rows, values, optimizer)

    # ------------------------------------------------------------- the optimizer protocol

    def apply_gradients(self, grad, optimizer):
        """Update the table with ``optimizer`` for the sparse gradient ``grad``.

        The layer's side of the layer-optimizer protocol: the layer checks
        and coalesces ``grad``, adds the regularizer's gradient to the listed
        rows, hands ``(rows, values)`` to ``optimizer.update(self, rows,
        values)``, applies the constraint to those rows, and remembers the
        optimizer as ``self.optimizer`` (what ``save`` stores).
        ``optimizer.step(layer, grad)`` is the same call. A frozen layer
        (``trainable=False``) is left unchanged and the optimizer's state is
        not advanced.

        Parameters
        ----------
        grad : SparseGrad or (rows, values)
            ``rows`` integers in any order, repeats summed (as TensorFlow
            does with ``IndexedSlices``); ``values`` floats of shape
            ``(len(rows), output_dim)``.
        optimizer : cembed.optimizers.Optimizer
            Anything with ``update(layer, rows, values)``.

        Raises
        ------
        TypeError, ValueError, IndexError
            For a bad ``grad``, before anything changes.

        Examples
        --------
        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(3, 2, embeddings_initializer="zeros")
        >>> emb.apply_gradients(([2, 2], np.ones((2, 2))), cembed.optimizers.SGD(0.1))
        >>> emb.embeddings[2]
        array([-0.2, -0.2], dtype=float32)
        """
        rows = np.asarray(grad[0]) if _is_pair(grad) else None
        if rows is None:
            raise TypeError(
                f"grad must be a SparseGrad or a (rows, values) pair, got {type(grad).__name__}"
            )
        if rows.size == 0 and rows.dtype.kind not in "iu":
            rows = rows.astype(np.int64)
        if rows.dtype.kind not in "iu":
            raise TypeError(f"grad rows must be integers, got dtype {rows.dtype}")
        if rows.ndim != 1:
            raise ValueError(f"grad rows must be 1-D, got shape {rows.shape}")
        values = np.asarray(grad[1])
        if values.dtype.kind != "f" and values.size:
            raise TypeError(f"grad values must be floats, got dtype {values.dtype}")
        expected = (rows.shape[0], self.output_dim)
        if values.shape != expected:
            raise ValueError(f"grad values have shape {values.shape}, expected {expected}")
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if rows.shape[0] > 1 and not np.all(rows[1:] > rows[:-1]):
            rows, values = _core.accumulate(rows, values, num_rows=self.input_dim)
        self._apply_coalesced(rows, values, optimizer)

    def _apply_coalesced(self, rows, values, optimizer):
        """``apply_gradients`` once ``rows`` are strictly increasing and
        ``values`` a contiguous ``(K, D)`` array in the table's dtype."""
        table = self.embeddings
        if not self.trainable:
            if len(rows):
                check_index_range(rows, self.input_dim)
            return
        if self._regularizer is not None and len(rows):
            # gather checks the range before anything is written
            values = values + self._regularizer.gradient(_core.gather(table, rows))
        optimizer.update(self, rows, values)
        self.optimizer = optimizer
        constraint = self.embeddings_constraint
        if constraint is not None and len(rows):
            block = _core.gather(table, rows)
            new = np.asarray(constraint(block))
            if new.shape != block.shape:
                raise ValueError(
                    f"the constraint returned shape {new.shape} for rows of shape {block.shape}"
                )
            table[rows] = new

    # ------------------------------------------------------------- weights

    def _check_weight(self, values):
        if values.dtype.kind not in "biuf":
            raise TypeError(f"weights must be numeric, got dtype {values.dtype}")
        expected = (self.input_dim, self.output_dim)
        if values.shape != expected:
            raise ValueError(f"weight has shape {values.shape}, expected {expected}")

    def get_weights(self):
        """``[copy of W]`` (Keras).

        >>> import cembed
        >>> emb = cembed.Embedding(4, 2)
        >>> w = emb.get_weights()[0]; w is emb.embeddings, bool((w == emb.embeddings).all())
        (False, True)
        """
        return [np.array(self.embeddings, copy=True)]

    def set_weights(self, weights):
        """Copy ``weights[0]`` into the table in place (shape checked).

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(2, 2)
        >>> emb.set_weights([np.eye(2)]); emb.embeddings
        array([[1., 0.],
               [0., 1.]], dtype=float32)
        """
        if not isinstance(weights, (list, tuple)) or len(weights) != 1:
            raise ValueError("weights must be a list holding one array, [W]")
        values = np.asarray(weights[0])
        self._check_weight(values)
        if not self.embeddings.flags.writeable:
            raise ValueError("the table is read-only; cannot set weights")
        self.embeddings[...] = values

    def regularization_loss(self):
        """The L2 penalty ``l2 * sum(W**2)`` over the whole table (0.0 without).

        >>> import cembed
        >>> cembed.Embedding(2, 2, embeddings_initializer="ones",
        ...                  embeddings_regularizer=0.5).regularization_loss()
        2.0
        """
        if self._regularizer is None:
            return 0.0
        return self._regularizer(self.embeddings)

    # ------------------------------------------------------------- similarity

    def most_similar(self, index_or_vector, topn=10):
        """The ``topn`` rows with the highest cosine similarity, best first.

        Returns a list of ``(index, cosine)`` pairs. An index query leaves
        itself out (as gensim); a vector query of shape ``(output_dim,)``
        does not. Ties are broken by the lower index; rows of norm zero have
        cosine 0; a query of norm zero raises ``ValueError``. ``topn=None``
        ranks every row. The rules are those of :mod:`cembed.similarity`,
        shared with ``Vectors.most_similar``.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(3, 2, weights=[[[1, 0], [0, 1], [1, 1]]])
        >>> [(i, round(c, 4)) for i, c in emb.most_similar(0)]
        [(2, 0.7071), (1, 0.0)]
        """
        exclude = None
        if is_int(index_or_vector):
            exclude = int(index_or_vector)
            if not 0 <= exclude < self.input_dim:
                raise IndexError(f"index {exclude} is out of range [0, {self.input_dim})")
            query = self.embeddings[exclude]
        else:
            query = similarity.check_query(index_or_vector, self.output_dim, "query")
        rows, cosines = similarity.most_similar(self.embeddings, query, topn, exclude)
        return list(zip(rows.tolist(), cosines.tolist()))

    # ------------------------------------------------------- compact

    def quantize(self, dtype):
        """A frozen copy of this layer over a compact table
        (:func:`cembed.quantize`); its lookups return float32.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(100, 8, seed=0).quantize("int8")
        >>> emb.embeddings, emb.trainable, emb([1, 2]).dtype
        (CompactTable(100 x 8, int8), False, dtype('float32'))
        """
        from cembed.compact import quantize_embedding

        return quantize_embedding(self, dtype)

    # ------------------------------------------------------------- save / load

    def save(self, path, include_optimizer=True):
        """Write config, table and optimizer state to one ``.npz``, atomically.

        The archive is written to a temporary file in the same folder, synced,
        and renamed over ``path``: a crash mid-save leaves the previous file
        intact. ``.npz`` is appended when ``path`` lacks it (as ``np.savez``).
        Returns the path written.

        >>> import os, tempfile, numpy as np, cembed
        >>> emb = cembed.Embedding(4, 2, seed=0)
        >>> path = emb.save(os.path.join(tempfile.mkdtemp(), "emb"))
        >>> path.endswith("emb.npz"), bool((cembed.Embedding.load(path).embeddings == emb.embeddings).all())
        (True, True)
        """
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        config = self.get_config()
        config["format"] = _FORMAT
        config["format_version"] = _FORMAT_VERSION
        arrays = {"embeddings": self.embeddings}
        optimizer = self.optimizer if include_optimizer else None
        if optimizer is not None:
            state = optimizer.get_state(self)
            if state is not None:
                config["optimizer"] = optimizer.get_config()
                arrays["optimizer/step"] = np.array(state["step"], dtype=np.int64)
                for name, array in state.items():
                    if name != "step":
                        arrays["optimizer/" + name] = array
        arrays["config"] = np.array(json.dumps(config, sort_keys=True))
        with atomic_replace(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path, embeddings_constraint=_AUTO, embeddings_initializer=_AUTO):
        """Read a layer written by ``save``, with its optimizer state.

        Shapes and dtypes are checked against the stored config; a corrupt or
        foreign file raises ``ValueError`` (``FileNotFoundError`` when
        missing). Pickled data is never loaded. The restored optimizer is
        ``layer.optimizer``; training continues as if never saved. A custom
        (callable) constraint cannot be stored: pass it again as
        ``embeddings_constraint``.

        >>> import os, tempfile, cembed
        >>> path = cembed.Embedding(4, 2, mask_zero=True).save(os.path.join(tempfile.mkdtemp(), "e.npz"))
        >>> cembed.Embedding.load(path)
        Embedding(4, 2, dtype=float32, mask_zero=True)
        """
        path = os.fspath(path)
        if not os.path.exists(path) and os.path.exists(path + ".npz"):
            path += ".npz"
        try:
            archive = np.load(path, allow_pickle=False)
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path} is not a cembed Embedding file (not a readable .npz): {exc}") from exc
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{path} is not a cembed Embedding file (a bare .npy array, not an .npz)")
        with archive:
            try:
                keys = set(archive.files)
                if "config" not in keys or "embeddings" not in keys:
                    raise ValueError("it lacks the 'config' and 'embeddings' entries")
                config = json.loads(str(archive["config"][()]))
                if not isinstance(config, dict) or config.get("format") != _FORMAT:
                    raise ValueError("its config is not a cembed Embedding config")
                if config.get("format_version") != _FORMAT_VERSION:
                    raise ValueError(f"format version {config.get('format_version')!r} is not supported")
                table = archive["embeddings"]
                opt_config = config.get("optimizer")
                opt_state = None
                if opt_config is not None:
                    opt_state = {"step": archive["optimizer/step"]}
                    for key in keys:
                        if key.startswith("optimizer/") and key != "optimizer/step":
                            opt_state[key[len("optimizer/"):]] = archive[key]
            except ValueError as exc:
                raise ValueError(f"{path} is not a valid cembed Embedding file: {exc}") from exc
            except (KeyError, OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
                raise ValueError(f"{path} is a corrupt cembed Embedding file: {exc!r}") from exc
        saved_constraint = config.get("embeddings_constraint")
        if (embeddings_constraint is _AUTO and isinstance(saved_constraint, dict)
                and "custom" in saved_constraint):
            raise ValueError(
                f"{path} was saved with the custom constraint {saved_constraint['custom']!r}, "
                "which cannot be stored; pass it again: Embedding.load(path, embeddings_constraint=...)"
            )
        try:
            shape = (int(config["input_dim"]), int(config["output_dim"]))
            dtype = _table_dtype(config["dtype"])
            if table.shape != shape or table.dtype != dtype:
                raise ValueError(
                    f"its table is {table.shape} {table.dtype}, the config says {shape} {dtype}"
                )
            constraint = config["embeddings_constraint"]
            if embeddings_constraint is not _AUTO:
                constraint = embeddings_constraint
            initializer = config["embeddings_initializer"]
            if embeddings_initializer is not _AUTO:
                initializer = embeddings_initializer
            self = cls.__new__(cls)
            self._configure(
                shape[0], shape[1], initializer, config["embeddings_regularizer"], constraint,
                config["mask_zero"], config["input_length"], dtype, config["seed"],
                config["trainable"],
            )
            self.embeddings = np.ascontiguousarray(table)
            if opt_config is not None:
                optimizer = optimizers.get(opt_config)
                optimizer.set_state(self, opt_state)
                self.optimizer = optimizer
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a valid cembed Embedding file: {exc}") from exc
        return self


def _is_pair(grad):
    try:
        return len(grad) == 2
    except TypeError:
        return False
