"""Constraints on the rows of an embedding table, under Keras' names.

A constraint maps a ``(K, D)`` block of rows to new rows. ``Embedding``
applies its ``embeddings_constraint`` to the rows an optimizer step
touched, after the update (Keras applies it to the whole table; on the
untouched rows it would be a no-op after the first step).

>>> import numpy as np
>>> from cembed import constraints
>>> constraints.get("non_neg")(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""
import numpy as np

from cembed._validation import check_number

__all__ = ["MaxNorm", "UnitNorm", "NonNeg", "get", "serialize"]

# Keras' backend epsilon, used by its norm constraints.
_EPSILON = 1e-7


class MaxNorm:
    """Rescale each row whose L2 norm exceeds ``max_value`` (Keras' formula).

    ``w * clip(n, 0, max_value) / (eps + n)``, with ``n`` the row's norm.

    >>> import numpy as np
    >>> from cembed.constraints import MaxNorm
    >>> MaxNorm(1.0)(np.array([[3.0, 4.0]])).round(6)
    array([[0.6, 0.8]])
    """

    name = "max_norm"

    def __init__(self, max_value=2.0):
        self.max_value = check_number("max_value", max_value, low=0.0)

    def __call__(self, rows):
        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))[:, None]
        desired = np.clip(norms, 0.0, self.max_value)
        return rows * (desired / (_EPSILON + norms))

    def get_config(self):
        """The constraint's arguments, as Keras' ``get_config``.

        >>> MaxNorm(3.0).get_config()
        {'max_value': 3.0}
        """
        return {"max_value": self.max_value}


class UnitNorm:
    """Scale each row to unit L2 norm (Keras' formula ``w / (eps + n)``).

    >>> import numpy as np
    >>> from cembed.constraints import UnitNorm
    >>> UnitNorm()(np.array([[3.0, 4.0]])).round(6)
    array([[0.6, 0.8]])
    """

    name = "unit_norm"

    def __call__(self, rows):
        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))[:, None]
        return rows / (_EPSILON + norms)

    def get_config(self):
        """The constraint's arguments (none), as Keras' ``get_config``.

        >>> UnitNorm().get_config()
        {}
        """
        return {}


class NonNeg:
    """Set negative weights to zero.

    >>> import numpy as np
    >>> from cembed.constraints import NonNeg
    >>> NonNeg()(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    name = "non_neg"

    def __call__(self, rows):
        return np.where(rows >= 0, rows, rows.dtype.type(0))

    def get_config(self):
        """The constraint's arguments (none), as Keras' ``get_config``.

        >>> NonNeg().get_config()
        {}
        """
        return {}


_CONSTRAINTS = {c.name: c for c in (MaxNorm, UnitNorm, NonNeg)}
_CONSTRAINT_ALIASES = {"maxnorm": "max_norm", "unitnorm": "unit_norm", "nonneg": "non_neg"}


def get(spec):
    """A constraint from its description.

    Parameters
    ----------
    spec : str, dict, constraint, callable or None
        A name, Keras' (``"max_norm"``, ``"unit_norm"``, ``"non_neg"``) or
        an old spelling (``"maxnorm"``, ...); ``{"name", "config"}`` as
        :func:`serialize` writes it; one of the classes above; a callable
        mapping a ``(K, D)`` block of rows to new rows; or None.

    Returns
    -------
    callable or None
        The constraint (a callable is returned as it is).

    Raises
    ------
    ValueError
        An unknown name.
    TypeError
        Anything else.

    Examples
    --------
    >>> from cembed import constraints
    >>> constraints.get("maxnorm").get_config()
    {'max_value': 2.0}
    >>> constraints.get(None) is None
    True
    """
    if spec is None or isinstance(spec, (MaxNorm, UnitNorm, NonNeg)):
        return spec
    if isinstance(spec, str):
        key = spec.lower()
        key = _CONSTRAINT_ALIASES.get(key, key)
        if key not in _CONSTRAINTS:
            raise ValueError(
                f"unknown embeddings_constraint {spec!r}; use one of "
                f"{sorted(_CONSTRAINTS)}, a callable or None"
            )
        return _CONSTRAINTS[key]()
    if isinstance(spec, dict) and set(spec) == {"name", "config"}:
        key = spec["name"]
        if key not in _CONSTRAINTS:
            raise ValueError(f"unknown embeddings_constraint {key!r}")
        return _CONSTRAINTS[key](**spec["config"])
    if callable(spec):
        return spec
    raise TypeError(
        f"embeddings_constraint must be a name, a callable or None, got {type(spec).__name__}"
    )


def serialize(constraint):
    """What a layer's config stores for ``constraint``.

    Parameters
    ----------
    constraint : callable or None

    Returns
    -------
    dict or None
        ``{"name", "config"}`` for the classes above, ``{"custom": qualname}``
        for another callable (which cannot be stored), None for none.

    Examples
    --------
    >>> from cembed import constraints
    >>> constraints.serialize(constraints.MaxNorm(3))
    {'name': 'max_norm', 'config': {'max_value': 3.0}}
    """
    if constraint is None:
        return None
    if isinstance(constraint, (MaxNorm, UnitNorm, NonNeg)):
        return {"name": constraint.name, "config": constraint.get_config()}
    return {"custom": getattr(constraint, "__qualname__", type(constraint).__qualname__)}
