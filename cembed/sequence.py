"""Keras-compatible ``pad_sequences`` (keras_preprocessing 1.1.2), with the
common case, integer sequences into an int32 matrix, in C."""
import numpy as np

from cembed import _text

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and truncate) sequences to one length, as Keras does.

    Returns an array ``(len(sequences), maxlen) + sample_shape`` of ``dtype``
    (``maxlen`` defaults to the longest sequence). Sequences longer than
    ``maxlen`` lose values at the start (``truncating="pre"``) or the end
    (``"post"``); shorter ones are padded with ``value`` at the start
    (``padding="pre"``) or the end (``"post"``). Each step of a sequence may
    be an array (``sample_shape``, taken from the first non-empty sequence);
    string values need a string ``dtype`` or ``object``. Errors are Keras'.
    An empty list of sequences gives an empty ``(0, maxlen or 0)`` array.

    >>> from cembed import pad_sequences
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    >>> pad_sequences([[1, 2, 3], [4]], padding="post", truncating="post", value=-1)
    array([[ 1,  2,  3],
           [ 4, -1, -1]], dtype=int32)
    >>> pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    array([['a', 'b'],
           ['', 'c']], dtype=object)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)

    lengths = []
    sample_shape = ()
    flag = True

    # take the sample shape from the first non empty sequence
    # checking for consistency in the main loop below.

    for x in sequences:
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError:
            raise ValueError("`sequences` must be a list of iterables. "
                             "Found non-iterable: " + str(x))

    if maxlen is None:
        # Keras fails on np.max([]); an empty input gives an empty output
        maxlen = np.max(lengths) if lengths else 0

    is_dtype_str = np.issubdtype(dtype, np.str_)
    if isinstance(value, str) and dtype != object and not is_dtype_str:
        raise ValueError("`dtype` {} is not compatible with `value`'s type: {}\n"
                         "You should set `dtype=object` for variable length strings."
                         .format(dtype, type(value)))

    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    if (
        x.dtype == np.int32 and x.ndim == 2 and x.flags.c_contiguous and maxlen >= 1
        and padding in ("pre", "post") and truncating in ("pre", "post")
        and isinstance(sequences, (list, tuple, np.ndarray))
    ):
        if _text.pad_int32(sequences, int(maxlen), padding == "post", truncating == "post", x):
            return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue  # empty list/array was found
        if truncating == "pre":
            trunc = s[-maxlen:]
        elif truncating == "post":
            trunc = s[:maxlen]
        else:
            raise ValueError('Truncating type "%s" not understood' % truncating)

        # check `trunc` has expected shape
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError("Shape of sample %s of sequence at position %s "
                             "is different from expected shape %s"
                             % (trunc.shape[1:], idx, sample_shape))

        if padding == "post":
            x[idx, :len(trunc)] = trunc
        elif padding == "pre":
            x[idx, -len(trunc):] = trunc
        else:
            raise ValueError('Padding type "%s" not understood' % padding)
    return x
