"""Row-sparse optimizers for :class:`cembed.Embedding`, with Keras' defaults.

``opt.step(emb, grad)`` updates only the rows listed in ``grad`` (lazy, as
TensorFlow's LazyAdam and torch's SparseAdam): the weights and the optimizer
state of every other row stay exactly as they were. State (moments,
accumulators, the step count) is allocated at a layer's first step, kept per
layer, and saved with it by ``Embedding.save``. This module does not import
the layer: an optimizer needs only the layer's ``embeddings`` table
(``Optimizer.update``) and, for ``step``, its ``apply_gradients``.
"""
import weakref

import numpy as np

from cembed import _core
from cembed._validation import check_number

__all__ = ["Optimizer", "Adam", "Adagrad", "SGD", "get"]


class Optimizer:
    """Base class: checks a sparse gradient, then updates its rows in C.

    The optimizer side of the layer-optimizer protocol is public:
    ``update(layer, rows, values)`` applies the rule to the listed rows of
    ``layer.embeddings``; ``get_state(layer)`` / ``set_state(layer, state)``
    read and replace the per-layer state (``{"step": int, name: array}``),
    and ``get_config()`` / ``from_config()`` the hyperparameters. That is
    all a layer uses (``Embedding.save`` stores the state arrays by the names
    ``get_state`` gives). Subclasses name their state arrays in ``_slots``
    and implement ``_new_slots`` and ``_update``.

    >>> import cembed
    >>> isinstance(cembed.optimizers.Adam(), cembed.optimizers.Optimizer)
    True
    """

    _slots = ()

    def __init__(self, learning_rate):
        self.learning_rate = check_number("learning_rate", learning_rate, low=0.0)
        self._state = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------- stepping

    def step(self, emb, grad):
        """Apply one step of ``grad`` (a ``SparseGrad`` or ``(rows, values)``) to ``emb``.

        The same as ``emb.apply_gradients(grad, self)``: ``rows`` may come in
        any order and repeat (repeats are summed, as TensorFlow does with
        ``IndexedSlices``); ``values`` has shape ``(len(rows), output_dim)``.
        A frozen layer (``trainable=False``) is left unchanged and its state
        is not advanced. Bad input raises before anything changes.

        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(3, 2, embeddings_initializer="zeros")
        >>> cembed.optimizers.SGD(0.1).step(emb, ([2, 2], np.ones((2, 2))))
        >>> emb.embeddings[2]
        array([-0.2, -0.2], dtype=float32)
        """
        emb.apply_gradients(grad, self)

    def update(self, layer, rows, values):
        """The update rule on the listed rows of ``layer.embeddings``, and nothing else.

        This is the optimizer's side of the layer-optimizer protocol
        (``Embedding.apply_gradients`` calls it). Regularizers and
        constraints are the layer's business. The optimizer's state
        (moments, accumulators, the step count) is kept per layer and
        allocated at the layer's first update.

        Parameters
        ----------
        layer : object with an ``embeddings`` attribute
            The table, a float32/float64 array with contiguous rows; the
            layer is also the key of the state.
        rows : ndarray of int64, strictly increasing
            The rows to update.
        values : ndarray of shape (len(rows), D), the table's dtype, contiguous
            Their gradient, regularization included.

        Raises
        ------
        IndexError, ValueError
            From the kernel, for rows out of range or not strictly
            increasing, before anything is written: the table and the state
            are then unchanged.

        Examples
        --------
        >>> import numpy as np, cembed
        >>> emb = cembed.Embedding(3, 1, embeddings_initializer="zeros")
        >>> opt = cembed.optimizers.SGD(1.0)
        >>> opt.update(emb, np.array([0, 2]), np.float32([[1.0], [2.0]]))
        >>> emb.embeddings.ravel(), opt.get_state(emb)["step"]
        (array([-1.,  0., -2.], dtype=float32), 1)
        """
        table = layer.embeddings
        state = self._state.get(layer)
        fresh = state is None
        if fresh:
            state = {"step": 0}
            state.update(self._new_slots(table))
        step = state["step"] + 1
        self._update(table, state, rows, values, step)
        state["step"] = step
        if fresh:
            self._state[layer] = state

    # ------------------------------------------------------------- state

    def get_state(self, emb):
        """This optimizer's state for ``emb``: ``{"step": int, slot: array}``, or None.

        The arrays are the live state, not copies.

        >>> import numpy as np, cembed
        >>> emb, opt = cembed.Embedding(3, 2), cembed.optimizers.Adam()
        >>> opt.get_state(emb) is None
        True
        >>> opt.step(emb, emb.backward([1], np.ones((1, 2), np.float32)))
        >>> opt.get_state(emb)["step"], opt.get_state(emb)["m"].shape
        (1, (3, 2))
        """
        return self._state.get(emb)

    def set_state(self, emb, state):
        """Replace the state for ``emb`` (shapes and dtypes checked, arrays copied).

        >>> import numpy as np, cembed
        >>> emb, opt = cembed.Embedding(3, 2), cembed.optimizers.SGD()
        >>> opt.set_state(emb, {"step": 4}); opt.get_state(emb)["step"]
        4
        """
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict, got {type(state).__name__}")
        missing = {"step", *self._slots} - set(state)
        extra = set(state) - {"step", *self._slots}
        if missing or extra:
            raise ValueError(
                f"{type(self).__name__} state needs keys {sorted({'step', *self._slots})}, "
                f"got {sorted(state)}"
            )
        step = np.asarray(state["step"])
        if step.shape != () or step.dtype.kind not in "iu" or int(step) < 0:
            raise ValueError(f"state step must be an int >= 0, got {state['step']!r}")
        new = {"step": int(step)}
        template = self._new_slots_shapes(emb.embeddings)
        for slot in self._slots:
            array = np.asarray(state[slot])
            shape = template[slot]
            if array.shape != shape or array.dtype != emb.embeddings.dtype:
                raise ValueError(
                    f"state {slot!r} is {array.shape} {array.dtype}, expected "
                    f"{shape} {emb.embeddings.dtype}"
                )
            new[slot] = np.array(array, order="C", copy=True)
        self._state[emb] = new

    def _new_slots_shapes(self, table):
        return {slot: table.shape for slot in self._slots}

    # ------------------------------------------------------------- config

    def get_config(self):
        """The hyperparameters as a dict, with ``name`` (Keras' ``get_config``).

        >>> import cembed
        >>> cembed.optimizers.SGD().get_config()
        {'name': 'SGD', 'learning_rate': 0.01}
        """
        values = {k: v if isinstance(v, bool) else float(v) for k, v in self._hyperparameters().items()}
        return {"name": type(self).__name__, **values}

    @classmethod
    def from_config(cls, config):
        """A new optimizer from ``get_config()``'s dict.

        >>> import cembed
        >>> cembed.optimizers.Adam.from_config({"name": "Adam", "learning_rate": 0.1}).learning_rate
        0.1
        """
        config = dict(config)
        name = config.pop("name", cls.__name__)
        if name != cls.__name__:
            raise ValueError(f"config is for {name}, not {cls.__name__}")
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({args})"


class Adam(Optimizer):
    """Lazy Adam (Keras defaults: 0.001, 0.9, 0.999, 1e-7).

    Per element of a listed row: ``m = b1*m + (1-b1)*g``,
    ``v = b2*v + (1-b2)*g*g``,
    ``w -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``, with
    ``t`` the layer's step count (starting at 1). Rows not listed keep their
    weights and moments.

    >>> import numpy as np, cembed
    >>> emb = cembed.Embedding(3, 1, embeddings_initializer="zeros")
    >>> opt = cembed.optimizers.Adam(learning_rate=0.1)
    >>> opt.step(emb, emb.backward([1], np.ones((1, 1), np.float32)))
    >>> emb.embeddings.ravel().round(4)
    array([ 0. , -0.1,  0. ], dtype=float32)
    """

    _slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = check_number("beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_number("beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}

    def _new_slots(self, table):
        # np.zeros maps zero pages lazily: a huge table's moments cost memory
        # only for the rows that get trained.
        return {"m": np.zeros(table.shape, table.dtype), "v": np.zeros(table.shape, table.dtype)}

    def _update(self, table, state, rows, values, step):
        _core.adam_update(
            table, state["m"], state["v"], rows, values, step,
            learning_rate=self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2,
            epsilon=self.epsilon,
        )


class Adagrad(Optimizer):
    """Adagrad (Keras defaults: 0.001, initial_accumulator_value 0.1, 1e-7).

    ``accum += g*g; w -= lr * g / (sqrt(accum) + eps)`` on the listed rows.
    ``rowwise=True`` keeps one accumulator per row, grown by the row's mean
    ``g*g`` (FBGEMM's compact form): ``(V,)`` floats instead of ``(V, D)``.

    >>> import numpy as np, cembed
    >>> emb = cembed.Embedding(3, 2)
    >>> opt = cembed.optimizers.Adagrad(rowwise=True)
    >>> opt.step(emb, emb.backward([0], np.ones((1, 2), np.float32)))
    >>> opt.get_state(emb)["accum"].shape
    (3,)
    """

    _slots = ("accum",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 rowwise=False):
        super().__init__(learning_rate)
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", initial_accumulator_value, low=0.0)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)
        self.rowwise = bool(rowwise)

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate,
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon, "rowwise": self.rowwise}

    def _new_slots_shapes(self, table):
        return {"accum": table.shape[:1] if self.rowwise else table.shape}

    def _new_slots(self, table):
        shape = self._new_slots_shapes(table)["accum"]
        return {"accum": np.full(shape, self.initial_accumulator_value, table.dtype)}

    def _update(self, table, state, rows, values, step):
        _core.adagrad_update(
            table, state["accum"], rows, values,
            learning_rate=self.learning_rate, epsilon=self.epsilon,
        )


class SGD(Optimizer):
    """Plain SGD (Keras default learning rate 0.01): ``w -= lr * g`` on listed rows.

    >>> import numpy as np, cembed
    >>> emb = cembed.Embedding(2, 1, embeddings_initializer="zeros")
    >>> cembed.optimizers.SGD().step(emb, emb.backward([0], np.ones((1, 1), np.float32)))
    >>> emb.embeddings.ravel()
    array([-0.01,  0.  ], dtype=float32)
    """

    def __init__(self, learning_rate=0.01):
        super().__init__(learning_rate)

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate}

    def _new_slots(self, table):
        return {}

    def _update(self, table, state, rows, values, step):
        _core.sgd_update(table, rows, values, learning_rate=self.learning_rate)


_BY_NAME = {"adam": Adam, "adagrad": Adagrad, "sgd": SGD}


def get(identifier):
    """An optimizer from a name (``"adam"``), a ``get_config()`` dict, or an optimizer.

    >>> import cembed
    >>> cembed.optimizers.get("adagrad")
    Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07, rowwise=False)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {identifier!r}; use one of {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("name")
        cls = _BY_NAME.get(str(name).lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {name!r} in config")
        return cls.from_config({**identifier, "name": cls.__name__})
    raise TypeError(f"cannot make an optimizer from {type(identifier).__name__}")
