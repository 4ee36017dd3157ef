"""Initial tables, under Keras' names: one home for ``Embedding`` and ``Vectors``.

``Embedding(embeddings_initializer=...)`` and
``Vectors.embedding_matrix(initializer=...)`` both draw their tables here,
so they accept the same names and, for the same seed, shape and dtype,
draw bitwise the same table.

An initializer is a name (``"uniform"``, ``"normal"``, ``"zeros"``,
``"ones"``, ``"glorot_uniform"`` and Keras' aliases such as
``"random_uniform"``), one of the classes below, a callable
``f(shape, rng)`` returning an array of that shape (``rng`` is a
``numpy.random.Generator``), or an array (copied).

Random draws are made in the table's dtype, with
``Generator.random`` and ``Generator.standard_normal`` (no float64
temporary for a float32 table): a float32 and a float64 table drawn from
the same seed hold different numbers.

>>> import numpy as np
>>> from cembed import initializers
>>> rng = np.random.default_rng(0)
>>> initializers.initial_table("ones", (2, 3), np.float32, rng)
array([[1., 1., 1.],
       [1., 1., 1.]], dtype=float32)
"""
import numpy as np

from cembed._validation import check_number

__all__ = [
    "Initializer",
    "RandomUniform",
    "RandomNormal",
    "Constant",
    "Zeros",
    "Ones",
    "GlorotUniform",
    "get",
    "serialize",
    "initial_table",
]


class Initializer:
    """Base class: ``init(shape, rng, dtype)`` returns a new C-contiguous table.

    >>> import numpy as np
    >>> from cembed.initializers import Zeros
    >>> Zeros()((2, 2), np.random.default_rng(), np.float64).dtype
    dtype('float64')
    """

    name = None

    def __call__(self, shape, rng, dtype=np.float32):
        raise NotImplementedError

    def get_config(self):
        """The initializer's arguments, as Keras' ``get_config``.

        >>> from cembed.initializers import RandomNormal
        >>> RandomNormal().get_config()
        {'mean': 0.0, 'stddev': 0.05}
        """
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _uniform(shape, rng, dtype, low, high):
    table = rng.random(shape, dtype=dtype)
    table *= dtype.type(high - low)
    table += dtype.type(low)
    return table


class RandomUniform(Initializer):
    """U(minval, maxval); Keras' default ``"uniform"`` is U(-0.05, 0.05).

    >>> import numpy as np
    >>> from cembed.initializers import RandomUniform
    >>> t = RandomUniform(0.0, 1.0)((1000, 2), np.random.default_rng(0), np.float32)
    >>> bool(t.min() >= 0.0 and t.max() < 1.0)
    True
    """

    name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval = check_number("minval", minval)
        self.maxval = check_number("maxval", maxval, low=self.minval)

    def __call__(self, shape, rng, dtype=np.float32):
        return _uniform(shape, rng, np.dtype(dtype), self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval}


class RandomNormal(Initializer):
    """N(mean, stddev²); Keras' default ``"normal"`` is N(0, 0.05²).

    >>> import numpy as np
    >>> from cembed.initializers import RandomNormal
    >>> t = RandomNormal(stddev=1.0)((4000, 5), np.random.default_rng(0), np.float64)
    >>> round(float(t.std()), 1)
    1.0
    """

    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05):
        self.mean = check_number("mean", mean)
        self.stddev = check_number("stddev", stddev, low=0.0)

    def __call__(self, shape, rng, dtype=np.float32):
        dtype = np.dtype(dtype)
        table = rng.standard_normal(shape, dtype=dtype)
        table *= dtype.type(self.stddev)
        if self.mean:
            table += dtype.type(self.mean)
        return table

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev}


class Constant(Initializer):
    """Every weight ``value`` (Keras' ``Constant``); ``Zeros`` and ``Ones``
    are its two common cases.

    >>> from cembed.initializers import Constant, Ones, Zeros
    >>> Constant(0.5)((1, 2), None), Ones()((1, 1), None), Zeros()((1, 1), None)
    (array([[0.5, 0.5]], dtype=float32), array([[1.]], dtype=float32), array([[0.]], dtype=float32))
    """

    name = "constant"

    def __init__(self, value=0.0):
        self.value = check_number("value", value)

    def __call__(self, shape, rng, dtype=np.float32):
        return np.full(shape, self.value, dtype)

    def get_config(self):
        return {"value": self.value} if self.name == "constant" else {}


class Zeros(Constant):
    """All zeros (``"zeros"``).

    >>> from cembed.initializers import Zeros
    >>> Zeros()((2, 1), None).ravel().tolist()
    [0.0, 0.0]
    """

    name = "zeros"

    def __init__(self):
        super().__init__(0.0)


class Ones(Constant):
    """All ones (``"ones"``): ``Constant(1.0)`` without a config.

    >>> from cembed.initializers import Ones
    >>> Ones().get_config()
    {}
    """

    name = "ones"

    def __init__(self):
        super().__init__(1.0)


class GlorotUniform(Initializer):
    """U(-limit, limit) with ``limit = sqrt(6 / (fan_in + fan_out))``, the
    table's two dimensions (Keras' ``glorot_uniform``).

    >>> import numpy as np
    >>> from cembed.initializers import GlorotUniform
    >>> t = GlorotUniform()((300, 100), np.random.default_rng(0), np.float32)
    >>> bool(np.abs(t).max() <= np.sqrt(6 / 400))
    True
    """

    name = "glorot_uniform"

    def __call__(self, shape, rng, dtype=np.float32):
        limit = float(np.sqrt(6.0 / (shape[0] + shape[1])))
        return _uniform(shape, rng, np.dtype(dtype), -limit, limit)


_CLASSES = {c.name: c for c in (RandomUniform, RandomNormal, Constant, Zeros, Ones, GlorotUniform)}
_ALIASES = {
    "uniform": "random_uniform",
    "randomuniform": "random_uniform",
    "normal": "random_normal",
    "randomnormal": "random_normal",
    "zero": "zeros",
    "one": "ones",
    "glorotuniform": "glorot_uniform",
}
_NAMES_HELP = ("'uniform', 'normal', 'zeros', 'ones', 'glorot_uniform', "
               "a callable f(shape, rng) or an array")


def get(identifier, what="initializer"):
    """An :class:`Initializer` from a name or a config.

    Parameters
    ----------
    identifier : str, dict, Initializer, callable or array_like
        A name (Keras' or an alias: ``"uniform"``, ``"random_normal"``, ...)
        or ``{"name", "config"}`` as :func:`serialize` writes it; anything
        else is returned as it is.
    what : str, default "initializer"
        The argument's name in error messages.

    Returns
    -------
    Initializer, or ``identifier`` itself

    Raises
    ------
    ValueError
        An unknown name.

    Examples
    --------
    >>> from cembed import initializers
    >>> initializers.get("uniform")
    RandomUniform(minval=-0.05, maxval=0.05)
    >>> initializers.get({"name": "random_normal", "config": {"stddev": 0.1}})
    RandomNormal(mean=0.0, stddev=0.1)
    """
    if isinstance(identifier, str):
        key = identifier.lower()
        key = _ALIASES.get(key, key)
        if key not in _CLASSES:
            raise ValueError(f"unknown {what} {identifier!r}; use {_NAMES_HELP}")
        return _CLASSES[key]()
    if isinstance(identifier, dict) and set(identifier) == {"name", "config"}:
        key = _ALIASES.get(identifier["name"], identifier["name"])
        if key not in _CLASSES:
            raise ValueError(f"unknown {what} {identifier['name']!r}; use {_NAMES_HELP}")
        return _CLASSES[key](**identifier["config"])
    return identifier


def serialize(initializer):
    """What a layer's config stores for ``initializer``.

    Parameters
    ----------
    initializer : str, Initializer, callable or array_like

    Returns
    -------
    str or dict
        A name as given, ``{"name", "config"}`` for an :class:`Initializer`,
        ``"custom"`` for anything else (a callable or an array cannot be
        stored; the table itself is).

    Examples
    --------
    >>> from cembed import initializers
    >>> initializers.serialize(initializers.RandomUniform(-1, 1))
    {'name': 'random_uniform', 'config': {'minval': -1.0, 'maxval': 1.0}}
    """
    if isinstance(initializer, str):
        return initializer
    if isinstance(initializer, Initializer):
        return {"name": initializer.name, "config": initializer.get_config()}
    return "custom"


def initial_table(initializer, shape, dtype, rng, what="initializer"):
    """A new C-contiguous table drawn from ``initializer``.

    Parameters
    ----------
    initializer : str, dict, Initializer, callable or array_like
        A name (``"uniform"``, ``"normal"``, ``"zeros"``, ``"ones"``,
        ``"glorot_uniform"`` or a Keras alias), ``{"name", "config"}``, an
        :class:`Initializer`, a callable ``f(shape, rng)`` returning an
        array of ``shape``, or an array of ``shape`` (copied).
    shape : tuple of two ints
        The table's shape ``(V, D)``.
    dtype : float32 or float64
        The table's dtype; random draws are made in it.
    rng : numpy.random.Generator
        The generator the draw uses: ``np.random.default_rng(seed)``.
    what : str, default "initializer"
        The argument's name in error messages.

    Returns
    -------
    ndarray of shape ``shape`` and dtype ``dtype``, C-contiguous

    Raises
    ------
    ValueError
        An unknown name, or a callable's or array's shape other than ``shape``.
    TypeError
        A callable's or array's values that are not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from cembed.initializers import initial_table
    >>> a = initial_table("uniform", (3, 2), np.float32, np.random.default_rng(7))
    >>> b = initial_table("random_uniform", (3, 2), np.float32, np.random.default_rng(7))
    >>> bool((a == b).all()), bool(np.abs(a).max() <= 0.05)
    (True, True)
    """
    dtype = np.dtype(dtype)
    initializer = get(initializer, what)
    if isinstance(initializer, Initializer):
        return initializer(shape, rng, dtype)
    if callable(initializer):
        values = np.asarray(initializer(shape, rng))
        source = "the initializer's result"
    else:
        values = np.asarray(initializer)
        source = what
    if values.dtype.kind not in "iuf":
        raise TypeError(f"{source} must be a numeric array, got dtype {values.dtype}")
    if values.shape != shape:
        raise ValueError(f"{source} has shape {values.shape}, expected {shape}")
    return np.array(values, dtype=dtype, order="C", copy=True)
