"""Training word vectors: skip-gram and CBOW with negative sampling.

:class:`Word2Vec` follows gensim's ``Word2Vec`` (names, defaults, the
update rules, the vocabulary, the subsampling and negative-sampling
tables) and trains on cembed's C core: the corpus is read and turned into
word ids once, in C, then each epoch is one C call on all threads, without
the GIL. The result is a :class:`cembed.Vectors`.
"""
import json
import os
import types

import numpy as np

from cembed._files import atomic_replace
from cembed.models import _word2vec

__all__ = ["Word2Vec"]

_SAVE_FORMAT = "cembed.Word2Vec/1"
# sentences packed per C call while reading an iterable
_BATCH_SENTENCES = 4096


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _check_int(name, value, low, allow_none=False):
    if value is None and allow_none:
        return None
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _check_real(name, value, low, high=None, low_open=False):
    if not _is_real(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or (value <= low if low_open else value < low) or (high is not None and value > high):
        bound = f"> {low}" if low_open else f">= {low}"
        if high is not None:
            bound += f" and <= {high}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _check_corpus(sentences, corpus_file, first="sentences"):
    if sentences is not None and corpus_file is not None:
        raise TypeError(f"pass either {first} or corpus_file, not both")
    if sentences is not None:
        if isinstance(sentences, (str, bytes)):
            raise TypeError(
                f"{first} must be an iterable of sentences (token lists or str), "
                f"not a single {type(sentences).__name__}"
            )
        if isinstance(sentences, (types.GeneratorType, map, filter, zip)) or iter(sentences) is sentences:
            raise TypeError(
                f"{first} is an iterator, which can be read only once: pass a list, or an "
                "object whose __iter__ restarts the corpus (the vocabulary and the training "
                "each read it)"
            )
    if corpus_file is not None:
        if not isinstance(corpus_file, (str, bytes, os.PathLike)):
            raise TypeError(f"corpus_file must be a path, got {type(corpus_file).__name__}")
        if not os.path.isfile(corpus_file):
            raise FileNotFoundError(f"corpus_file {os.fsdecode(corpus_file)!r} is not a file")


def _batches(sentences, first="sentences"):
    """Sentences packed for C: runs of str texts or of token lists."""
    texts, token_lists = [], []
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            if token_lists:
                yield _word2vec.pack_tokens(token_lists)
                token_lists = []
            texts.append(sentence)
            if len(texts) >= _BATCH_SENTENCES:
                yield _word2vec.pack_texts(texts)
                texts = []
            continue
        if not isinstance(sentence, (list, tuple)):
            if isinstance(sentence, (bytes, bytearray)) or not hasattr(sentence, "__iter__"):
                raise TypeError(f"{first}[{i}] must be a str or a list of str tokens, "
                                f"got {type(sentence).__name__}")
            sentence = list(sentence)
        try:
            "".join(sentence)
        except TypeError:
            j, token = next((j, t) for j, t in enumerate(sentence) if not isinstance(t, str))
            raise TypeError(f"token {j} of {first}[{i}] must be a str, got "
                            f"{type(token).__name__}: {token!r}") from None
        if texts:
            yield _word2vec.pack_texts(texts)
            texts = []
        token_lists.append(sentence)
        if len(token_lists) >= _BATCH_SENTENCES:
            yield _word2vec.pack_tokens(token_lists)
            token_lists = []
    if texts:
        yield _word2vec.pack_texts(texts)
    if token_lists:
        yield _word2vec.pack_tokens(token_lists)


class Word2Vec:
    """Word vectors by skip-gram or CBOW with negative sampling (word2vec).

    gensim's ``Word2Vec`` with its names and defaults: given ``sentences``
    (an iterable of token lists, or of ``str`` split at white space as
    ``str.split()`` does; it is read twice, so not a generator) or
    ``corpus_file`` (a UTF-8 text file, one sentence a line, tokens
    separated by white space), the vocabulary is built and the model
    trained at once. Words are not lowercased. Sentences longer than 10,000
    tokens are cut into pieces of 10,000 (gensim cuts the lines of a corpus
    file so, and truncates longer sentences of an iterable).

    The trained vectors are ``wv``, a :class:`cembed.Vectors` whose matrix
    is the model's input matrix (trained in place by further ``train``
    calls). Rows are ordered by decreasing count, as gensim's.

    Parameters
    ----------
    sentences : iterable of list of str, or of str, optional
    corpus_file : str or os.PathLike, optional
    vector_size : int, default 100
        Dimension of the vectors.
    window : int, default 5
        Largest distance between the centre word and a context word; each
        centre word uses a window drawn uniformly from 1 .. ``window``.
    min_count : int, default 5
        Words seen fewer times are dropped.
    sg : {0, 1}, default 0
        1 for skip-gram, 0 for CBOW (the mean of the context vectors).
    negative : int, default 5
        Negative samples per positive example, drawn from the unigram
        distribution raised to ``ns_exponent``.
    ns_exponent : float, default 0.75
    sample : float, default 1e-3
        Frequent-word subsampling threshold (0 turns it off); gensim's
        formula: a word of count c is kept with probability
        ``(sqrt(c / t) + 1) * t / c`` where ``t = sample * total``.
    epochs : int, default 5
    alpha, min_alpha : float, default 0.025, 0.0001
        The learning rate decays linearly from ``alpha`` to ``min_alpha``
        over all words of all epochs of a ``train`` call; with
        ``corpus_file``, as in gensim's corpus_file mode, each of the
        ``workers`` regions counts only its own words against all of them
        (with 2 workers the rate falls half way each epoch).
    max_vocab_size : int, optional
        While counting, whenever more words than this are held, the words
        seen fewer than ``n`` times are pruned (``n`` = 1, 2, ... at each
        pruning), as gensim does.
    seed : int, default 1
        Seeds the initial vectors (gensim's: uniform in [-1/D, 1/D) from
        ``numpy.random.default_rng(seed)``) and the random streams of
        training.
    workers : int, optional
        The number of corpus regions trained side by side (default: the
        thread count, :func:`cembed.get_num_threads`, when the model is
        made). Results depend on ``workers`` but never on the number of
        threads: see Notes.

    Attributes
    ----------
    wv : cembed.Vectors
    syn1neg : numpy.ndarray
        The output (negative-sampling) matrix, ``(V, vector_size)`` float32.
    counts : numpy.ndarray
        Each word's count in the corpus that built the vocabulary.
    corpus_count : int
        Sentences in that corpus (pieces of 10,000 tokens for a file).
    corpus_total_words : int
        Tokens in that corpus.

    Notes
    -----
    Reproducibility: the same corpus, parameters, ``seed`` and ``workers``
    give bitwise the same vectors, whatever the number of threads
    (:func:`cembed.set_num_threads`), on every x86-64 instruction set. The
    corpus is cut into ``workers`` regions of equal word counts, each with
    its own random stream; with ``workers > 1`` the shared matrices are
    read-only for a round of 65,536 words, each region writing private copies of the rows it changes;
    then the rows written are merged in a fixed order (a row one region
    wrote takes that region's copy, a row several wrote becomes old + the
    sum of their changes) and the next round reads the merged rows. gensim
    and word2vec.c instead let threads update shared rows unsynchronised
    ("Hogwild"), which no seed makes reproducible. The cost: address space
    for a private copy of both matrices per region (only the rows a round
    writes are touched), and the copies and merges: with 2 workers on 4.2
    million words, CBOW takes about 1.7 times the CPU time of one worker;
    see the project's word2vec documentation. ``workers=1`` trains the one
    matrix in place, sequentially, with no copies.

    Examples
    --------
    >>> import cembed
    >>> corpus = [["the", "cat", "sat", "on", "the", "mat"],
    ...           "the dog sat on the log"] * 50
    >>> model = cembed.Word2Vec(corpus, vector_size=16, min_count=1, epochs=2, seed=3)
    >>> model.wv.words[:3], model.wv.matrix.shape, model.corpus_count
    (['the', 'on', 'sat'], (7, 16), 100)
    >>> model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    (106, 1200)
    """

    def __init__(self, sentences=None, corpus_file=None, *, vector_size=100, window=5,
                 min_count=5, sg=0, negative=5, ns_exponent=0.75, sample=1e-3, epochs=5,
                 alpha=0.025, min_alpha=0.0001, max_vocab_size=None, seed=1, workers=None):
        self.vector_size = _check_int("vector_size", vector_size, 1)
        self.window = _check_int("window", window, 1)
        self.min_count = _check_int("min_count", min_count, 1)
        if sg not in (0, 1) or isinstance(sg, float):
            raise ValueError(f"sg must be 0 (CBOW) or 1 (skip-gram), got {sg!r}")
        self.sg = int(sg)
        self.negative = _check_int("negative", negative, 1)
        self.ns_exponent = _check_real("ns_exponent", ns_exponent, -np.inf)
        self.sample = _check_real("sample", sample, 0.0)
        self.epochs = _check_int("epochs", epochs, 1)
        self.alpha = _check_real("alpha", alpha, 0.0, low_open=True)
        self.min_alpha = _check_real("min_alpha", min_alpha, 0.0)
        if self.min_alpha > self.alpha:
            raise ValueError(f"min_alpha ({self.min_alpha}) must not exceed alpha ({self.alpha})")
        self.max_vocab_size = _check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
        if not _is_int(seed):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        if not 0 <= seed < 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {seed}")
        self.seed = int(seed)
        if workers is None:
            from cembed import get_num_threads

            workers = get_num_threads()
        self.workers = _check_int("workers", workers, 1)
        self.wv = None
        self.syn1neg = None
        self.counts = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.epochs_trained = 0
        self._vocab = None
        _check_corpus(sentences, corpus_file)
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file)
            self.train(sentences, corpus_file, total_examples=self.corpus_count,
                       total_words=self.corpus_total_words, epochs=self.epochs)

    def __repr__(self):
        n = len(self.wv) if self.wv is not None else 0
        return (f"Word2Vec(vocab={n}, vector_size={self.vector_size}, "
                f"{'sg' if self.sg else 'cbow'}, window={self.window}, negative={self.negative})")

    # ------------------------------------------------------------ vocabulary
    def build_vocab(self, corpus_iterable=None, corpus_file=None):
        """Count the words of a corpus, keep those seen ``min_count`` times,
        and start new vectors for them (any previous training is dropped).

        Raises ``ValueError`` for an empty corpus, or one where no word
        reaches ``min_count``.

        >>> import cembed
        >>> m = cembed.Word2Vec(min_count=2, vector_size=4)
        >>> m.build_vocab(["a b a", "b c"])
        >>> m.wv.words, m.counts.tolist(), m.corpus_count, m.corpus_total_words
        (['b', 'a'], [2, 2], 2, 5)
        """
        _check_corpus(corpus_iterable, corpus_file, "corpus_iterable")
        if corpus_iterable is None and corpus_file is None:
            raise TypeError("build_vocab needs corpus_iterable or corpus_file")
        raw = _word2vec.Vocab()
        limit = self.max_vocab_size or 0
        if corpus_file is not None:
            total, count = raw.scan_file(corpus_file, limit)
        else:
            total = count = 0
            for buf, tok, sent in _batches(corpus_iterable, "corpus_iterable"):
                total += raw.scan(buf, tok, sent, limit)
                count += len(sent) - 1
        if total == 0:
            raise ValueError("the corpus is empty: it has no words")
        raw_counts = raw.counts()
        kept = np.flatnonzero(raw_counts >= self.min_count)
        if kept.size == 0:
            raise ValueError(
                f"no word reaches min_count={self.min_count} (the most frequent is seen "
                f"{int(raw_counts.max())} times): lower min_count or give more text"
            )
        counts = raw_counts[kept]
        # gensim's sort_by_descending_frequency: ties, latest first
        order = np.lexsort((-np.arange(kept.size), -counts))
        entries = kept[order]
        words = raw.words(entries)
        self._vocab = raw.select(entries)
        self.counts = counts[order]
        self.corpus_count = int(count)
        self.corpus_total_words = int(total)
        self._make_tables()
        n = len(words)
        rng = np.random.default_rng(seed=self.seed)
        syn0 = rng.random((n, self.vector_size), dtype=np.float32)
        syn0 *= 2.0
        syn0 -= 1.0
        syn0 /= self.vector_size
        self.syn1neg = np.zeros((n, self.vector_size), dtype=np.float32)
        from cembed.vectors import Vectors

        self.wv = Vectors._from_parts(words, {w: i for i, w in enumerate(words)}, syn0)
        self.epochs_trained = 0

    def _make_tables(self):
        """gensim's subsampling thresholds and cumulative negative-sampling
        table, from the counts."""
        counts = self.counts.astype(np.float64)
        retain_total = float(self.counts.sum())
        if not self.sample:
            threshold = retain_total
        elif self.sample < 1.0:
            threshold = self.sample * retain_total
        else:
            threshold = float(int(self.sample * (3 + np.sqrt(5)) / 2))
        prob = (np.sqrt(counts / threshold) + 1) * (threshold / counts)
        prob = np.minimum(prob, 1.0)
        self.sample_int = (prob * (2**32 - 1)).astype(np.uint32)
        domain = 2**31 - 1
        powered = counts ** self.ns_exponent
        cumulative = np.cumsum(powered)  # sequential, as gensim's loop
        self.cum_table = np.round(cumulative / cumulative[-1] * domain).astype(np.uint32)

    # ------------------------------------------------------------ training
    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None,
              total_words=None, epochs=None):
        """Train on a corpus for ``epochs`` epochs (continuing from the
        current vectors), as gensim's ``train``.

        One of ``total_examples`` and ``total_words`` is required, as in
        gensim (``total_words`` with ``corpus_file``), but the learning
        rate decays over the words actually read. Words absent from the
        vocabulary are skipped. Returns ``(effective_words, raw_words)``
        summed over the epochs: the words trained on after subsampling, and
        the tokens read.

        >>> import cembed
        >>> corpus = ["a b c d"] * 20
        >>> m = cembed.Word2Vec(corpus, min_count=1, vector_size=8, sample=0, epochs=1)
        >>> m.train(corpus, total_examples=m.corpus_count, epochs=2)
        (160, 160)
        """
        if self.wv is None:
            raise RuntimeError("build the vocabulary first (build_vocab, or pass a corpus to Word2Vec)")
        _check_corpus(corpus_iterable, corpus_file, "corpus_iterable")
        if corpus_iterable is None and corpus_file is None:
            raise TypeError("train needs corpus_iterable or corpus_file")
        if epochs is None:
            raise ValueError("give an explicit epochs count, usually epochs=model.epochs")
        epochs = _check_int("epochs", epochs, 1)
        if corpus_file is not None and total_words is None:
            raise ValueError("give total_words with corpus_file, usually total_words=model.corpus_total_words")
        if total_examples is None and total_words is None:
            raise ValueError(
                "give total_examples or total_words; after build_vocab on the same corpus, "
                "total_examples=model.corpus_count"
            )
        _check_int("total_examples", total_examples, 0, allow_none=True)
        _check_int("total_words", total_words, 0, allow_none=True)
        corpus = _word2vec.Corpus()
        if corpus_file is not None:
            corpus.add_file(self._vocab, corpus_file)
        else:
            for buf, tok, sent in _batches(corpus_iterable, "corpus_iterable"):
                corpus.add(self._vocab, buf, tok, sent)
        ids, ends = corpus.arrays()
        return self._train_ids(ids, ends, corpus.raw_words, epochs, region_decay=corpus_file is not None)

    def _train_ids(self, ids, ends, raw_words, epochs, hogwild=False, region_decay=False):
        n = ids.size
        effective = 0
        syn0 = self.wv.matrix
        if n:
            sample_int = self.sample_int if self.sample else None
            for e in range(epochs):
                effective += _word2vec.train_epoch(
                    syn0, self.syn1neg, ids, ends, sample_int, self.cum_table, self.sg,
                    self.window, self.negative, self.alpha, self.min_alpha, e * n, epochs * n,
                    self.seed, self.epochs_trained, self.workers, hogwild, region_decay)
                self.epochs_trained += 1
        self.wv.clear_cache()
        return int(effective), int(raw_words) * epochs

    # ------------------------------------------------------------ files
    def save(self, path):
        """Save the model (vocabulary, counts, both matrices, parameters)
        to ``path`` atomically, as a NumPy ``.npz`` file without pickles.

        >>> import cembed, os, tempfile
        >>> m = cembed.Word2Vec(["a b c"] * 5, min_count=1, vector_size=4, epochs=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "w2v.npz")
        >>> m.save(path)
        >>> m2 = cembed.Word2Vec.load(path)
        >>> m2.wv.words == m.wv.words and bool((m2.wv.matrix == m.wv.matrix).all())
        True
        """
        if self.wv is None:
            raise RuntimeError("nothing to save: the model has no vocabulary yet")
        params = {k: getattr(self, k) for k in _PARAMS}
        params.update(format=_SAVE_FORMAT, corpus_count=self.corpus_count,
                      corpus_total_words=self.corpus_total_words, epochs_trained=self.epochs_trained)
        encoded = [w.encode("utf-8") for w in self.wv.words]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        with atomic_replace(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, params=np.array(json.dumps(params)),
                         words=np.frombuffer(b"".join(encoded), np.uint8), word_offsets=offsets,
                         counts=self.counts, syn0=self.wv.matrix, syn1neg=self.syn1neg)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`; training can go on.

        >>> import cembed, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "w2v.npz")
        >>> cembed.Word2Vec(["x y z"] * 5, min_count=1, vector_size=4, epochs=1).save(path)
        >>> cembed.Word2Vec.load(path)
        Word2Vec(vocab=3, vector_size=4, cbow, window=5, negative=5)
        """
        with np.load(path, allow_pickle=False) as z:
            try:
                params = json.loads(str(z["params"]))
                blob = z["words"].tobytes()
                offsets = z["word_offsets"]
                counts, syn0, syn1neg = z["counts"], z["syn0"], z["syn1neg"]
            except KeyError as e:
                raise ValueError(f"{os.fsdecode(path)} is not a saved Word2Vec model (no {e})") from None
        if params.get("format") != _SAVE_FORMAT:
            raise ValueError(f"{os.fsdecode(path)} is not a saved Word2Vec model")
        words = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        n, d = len(words), params["vector_size"]
        if counts.shape != (n,) or syn0.shape != (n, d) or syn1neg.shape != (n, d) \
                or syn0.dtype != np.float32 or syn1neg.dtype != np.float32:
            raise ValueError(f"{os.fsdecode(path)}: inconsistent shapes in a saved Word2Vec model")
        self = cls(**{k: params[k] for k in _PARAMS})
        self.counts = counts.astype(np.int64)
        self.corpus_count = params["corpus_count"]
        self.corpus_total_words = params["corpus_total_words"]
        self.epochs_trained = params["epochs_trained"]
        self._vocab = _word2vec.Vocab.from_words(words)
        self._make_tables()
        from cembed.vectors import Vectors

        self.wv = Vectors._from_parts(words, {w: i for i, w in enumerate(words)}, np.ascontiguousarray(syn0))
        self.syn1neg = np.ascontiguousarray(syn1neg)
        return self


_PARAMS = ("vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample",
           "epochs", "alpha", "min_alpha", "max_vocab_size", "seed", "workers")
