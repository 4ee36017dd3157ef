"""fastText's supervised text classifier as a scikit-learn estimator.

:class:`TextClassifier` is the model of Joulin et al. (2016), "Bag of
Tricks for Efficient Text Classification": a text's vector is the mean of
the rows of its words and of its hashed word n-grams (an ``embedding_bag``),
a linear layer gives one score a label, and softmax, hierarchical softmax or
one sigmoid a label turns the scores into probabilities. Training is SGD
with a learning rate that decays linearly to 0 over the run, run by C code
(one call an epoch, OpenMP threads, no GIL); prediction is C too, from the
texts' bytes to the best labels.
"""
import io
import json
import math
import numbers
import os
import struct

import numpy as np

from cembed._files import atomic_replace

__all__ = ["TextClassifier"]

_LOSSES = ("softmax", "hs", "ova")
_MAGIC = b"CEMBEDTC"
# 1: float32 tables; 2: either table may be compact (its dtype in the header)
_VERSION = 2
# fastText's white space: files are split into tokens at these bytes
_WHITESPACE = " \t\v\f\r\n\0"
_COMPACT_DTYPES = ("int8", "int4", "float16", "bfloat16")


def _delims(chars):
    table = bytearray(256)
    for ch in chars:
        table[ord(ch)] = 1
    return bytes(table)


_MODULES = []  # [cembed, the binding], imported on first use


def _core():
    """The binding, with the thread count of cembed.set_num_threads (its
    own copy is set before each call; prediction calls this once a call)."""
    if not _MODULES:
        import cembed
        from cembed.models import _classifier

        _MODULES[:] = [cembed, _classifier]
    cembed, core = _MODULES
    core.set_num_threads(cembed.get_num_threads())
    return core


def _keras_delims():
    from cembed.text import DEFAULT_FILTERS

    return _delims(DEFAULT_FILTERS + " ")


def _is_path(x):
    return isinstance(x, (str, bytes, os.PathLike))


def _is_multi(label):
    return isinstance(label, (list, tuple, set, frozenset, np.ndarray))


def _check_int(name, value, low):
    if type(value) is int and value >= low:  # the common case, without the ABC check
        return value
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


class TextClassifier:
    """fastText's supervised classifier, trained and run in C.

    A text is read as fastText reads a line: its tokens, then the
    end-of-line word ``</s>``, which is a vocabulary word like any other.
    Its vector is the mean of the input-table rows of its known words and
    of its word n-grams (``word_ngrams > 1``), which are hashed from every
    token, known or not, with fastText's hash into ``buckets`` rows after
    the words. A linear layer maps it to one score a label.

    How texts are split into tokens:

    - ``fit(path)`` and ``test(path)`` read a fastText training file: one
      example a line, tokens separated by fastText's white space (space,
      tab, ``\\v``, ``\\f``, ``\\r``), labels the tokens that start with
      ``label`` (several a line allowed; stored without the prefix). Blank
      lines are skipped. A model fitted on a file splits ``str`` texts the
      same way (and skips their label tokens), as fastText's ``predict``.
    - ``fit(texts, labels)`` with ``str`` texts splits them with the
      Tokenizer's default analyzer (lowercase, Keras' filters, split on
      spaces) unless ``analyzer`` is given: ``"whitespace"`` (fastText's
      split, case kept) or a callable that returns a text's tokens.
    - Token lists (lists or tuples of ``str``) are taken as they are.

    Parameters
    ----------
    dim : int, default 100
        Size of the word vectors (fastText's ``-dim``).
    word_ngrams : int, default 1
        Longest word n-gram (``-wordNgrams``); 1 uses words only, and then
        no bucket rows are allocated, as fastText.
    buckets : int, default 2_000_000
        Rows for hashed n-grams (``-bucket``).
    min_count : int, default 1
        Words seen fewer times are dropped (``-minCount``); their n-grams
        still count.
    epochs : int, default 5
        Passes over the data (``-epoch``).
    learning_rate : float, default 0.1
        Initial learning rate (``-lr``), decayed linearly to 0 over all
        tokens of all epochs.
    loss : {"softmax", "hs", "ova"}, default "softmax"
        Softmax, hierarchical softmax over a Huffman tree of the label
        counts (for many labels), or one sigmoid a label (multi-label).
    pretrained : Vectors, optional
        Rows that start the word table (``-pretrainedVectors``); its words
        join the vocabulary, its dim must equal ``dim``.
    seed : int, default 0
        Seed of the random initialization and of the label draws.
    min_count_label : int, default 1
        Labels seen fewer times are dropped (``-minCountLabel``).
    label : str, default "__label__"
        Label prefix of training files (``-label``).
    batch_size : int, default 16
        Examples per synchronous update. The threads compute a batch's
        forward and backward passes against the same parameters, then every
        row is updated once per batch, adding the examples in order: the
        model is bitwise the same for any number of threads. Batch ``j``
        holds examples ``j, j + S, j + 2S, ...``: the data is read from
        ``batch_size`` evenly spaced places, as fastText's threads start at
        evenly spaced offsets. 1 is fastText's sequential SGD from the
        start of the data; a larger batch needs a smaller learning rate
        (16 and 32 train at 0.5, 64 may diverge, which raises ValueError).
    analyzer : None, "whitespace" or callable, default None
        How ``str`` texts given to ``fit`` are split (see above).

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted (or in first-seen order when they do not sort).
    words_ : list of str
        The vocabulary, most frequent first; word ``i`` is input row ``i``.
    input_ : ndarray of float32, shape (n_words + buckets, dim)
        Word and n-gram rows.
    output_ : ndarray of float32, shape (n_labels, dim)
        The linear layer (for ``"hs"``, row ``i`` is internal node ``i``).
    loss_ : list of float
        The mean training loss of each epoch.
    multilabel_ : bool
        Whether some text had several labels.

    Examples
    --------
    >>> from cembed import TextClassifier
    >>> texts = ["good movie", "great film", "bad movie", "awful film"] * 20
    >>> labels = ["pos", "pos", "neg", "neg"] * 20
    >>> clf = TextClassifier(dim=8, epochs=20, learning_rate=0.5).fit(texts, labels)
    >>> clf.predict(["a good film", "an awful movie"]).tolist()
    ['pos', 'neg']
    >>> clf.classes_.tolist()
    ['neg', 'pos']
    """

    def __init__(self, dim=100, word_ngrams=1, buckets=2_000_000, min_count=1, epochs=5,
                 learning_rate=0.1, loss="softmax", pretrained=None, seed=0, *,
                 min_count_label=1, label="__label__", batch_size=16, analyzer=None):
        self.dim = dim
        self.word_ngrams = word_ngrams
        self.buckets = buckets
        self.min_count = min_count
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.loss = loss
        self.pretrained = pretrained
        self.seed = seed
        self.min_count_label = min_count_label
        self.label = label
        self.batch_size = batch_size
        self.analyzer = analyzer

    # ------------------------------------------------------- estimator protocol

    _PARAMS = ("dim", "word_ngrams", "buckets", "min_count", "epochs", "learning_rate", "loss",
               "pretrained", "seed", "min_count_label", "label", "batch_size", "analyzer")

    def get_params(self, deep=True):
        """The constructor's parameters, as scikit-learn's estimators give them.

        >>> TextClassifier(dim=10).get_params()["dim"]
        10
        """
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params):
        """Set constructor parameters (scikit-learn's protocol); returns self.

        >>> TextClassifier().set_params(epochs=3).epochs
        3
        """
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(
                    f"invalid parameter {name!r} for TextClassifier; valid parameters are "
                    f"{', '.join(self._PARAMS)}")
            setattr(self, name, value)
        return self

    _estimator_type = "classifier"  # scikit-learn < 1.6

    def __sklearn_tags__(self):
        """scikit-learn's tags (>= 1.6): a classifier of texts. Only
        scikit-learn calls this, so it imports scikit-learn here."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_label=True),
                    input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
                    no_validation=True)

    def __repr__(self):
        defaults = TextClassifier().get_params()
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v is not defaults[k]
                   and not (isinstance(v, (int, float, str)) and v == defaults[k])]
        return f"TextClassifier({', '.join(changed)})"

    def _check_params(self):
        dim = _check_int("dim", self.dim, 1)
        _check_int("word_ngrams", self.word_ngrams, 1)
        _check_int("buckets", self.buckets, 0)
        _check_int("min_count", self.min_count, 1)
        _check_int("min_count_label", self.min_count_label, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("seed", self.seed, 0)
        lr = self.learning_rate
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not np.isfinite(lr) or lr < 0:
            raise ValueError(f"learning_rate must be a finite number >= 0, got {lr!r}")
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, _LOSSES))}, got {self.loss!r}")
        if not isinstance(self.label, str) or not self.label:
            raise ValueError(f"label must be a non-empty str prefix, got {self.label!r}")
        if not (self.analyzer is None or self.analyzer == "whitespace" or callable(self.analyzer)):
            raise ValueError(
                f"analyzer must be None, 'whitespace' or a callable, got {self.analyzer!r}")
        if self.pretrained is not None:
            from cembed.vectors import Vectors

            if not isinstance(self.pretrained, Vectors):
                raise TypeError(
                    f"pretrained must be a cembed.Vectors, got {type(self.pretrained).__name__}")
            if self.pretrained.dim != dim:
                raise ValueError(
                    f"pretrained vectors have dim {self.pretrained.dim} but dim is {dim}")

    # ----------------------------------------------------------------- fitting

    def fit(self, texts, labels=None):
        """Train on texts and their labels, or on a fastText training file.

        Parameters
        ----------
        texts : iterable of str or of token lists, or a path
            The texts; or, with ``labels`` left out, the path of a fastText
            training file (``__label__`` prefixes, several labels a line
            allowed).
        labels : sequence, optional
            One label a text (any hashable), or a list of labels a text
            (multi-label).

        Returns
        -------
        self

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "train.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("__label__a x y\\n__label__b z w\\n" * 10)
        >>> clf = TextClassifier(dim=4, epochs=10, learning_rate=1.0).fit(path)
        >>> clf.predict(["x y", "z w"]).tolist(), clf.test(path)
        (['a', 'b'], (20, 1.0, 1.0))
        """
        self._check_params()
        core = _core()
        if labels is None:
            if not _is_path(texts):
                raise ValueError("fit needs labels, or the path of a fastText training file")
            return self._fit_file(core, texts)
        if _is_path(texts) and not isinstance(texts, str):
            raise TypeError("texts must be an iterable of texts, not a path, when labels are given")
        if isinstance(texts, str):
            raise TypeError("texts must be an iterable of texts, not a single str")
        texts = self._analyzed(list(texts), "texts", self.analyzer)
        labels = list(labels)
        if not texts:
            raise ValueError("fit needs at least one text")
        if len(labels) != len(texts):
            raise ValueError(f"there are {len(texts)} texts but {len(labels)} labels")
        multi = False
        first_seen = {}
        counts = []
        flat = []
        offsets = np.zeros(len(labels) + 1, dtype=np.int64)
        for i, lab in enumerate(labels):
            group = list(lab) if _is_multi(lab) else [lab]
            if _is_multi(lab):
                multi = True
                if not group:
                    raise ValueError(f"text {i} has no labels")
            try:
                group = dict.fromkeys(group)
            except TypeError:
                raise TypeError(f"a label of text {i} is not hashable: {lab!r}") from None
            for g in group:
                j = first_seen.setdefault(g, len(first_seen))
                if j == len(counts):
                    counts.append(0)
                counts[j] += 1
                flat.append(j)
            offsets[i + 1] = len(flat)
        names = list(first_seen)
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")  # fastText: labels by count
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        flat = rank[np.asarray(flat, dtype=np.int64)].astype(np.int32)
        id_names = [names[j] for j in order]
        analyzer = "keras" if self.analyzer is None else ("whitespace" if self.analyzer == "whitespace" else "callable")
        d = self._new_dictionary(core, analyzer, None)
        d.count(texts)
        d.finalize(self.min_count, 1, self.buckets, self.word_ngrams)
        self._set_words(d)
        x = core.Examples()
        x.add(d, texts, flat, offsets)
        self._train(core, d, x, id_names, counts[order], multi, analyzer, file_labels=False)
        return self

    def _fit_file(self, core, path):
        d = self._new_dictionary(core, "whitespace", self.label)
        x = core.Examples()
        if self.pretrained is None:  # one pass: count, then encode what was read
            x.read_file(d, path, self.min_count, self.min_count_label, self.buckets,
                        self.word_ngrams)
        else:  # pretrained words join the vocabulary before the n-gram rows are numbered
            d.count_file(path)
            d.finalize(self.min_count, self.min_count_label, self.buckets, self.word_ngrams)
        if d.nlabels == 0:
            raise ValueError(f"{os.fsdecode(path)}: no labels (no token starts with {self.label!r})")
        self._set_words(d)
        if self.pretrained is not None:
            x.add_file(d, path)
        names, counts = d.labels()
        multi = x.max_labels() > 1
        self._train(core, d, x, names, counts, multi, "whitespace", file_labels=True)
        return self

    @staticmethod
    def _new_dictionary(core, analyzer, label):
        if analyzer == "keras":
            return core.Dictionary(_keras_delims(), True, None)
        label = label.encode("utf-8") if label else None
        return core.Dictionary(_delims(_WHITESPACE), False, label)

    def _set_words(self, d):
        """Words of the dictionary, and pretrained words appended (fastText
        adds them to the vocabulary)."""
        words, _ = d.words()
        if self.pretrained is not None:
            known = set(words)
            extra = [w for w in self.pretrained.words if w not in known]
            if extra:
                words = words + extra
                d.set_words(words, self.buckets, self.word_ngrams)
        if len(words) + (self.buckets if self.word_ngrams > 1 else 0) >= 2**31:
            raise ValueError("n_words + buckets must be < 2**31")
        self.words_ = words

    def _train(self, core, d, x, id_names, counts, multi, analyzer, file_labels):
        dim = int(self.dim)
        rows = d.nwords + (int(self.buckets) if self.word_ngrams > 1 else 0)
        wi = core.new_table(rows, dim)
        core.init_uniform(wi, 1.0 / dim, int(self.seed))
        if self.pretrained is not None:
            index = self.pretrained.index
            ids = [i for i, w in enumerate(self.words_) if w in index]
            src = [index[self.words_[i]] for i in ids]
            if ids:
                wi[np.asarray(ids)] = np.asarray(self.pretrained.matrix)[np.asarray(src)]
        nl = len(id_names)
        wo = np.zeros((nl, dim), dtype=np.float32)
        parent = binary = None
        if self.loss == "hs":
            parent, binary = core.huffman(np.ascontiguousarray(counts, dtype=np.int64))
        loss_code = core.LOSSES[self.loss]
        losses = core.train(wi, wo, x, loss_code, parent, binary, float(self.learning_rate),
                            int(self.epochs), int(self.batch_size), int(self.seed))
        if not np.all(np.isfinite(losses)):
            raise ValueError(
                f"training diverged (the loss of epoch {int(np.argmin(np.isfinite(losses))) + 1} "
                f"is not finite): lower learning_rate ({self.learning_rate}) or batch_size "
                f"({self.batch_size}), whose examples' steps add up")
        self.loss_ = losses.tolist()
        self._install(core, d, wi, wo, id_names, counts, multi, analyzer, file_labels, self.loss,
                      parent, binary)

    def _install(self, core, d, wi, wo, id_names, counts, multi, analyzer, file_labels, loss,
                 parent, binary):
        """Set the fitted state: tables, labels (classes_ sorted; id_names in
        the model's own order, by count), the dictionary and the tree."""
        try:
            perm = sorted(range(len(id_names)), key=lambda j: id_names[j])
        except TypeError:
            perm = list(range(len(id_names)))
        classes = np.empty(len(id_names), dtype=object)
        for c, j in enumerate(perm):
            classes[c] = id_names[j]
        if all(isinstance(c, str) for c in classes):
            classes = classes.astype(str)
        elif all(isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in classes):
            classes = classes.astype(np.int64)
        self.classes_ = classes
        self._id_names = list(id_names)
        self._class_of_id = np.empty(len(id_names), dtype=np.int64)
        self._class_of_id[np.asarray(perm, dtype=np.int64)] = np.arange(len(id_names))
        self._label_counts = np.asarray(counts, dtype=np.int64)
        self._dict = d
        self._tree = (parent, binary)
        self._loss = loss
        self.input_ = wi
        self.output_ = wo
        self.multilabel_ = bool(multi)
        self.analyzer_ = analyzer
        self._file_labels = bool(file_labels)
        if file_labels:
            d.set_labels(id_names)

    # -------------------------------------------------------------- prediction

    def _check_fitted(self):
        if not hasattr(self, "output_"):
            raise ValueError("this TextClassifier is not fitted yet: call fit first")

    def _analyzed(self, texts, what, analyzer):
        """texts with a callable analyzer applied (token lists then)."""
        for i, t in enumerate(texts):
            if not isinstance(t, (str, list, tuple)):
                raise TypeError(
                    f"{what} must be str or lists of str tokens; text {i} is a "
                    f"{type(t).__name__}: {t!r}")
        if callable(analyzer) and analyzer != "whitespace":
            out = []
            for i, t in enumerate(texts):
                if isinstance(t, str):
                    t = analyzer(t)
                    if isinstance(t, str) or not isinstance(t, (list, tuple)):
                        raise TypeError(f"analyzer must return a list of str tokens; for text {i} it "
                                        f"returned a {type(t).__name__}")
                out.append(t)
            return out
        return texts

    def _texts(self, texts):
        self._check_fitted()
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be an iterable of texts, not a single " + type(texts).__name__)
        texts = list(texts)
        if self.analyzer_ != "callable" and {type(t) for t in texts} <= {str}:
            return texts  # the common case, checked in one pass
        analyzer = self.analyzer if self.analyzer_ == "callable" else None
        return self._analyzed(texts, "texts", analyzer)

    def _input_table(self):
        """(rows, kind) of the input table as the C core reads it."""
        core = _core()
        if isinstance(self.input_, np.ndarray):
            return self.input_, core.KINDS["float32"]
        from cembed.compact import CompactTable

        if isinstance(self.input_, CompactTable):
            data = self.input_.data
            return data.view(np.uint8), core.KINDS[self.input_.dtype]
        return self.input_, core.KINDS["float32"]

    def _model_args(self):
        """(table, kind, dim, output layer, loss, parent, binary) as
        predict_texts takes them, kept while input_, output_ and the tree
        are the same objects (prediction asks once a call). The output
        layer is float32: a compact one is dequantized once (it is n_labels
        rows, small next to the input table)."""
        cached = self.__dict__.get("_model_cache")
        if cached is None or cached[0] is not self.input_ or cached[1] is not self.output_ \
                or cached[2] is not self._tree:
            table, kind = self._input_table()
            parent, binary = self._tree
            output = self.output_
            if not isinstance(output, np.ndarray):
                output = np.ascontiguousarray(output.dequantize())
            args = (table, kind, int(self.input_.shape[1]), output,
                    _core().LOSSES[self._loss], parent, binary)
            cached = (self.input_, self.output_, self._tree, args)
            self._model_cache = cached
        return cached[3]

    def _run(self, texts, k=0, threshold=0.0, hidden=False, proba=False):
        """(hidden, proba, top, top_p) of texts in C: tokens, rows, pooling
        and scoring in one call per chunk, threads over texts."""
        texts = self._texts(texts)
        core = _core()
        table, kind, dim, wo, loss, parent, binary = self._model_args()
        return core.predict_texts(self._dict, texts, table, kind, dim,
                                  wo if (proba or k) else None, loss, parent, binary, int(k),
                                  float(threshold), hidden, proba)

    def transform(self, texts):
        """The text vectors: the mean of each text's word and n-gram rows.

        fastText's ``get_sentence_vector`` for supervised models.

        Returns
        -------
        ndarray of float32, shape (n, dim)

        Examples
        --------
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> clf.transform(["a b", "zzz"]).shape
        (2, 4)
        """
        return self._run(texts, hidden=True)[0]

    def predict_proba(self, texts):
        """Probability of each class (columns in the order of ``classes_``).

        For ``"ova"`` each is an independent sigmoid; for ``"hs"`` the
        product of the decisions on the label's path in the tree.

        Examples
        --------
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> clf.predict_proba(["a"]).shape
        (1, 2)
        """
        p = self._run(texts, proba=True)[1]
        out = np.empty_like(p)
        out[:, self._class_of_id] = p
        return out

    def _top(self, texts, k, threshold):
        k = _check_int("k", k, 1)
        if not (type(threshold) is float or (isinstance(threshold, numbers.Real)
                                               and not isinstance(threshold, bool))) \
                or not math.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number, got {threshold!r}")
        self._check_fitted()
        if k > len(self._id_names):
            k = len(self._id_names)
        _, _, top, prob = self._run(texts, k=k, threshold=threshold)
        return top, prob

    def predict(self, texts, k=1, threshold=0.0):
        """The k most probable labels of each text with probability at
        least ``threshold``.

        Parameters
        ----------
        texts : iterable of str or token lists
        k : int, default 1
        threshold : float, default 0.0

        Returns
        -------
        ndarray or list of lists
            With ``k == 1`` and a single-label model, an array of labels
            (``None`` where no label reaches the threshold); otherwise a
            list of label lists, best first.

        Examples
        --------
        >>> clf = TextClassifier(dim=4, epochs=20, learning_rate=1.0).fit(
        ...     ["a b", "c d", "e f"] * 5, ["x", "y", "z"] * 5)
        >>> clf.predict(["a b"], k=2)[0][0]
        'x'
        """
        top, _ = self._top(texts, k, threshold)
        return self._labels_of(top, k)

    def predict_with_probabilities(self, texts, k=1, threshold=0.0):
        """fastText's ``predict``: (labels, probabilities), each a list of
        lists, best first.

        Examples
        --------
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> labels, probs = clf.predict_with_probabilities(["a b"], k=2)
        >>> len(labels[0]), round(float(sum(probs[0])), 4)
        (2, 1.0)
        """
        top, prob = self._top(texts, k, threshold)
        labels = self._label_lists(top)
        return labels, [list(p[: len(l)]) for p, l in zip(prob, labels)]

    def _label_lists(self, top):
        """Label lists of the top ids (-1 dropped), as Python objects: one
        list lookup a label (indexing NumPy arrays per label cost more than
        the prediction itself)."""
        names = self._by_id().tolist()
        if self.classes_.dtype == object:
            names = [x.item() if isinstance(x, np.generic) else x for x in names]
        return [[names[j] for j in row if j >= 0] for row in top.tolist()]

    def _by_id(self):
        """classes_ in the model's label order (label id i is class
        _class_of_id[i]), kept while classes_ is the same array."""
        cached = self.__dict__.get("_by_id_cache")
        if cached is None or cached[0] is not self.classes_:
            cached = (self.classes_, self.classes_[self._class_of_id])
            self._by_id_cache = cached
        return cached[1]

    def _labels_of(self, top, k):
        if k == 1 and not self.multilabel_:
            cls = self._by_id()
            labels = _MODULES[1].first_labels(top, cls)
            if labels is not None:
                return labels
            col = top[:, 0] if top.shape[1] else np.full(len(top), -1, np.int32)
            out = np.empty(len(col), dtype=object)
            for i, j in enumerate(col):
                out[i] = cls[j] if j >= 0 else None
            return out
        return self._label_lists(top)

    def score(self, texts, labels):
        """Accuracy: the fraction of texts whose best label is right (for
        multi-label texts: is one of theirs).

        Examples
        --------
        >>> clf = TextClassifier(dim=4, epochs=20, learning_rate=1.0).fit(["a", "b"] * 5, [0, 1] * 5)
        >>> clf.score(["a", "b"], [0, 1])
        1.0
        """
        texts = list(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise ValueError(f"there are {len(texts)} texts but {len(labels)} labels")
        if not texts:
            raise ValueError("score needs at least one text")
        top, _ = self._top(texts, 1, 0.0)
        best = self._label_lists(top)
        hits = 0
        for b, lab in zip(best, labels):
            gold = list(lab) if _is_multi(lab) else [lab]
            hits += bool(b) and b[0] in gold
        return hits / len(texts)

    def test(self, path, k=1, threshold=0.0):
        """fastText's ``test``: (examples, precision@k, recall@k) on a
        labelled file.

        Precision is the fraction of the predicted labels that are right,
        recall the fraction of the gold labels (those the model knows) that
        were predicted, over all lines.

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "t.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("__label__x a\\n__label__y b\\n")
        >>> clf = TextClassifier(dim=4, epochs=50, learning_rate=1.0).fit(["a", "b"], ["x", "y"])
        >>> clf.test(path)
        (2, 1.0, 1.0)
        """
        self._check_fitted()
        k = _check_int("k", k, 1)
        core = _core()
        if self._file_labels:
            x = core.Examples()
            x.add_file(self._dict, path)
            _, _, gold, gold_off, _ = x.arrays()
            gold_sets = [set(self._class_of_id[gold[a:b]].tolist())
                         for a, b in zip(gold_off[:-1], gold_off[1:])]
            n = len(x)
            table, kind, dim, output, loss, parent, binary = self._model_args()
            h = core.hidden(table, kind, dim, x)
            kk = min(k, len(self._id_names))
            top, _ = core.predict(h, output, loss, parent, binary, kk, float(threshold), False)
            top = [[int(self._class_of_id[j]) for j in row if j >= 0] for row in top]
        else:
            texts, gold_sets = self._read_labelled(path)
            n = len(texts)
            idx, _ = self._top(texts, k, threshold) if texts else (np.empty((0, 0), np.int32), None)
            top = [[int(self._class_of_id[j]) for j in row if j >= 0] for row in idx]
        predicted = sum(len(t) for t in top)
        gold_total = sum(len(g) for g in gold_sets)
        right = sum(len(set(t) & g) for t, g in zip(top, gold_sets))
        precision = right / predicted if predicted else float("nan")
        recall = right / gold_total if gold_total else float("nan")
        return n, precision, recall

    def _read_labelled(self, path):
        """Texts and gold class sets of a labelled file, for models fitted
        on Python texts (their labels matched by str)."""
        by_name = {}
        for c, name in enumerate(self.classes_.tolist()):
            by_name.setdefault(str(name), c)
        prefix = self.label
        texts, gold = [], []
        space = _WHITESPACE.replace("\n", "")
        with open(path, encoding="utf-8", errors="surrogateescape", newline="\n") as f:
            for lineno, line in enumerate(f, 1):
                tokens = [t for t in _split_ws(line.rstrip("\n"), space) if t]
                if not tokens:
                    continue
                labs = [t[len(prefix):] for t in tokens if t.startswith(prefix)]
                if not labs:
                    raise ValueError(f"{os.fsdecode(path)}: line {lineno} has no label (no token "
                                     "starts with the label prefix)")
                words = [t for t in tokens if not t.startswith(prefix)]
                texts.append(words if self.analyzer_ == "whitespace" else " ".join(words))
                gold.append({by_name[l] for l in labs if l in by_name})
        return texts, gold

    # ------------------------------------------------------------- compact model

    def quantize(self, dtype="int8", output=False):
        """A smaller copy for inference, as fastText's ``quantize``: the
        input table (words and n-gram buckets) in compact rows.

        The copy predicts from the compact table directly: each text's
        rows are pooled by the fused compact bag (:mod:`cembed.compact`),
        which gives the same sum as the float32 rows of
        ``input_.dequantize()``; ``predict``, ``predict_proba``,
        ``transform``, ``test``, ``save``/``load`` and pickling work on it.
        Calling ``fit`` on it trains a new float32 model.

        Parameters
        ----------
        dtype : {"int8", "int4", "float16", "bfloat16"}, default "int8"
            The row format (:func:`cembed.quantize`): int8 and int4 store
            codes with a scale and bias a row (about 4x and 7x smaller than
            float32 at dim 100), float16 and bfloat16 halve it.
        output : bool, default False
            Also store the output layer compact (fastText's ``-qout``). It
            has one row a label (hs: a label minus one), so this shrinks
            the file only when there are many labels; it is dequantized
            once, in memory, to score.

        Returns
        -------
        TextClassifier
            A new model whose ``input_`` (and with ``output`` its
            ``output_``) is a :class:`~cembed.CompactTable`.

        Examples
        --------
        >>> clf = TextClassifier(dim=8, epochs=20, learning_rate=0.5).fit(
        ...     ["good movie", "great film", "bad movie", "awful film"] * 20,
        ...     ["pos", "pos", "neg", "neg"] * 20)
        >>> small = clf.quantize("int8")
        >>> small.input_
        CompactTable(7 x 8, int8)
        >>> small.predict(["a good film", "an awful movie"]).tolist()
        ['pos', 'neg']
        """
        from cembed.compact import CompactTable, quantize

        self._check_fitted()
        if dtype not in _COMPACT_DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(map(repr, _COMPACT_DTYPES))}, "
                             f"got {dtype!r}")
        if not isinstance(output, (bool, np.bool_)):
            raise TypeError(f"output must be a bool, got {type(output).__name__}")

        def pack(table):
            if isinstance(table, CompactTable):
                table = table.dequantize()
            return quantize(table, dtype)

        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.pop("_model_cache", None)
        new.input_ = pack(self.input_)
        if output:
            new.output_ = pack(self.output_)
        return new

    # ------------------------------------------------------------- save / load

    def save(self, path):
        """Write the model to one file, atomically (a crash leaves the old
        file as it was).

        The file holds the parameters, the labels, the vocabulary and the
        tables (float32, or the packed rows of a quantized model); it is
        smaller than fastText's ``.bin`` for the same buckets and dim.
        Labels must be str, int, float or bool.

        Examples
        --------
        >>> import os, tempfile
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.bin")
        >>> clf.save(path)
        >>> again = TextClassifier.load(path)
        >>> bool((again.input_ == clf.input_).all()), again.classes_.tolist()
        (True, ['x', 'y'])
        """
        self._check_fitted()
        head = self._header()
        with atomic_replace(path) as tmp:
            with open(tmp, "wb") as f:
                self._write(f, head)

    def _header(self):
        """The file's JSON header (checks that the labels can be saved)."""
        from cembed.compact import CompactTable

        labels = []
        for name in self._id_names:
            if isinstance(name, (bool, np.bool_)):
                labels.append(["bool", bool(name)])
            elif isinstance(name, (numbers.Integral,)):
                labels.append(["int", int(name)])
            elif isinstance(name, (float, np.floating)):
                labels.append(["float", float(name)])
            elif isinstance(name, str):
                labels.append(["str", name])
            else:
                raise TypeError(f"cannot save the label {name!r}: labels must be str, int, float "
                                "or bool to be saved")
        params = self.get_params()
        params["pretrained"] = None
        if callable(params["analyzer"]):
            params["analyzer"] = None
        header = {
            "params": params,
            "labels": labels,
            "label_counts": self._label_counts.tolist(),
            "analyzer": self.analyzer_,
            "file_labels": self._file_labels,
            "multilabel": self.multilabel_,
            "loss": self._loss,
            "n_words": len(self.words_),
            "input_shape": list(self.input_.shape),
            "output_shape": list(self.output_.shape),
        }
        for key, table in (("input_dtype", self.input_), ("output_dtype", self.output_)):
            if isinstance(table, CompactTable):
                header[key] = table.dtype
        return header

    def _write(self, f, header):
        version = 2 if ("input_dtype" in header or "output_dtype" in header) else 1
        head = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        words = [w.encode("utf-8", "surrogateescape") for w in self.words_]
        lens = np.fromiter((len(w) for w in words), dtype=np.int32, count=len(words))
        f.write(_MAGIC + struct.pack("<IQ", version, len(head)) + head)
        f.write(lens.astype("<i4").tobytes())
        f.write(b"".join(words))
        f.write(b"\0" * ((-f.tell()) % 4))
        for table in (self.input_, self.output_):
            if isinstance(table, np.ndarray):
                table = np.ascontiguousarray(table, dtype="<f4")
            else:  # a CompactTable: its packed rows, as cembed.compact saves them
                table = np.ascontiguousarray(table.data).view(np.uint8)
            f.write(memoryview(table).cast("B"))

    @classmethod
    def load(cls, path, analyzer=None):
        """Read a model written by :meth:`save`.

        ``analyzer`` gives back the callable of a model fitted with one (a
        callable is not saved).

        Examples
        --------
        >>> import os, tempfile
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.bin")
        >>> clf.save(path)
        >>> TextClassifier.load(path).predict(["a b"]).tolist() == clf.predict(["a b"]).tolist()
        True
        """
        with open(path, "rb") as f:
            return cls._read(f, os.fsdecode(path), analyzer)

    @classmethod
    def _read(cls, f, name, analyzer):
        start = f.read(len(_MAGIC) + 12)
        if len(start) < len(_MAGIC) + 12 or start[: len(_MAGIC)] != _MAGIC:
            raise ValueError(f"{name} is not a cembed TextClassifier file")
        version, head_len = struct.unpack("<IQ", start[len(_MAGIC):])
        if version not in (1, 2):
            raise ValueError(f"{name}: unknown TextClassifier file version {version}")
        try:
            header = json.loads(f.read(head_len).decode("ascii"))
            n_words = int(header["n_words"])
            lens = _read_array(f, "<i4", n_words)
            blob = f.read(int(lens.sum(dtype=np.int64)))
            f.read((-f.tell()) % 4)
            wi = _read_table(f, tuple(header["input_shape"]), header.get("input_dtype"))
            wo = _read_table(f, tuple(header["output_shape"]), header.get("output_dtype"))
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as e:
            raise ValueError(f"{name}: malformed TextClassifier file ({e})") from None
        if len(lens) != n_words or len(blob) != int(lens.sum(dtype=np.int64)) or wi is None \
                or wo is None:
            raise ValueError(f"{name}: truncated TextClassifier file")
        params = header["params"]
        if analyzer is not None:
            params["analyzer"] = analyzer
        elif header["analyzer"] == "callable":
            raise ValueError("this model was fitted with a callable analyzer: pass it as "
                             "TextClassifier.load(path, analyzer=...)")
        self = cls(**params)
        ends = np.cumsum(lens, dtype=np.int64)
        starts = ends - lens
        words = [blob[a:b].decode("utf-8", "surrogateescape") for a, b in zip(starts, ends)]
        core = _core()
        d = self._new_dictionary(core, header["analyzer"], self.label if header["file_labels"] else None)
        d.set_words(words, int(self.buckets), int(self.word_ngrams))
        self.words_ = words
        decode = {"str": str, "int": int, "float": float, "bool": bool}
        names = [decode[t](v) for t, v in header["labels"]]
        counts = np.asarray(header["label_counts"], dtype=np.int64)
        parent = binary = None
        if header["loss"] == "hs":
            parent, binary = core.huffman(counts)
        self._install(core, d, wi, wo, names, counts, header["multilabel"], header["analyzer"],
                      header["file_labels"], header["loss"], parent, binary)
        return self

    # ---------------------------------------------------------------- pickling

    def __getstate__(self):
        """Pickled as its parameters and, when fitted, the bytes of
        :meth:`save` and the training losses: ``pickle`` (and joblib, dask)
        round trips are bitwise. A callable analyzer or ``pretrained``
        vectors are pickled as parameters.

        Examples
        --------
        >>> import pickle
        >>> clf = TextClassifier(dim=4).fit(["a b", "c"], ["x", "y"])
        >>> again = pickle.loads(pickle.dumps(clf))
        >>> bool((again.input_ == clf.input_).all()), again.predict(["c"]).tolist()
        (True, ['y'])
        """
        state = {"params": self.get_params()}
        if hasattr(self, "output_"):
            buf = io.BytesIO()
            self._write(buf, self._header())
            state["model"] = buf.getvalue()
            state["loss_"] = getattr(self, "loss_", None)
        return state

    def __setstate__(self, state):
        params = state["params"]
        self.__init__(**params)
        if "model" in state:
            analyzer = params["analyzer"] if callable(params["analyzer"]) else None
            fitted = self._read(io.BytesIO(state["model"]), "pickled TextClassifier", analyzer)
            self.__dict__.update(fitted.__dict__)
            self.set_params(**params)
            if state.get("loss_") is not None:
                self.loss_ = state["loss_"]


def _read_array(f, dtype, count):
    """count items from a file (read straight into the array) or from the
    bytes of a pickle."""
    if isinstance(f, io.BytesIO):
        dtype = np.dtype(dtype)
        return np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype).copy()
    return np.fromfile(f, dtype=dtype, count=count)


def _read_table(f, shape, dtype):
    """A (rows, dim) table of a model file: float32, or packed compact rows
    of dtype; None when the file ends first."""
    from cembed.compact import CompactTable
    from cembed import _compact

    rows, dim = (int(v) for v in shape)
    if rows < 0 or dim < 1:
        raise ValueError(f"bad table shape {shape}")
    if dtype is None:
        data = _read_array(f, "<f4", rows * dim)
        return data.reshape(rows, dim) if data.size == rows * dim else None
    if dtype not in _COMPACT_DTYPES:
        raise ValueError(f"unknown table dtype {dtype!r}")
    row_bytes = _compact.row_bytes(_compact.KINDS[dtype], dim)
    packed = _read_array(f, np.uint8, rows * row_bytes)
    if packed.size != rows * row_bytes:
        return None
    packed = packed.reshape(rows, row_bytes)
    view = {"float16": np.float16, "bfloat16": np.uint16}.get(dtype, np.uint8)
    return CompactTable.from_packed(packed.view(view), dtype, dim)


def _split_ws(line, space):
    """Split at any of the characters of space (fastText's white space)."""
    out = [line]
    for ch in space:
        out = [piece for part in out for piece in part.split(ch)]
    return out
