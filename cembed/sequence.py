"""Keras-compatible ``pad_sequences`` (keras_preprocessing 1.1.2), with the
common case, integer sequences into an int32 matrix, in C."""
import numpy as np

from cembed import _text

__all__ = ["pad_sequences", "make_sampling_table", "skipgrams"]


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


# ---- Keras' skip-gram helpers ---------------------------
def make_sampling_table(size, sampling_factor=1e-5):
    """Keras' word-rank sampling table: entry ``i`` is the probability of
    keeping a word of frequency rank ``i`` (Zipf's law and word2vec's
    subsampling formula), as ``keras_preprocessing.sequence``.

    Parameters
    ----------
    size : int
        Number of ranks.
    sampling_factor : float, default 1e-5

    Returns
    -------
    numpy.ndarray
        ``(size,)`` float64.

    Examples
    --------
    >>> from cembed.sequence import make_sampling_table
    >>> make_sampling_table(4).round(4).tolist()
    [0.0032, 0.0032, 0.0055, 0.0074]
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"size must be an int, got {type(size).__name__}")
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    gamma = 0.577
    rank = np.arange(size)
    if size:
        rank[0] = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
        f = sampling_factor * inv_fq
        return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Keras' skip-gram couples of a sequence of word indices.

    ``(word, word in its window)`` couples with label 1, then
    ``int(positives * negative_samples)`` couples ``(a shuffled centre
    word, random word in [1, vocabulary_size))`` with label 0; index 0 is
    not a word and is skipped. The draws come from Python's ``random``
    module exactly as ``keras_preprocessing.sequence.skipgrams`` makes
    them (the sampling table and the negatives from its global state,
    ``seed`` reseeding it for the final shuffle), so from the same
    ``random`` state and ``seed`` the couples and labels are Keras', in the
    same order.

    Parameters
    ----------
    sequence : sequence of int
    vocabulary_size : int
        Largest word index + 1.
    window_size : int, default 4
    negative_samples : float, default 1.0
    shuffle : bool, default True
    categorical : bool, default False
        Labels as ``[0, 1]`` / ``[1, 0]`` instead of 1 / 0.
    sampling_table : array-like, optional
        Keep probability per word index (see :func:`make_sampling_table`).
    seed : int, optional

    Returns
    -------
    couples : list of [int, int]
    labels : list of int (or of [int, int] when categorical)

    Examples
    --------
    >>> import random
    >>> from cembed.sequence import skipgrams
    >>> random.seed(0)
    >>> skipgrams([1, 2, 3], 4, window_size=1, shuffle=False)
    ([[1, 2], [2, 1], [2, 3], [3, 2], [2, 2], [1, 3], [2, 2], [3, 2]], [1, 1, 1, 1, 0, 0, 0, 0])
    """
    import random

    if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, (int, np.integer)):
        raise TypeError(f"vocabulary_size must be an int, got {type(vocabulary_size).__name__}")
    if isinstance(window_size, bool) or not isinstance(window_size, (int, np.integer)):
        raise TypeError(f"window_size must be an int, got {type(window_size).__name__}")
    if window_size < 0:
        raise ValueError(f"window_size must be >= 0, got {window_size}")
    if negative_samples < 0:
        raise ValueError(f"negative_samples must be >= 0, got {negative_samples}")
    sequence = list(sequence)
    for i, w in enumerate(sequence):
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, (int, np.integer)):
            raise TypeError(f"sequence must hold word indices (int); item {i} is {w!r}")
    n = len(sequence)
    couples = []
    labels = []
    positive = [0, 1] if categorical else 1
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(n, i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        if num_negative and vocabulary_size < 2:
            raise ValueError(f"negative samples need vocabulary_size >= 2, got {vocabulary_size}")
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative)]
        labels += [[1, 0] if categorical else 0 for _ in range(num_negative)]
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10**7)  # Keras: randint(0, 10e6), the same draw
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
