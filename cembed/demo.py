"""The demo behind ``python -m cembed demo``: a ``TextClassifier`` on WordNet's glosses.

The shipped corpus (``cembed/data/wordnet_glosses.tsv.gz``) holds 39,765
synsets of WordNet 3.0, each a line ``label<TAB>text``: the label is the
synset's lexicographer file (``noun.animal``, ``verb.motion``, ``adj.all``,
... 45 of them), the text its words and its gloss, for example
``noun.animal<TAB>dog, domestic dog, Canis familiaris: a member of the genus
Canis ...``. ``examples/make_wordnet_corpus.py`` wrote it (at most 1200
synsets of each file); WordNet's license is ``cembed/data/WORDNET_LICENSE``.

The demo trains fastText's classifier on four fifths of it (the split is a
stable hash of the text; the training texts are shuffled with the seed), prints the test accuracy beside the majority
label's, predicts a few sentences with their top labels and probabilities,
and shows the nearest neighbours of familiar words among the model's word
vectors.

>>> texts, labels = read_corpus(DEFAULT_CORPUS)
>>> len(texts), len(set(labels)), labels[0], texts[0].split(":")[0]
(39765, 45, 'noun.Tops', 'entity')
"""
import gzip
import os
import sys
import time
import zlib

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
DEFAULT_CORPUS = os.path.join(DATA, "wordnet_glosses.tsv.gz")
LICENSE = os.path.join(DATA, "WORDNET_LICENSE")

# Sentences the shipped corpus has never seen, in the style of its glosses.
SENTENCES = (
    "a wild animal that hunts at night",
    "to move quickly on foot across the field",
    "a sweet baked food made of flour eggs and sugar",
    "a tall tree with needles and cones",
    "to talk to someone on the telephone",
    "a feeling of great happiness and joy",
)
# Words whose neighbours everyone can judge.
FAMILIAR = ("fish", "river", "bread", "red", "run", "king", "tree")


class CorpusError(ValueError):
    """A corpus file that is not ``label<TAB>text`` lines; the message names the line
    (``line`` is None for a problem of the whole file, such as a single label).

    >>> str(CorpusError("reviews.tsv", 3, "no tab"))
    'reviews.tsv, line 3: no tab'
    """

    def __init__(self, path, line, reason):
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}, line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")


def read_corpus(path):
    """Read a TSV corpus: one ``label<TAB>text`` a line; blank lines are skipped.

    A path ending in ``.gz`` is read through gzip. Returns ``(texts,
    labels)``, two lists of str. The text is everything after the first tab.
    A line without a tab, with an empty label or not valid UTF-8 raises
    ``CorpusError`` (a ``ValueError``) naming the 1-based line; a file with
    fewer than two examples or a single label too.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.tsv")
    >>> _ = open(path, "w").write("pos\\tgood food\\n\\nneg\\tcold soup\\n")
    >>> read_corpus(path)
    (['good food', 'cold soup'], ['pos', 'neg'])
    >>> _ = open(path, "w").write("pos\\tgood food\\nneg cold soup\\n")
    >>> read_corpus(path)
    Traceback (most recent call last):
    ...
    cembed.demo.CorpusError: ..., line 2: expected 'label<TAB>text', found no tab
    """
    texts, labels = [], []
    name = os.fspath(path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(name, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise CorpusError(name, number, f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
            line = line.rstrip("\r\n")
            if number == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            label, tab, text = line.partition("\t")
            if not tab:
                raise CorpusError(name, number, "expected 'label<TAB>text', found no tab")
            label = label.strip()
            if not label:
                raise CorpusError(name, number, "empty label")
            labels.append(label)
            texts.append(text)
    if len(texts) < 2:
        raise CorpusError(name, None, f"a corpus needs at least 2 examples, found {len(texts)}")
    if len(set(labels)) < 2:
        raise CorpusError(name, None, f"a corpus needs at least 2 labels, found only {labels[0]!r}")
    return texts, labels


def split(texts):
    """A stable ``(train, test)`` index split: a text is a test text when the
    CRC-32 of its UTF-8 bytes is a multiple of 5 (about a fifth), whatever the
    order of the corpus or the seed; equal texts fall on the same side. With
    two texts or more, neither side is empty.

    >>> train, test = split(["a", "b", "c", "d", "e", "f", "g", "h"])
    >>> train.tolist(), test.tolist()
    ([0, 1, 3, 4, 5, 6, 7], [2])
    >>> split(["x", "y"])
    (array([0]), array([1]))
    """
    is_test = np.array([zlib.crc32(t.encode("utf-8")) % 5 == 0 for t in texts], dtype=bool)
    if len(texts) >= 2 and not is_test.any():
        is_test[-1] = True
    if len(texts) >= 2 and is_test.all():
        is_test[0] = False
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def word_vectors(clf, words):
    """A ``Vectors`` of the classifier's rows of ``words`` (those in its vocabulary).

    >>> from cembed import TextClassifier
    >>> clf = TextClassifier(dim=4, epochs=1).fit(["good soup", "cold soup"], ["pos", "neg"])
    >>> vectors = word_vectors(clf, ["soup", "good", "unknown"])
    >>> vectors.words, vectors.matrix.shape
    (['soup', 'good'], (2, 4))
    """
    from cembed import Vectors

    index = {w: i for i, w in enumerate(clf.words_)}
    known = [w for w in words if w in index]
    return Vectors(known, clf.input_[[index[w] for w in known]])  # word i is input row i


def plot_embeddings(path, words, vectors, colors=None, labels=30):
    """Draw ``vectors`` in 2-D (PCA) with the first ``labels`` words written.

    Needs matplotlib (``pip install "cembed[plot]"``). Returns ``path``.

    >>> import os, tempfile
    >>> try:
    ...     import matplotlib
    ... except ImportError:
    ...     matplotlib = None
    >>> out = os.path.join(tempfile.mkdtemp(), "e.png")
    >>> matplotlib is None or plot_embeddings(out, ["a", "b", "c"], np.eye(3)) == out
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vectors = np.asarray(vectors, np.float64)
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    fig, ax = plt.subplots(figsize=(9, 7), dpi=100)
    if colors is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=12, color="tab:blue", alpha=0.7)
    else:
        ax.scatter(xy[:, 0], xy[:, 1], s=12, c=colors, cmap="tab20", alpha=0.7)
    for word, (px, py) in list(zip(words, xy))[:labels]:
        ax.annotate(word, (px, py), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_title("cembed: the classifier's word vectors (PCA)")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _top(proba, classes, k):
    order = np.argsort(-proba, kind="stable")[:k]
    return ", ".join(f"{classes[i]} {proba[i]:.2f}" for i in order)


def run(corpus=None, dim=32, epochs=10, learning_rate=0.5, word_ngrams=2, buckets=200_000,
        seed=0, save=None, plot=None, out=None):
    """The whole demo; prints as it goes to ``out`` (stdout) and returns the test accuracy.

    >>> import io
    >>> accuracy = run(epochs=2, out=io.StringIO())
    >>> accuracy > 0.3  # 45 labels; the majority label is right on 3 % of the test texts
    True
    """
    from cembed import TextClassifier, Tokenizer, get_num_threads

    out = sys.stdout if out is None else out

    def say(*parts):
        print(*parts, file=out)

    path = DEFAULT_CORPUS if corpus is None else os.fspath(corpus)
    texts, labels = read_corpus(path)
    train, test = split(texts)
    names = sorted(set(labels))
    shown = ", ".join(names) if len(names) <= 6 else f"{', '.join(names[:3])}, ..., {names[-1]}"
    source = " (WordNet 3.0 glosses, shipped with cembed; license: WORDNET_LICENSE)" if corpus is None else ""
    say(f"corpus: {os.path.basename(path)}{source}: {len(texts)} texts, {len(names)} labels "
        f"({shown}); {len(train)} train / {len(test)} test")

    # SGD on texts grouped by label (WordNet's order) forgets the first labels: shuffle.
    order = np.random.default_rng(seed).permutation(train)
    train_texts = [texts[i] for i in order]
    train_labels = [labels[i] for i in order]
    clf = TextClassifier(dim=dim, word_ngrams=word_ngrams, buckets=buckets, epochs=epochs,
                         learning_rate=learning_rate, seed=seed)
    say(f"model: TextClassifier(dim={dim}, word_ngrams={word_ngrams}, buckets={buckets:,}, "
        f"epochs={epochs}, learning_rate={learning_rate}); {get_num_threads()} thread(s)")
    counter = Tokenizer()  # the classifier's default analyzer: lowercase, punctuation dropped
    counter.fit_on_texts(train_texts)
    tokens = sum(counter.word_counts.values()) + len(train_texts)  # + one </s> a text
    start = time.perf_counter()
    clf.fit(train_texts, train_labels)
    seconds = time.perf_counter() - start
    say(f"trained in {seconds:.2f} s: {len(clf.words_):,} words, {tokens * epochs / seconds:,.0f} words/s")

    test_texts = [texts[i] for i in test]
    accuracy = float(clf.score(test_texts, [labels[i] for i in test]))
    values, counts = np.unique(np.array(train_labels, dtype=object), return_counts=True)
    majority = values[np.argmax(counts)]
    baseline = float(np.mean([labels[i] == majority for i in test]))
    say(f"test accuracy: {accuracy:.4f} (majority label: {baseline:.4f})")

    sentences = list(SENTENCES) if corpus is None else [t[:80] for t in test_texts[:3]]
    say("predictions (top 3 labels and their probabilities):")
    for sentence, proba in zip(sentences, clf.predict_proba(sentences)):
        say(f"  {sentence!r}\n    -> {_top(proba, clf.classes_, 3)}")

    # Neighbours among the frequent words (rare words have noisy vectors).
    by_count = sorted(counter.word_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    frequent = [w for w, c in by_count if c >= 5][:5000] or [w for w, _ in by_count]
    vectors = word_vectors(clf, frequent)
    queries = [w for w in FAMILIAR if w in vectors.index] if corpus is None else []
    if not queries:
        queries = vectors.words[20:24] or vectors.words[:4]
    if queries:
        say(f"nearest neighbours (cosine of the model's word vectors) among the "
            f"{len(vectors.words)} most frequent words:")
    for word in queries:
        near = vectors.most_similar(word, topn=5)
        say(f"  {word:>10}: " + ", ".join(f"{w} {s:.3f}" for w, s in near))

    if save is not None:
        written = clf.save(save)
        say(f"saved: {written if written is not None else save} (TextClassifier.load)")
    if plot is not None:
        top = vectors.words[:300]
        if not top:
            raise CorpusError(path, None, "no words to plot: every text is empty after tokenizing")
        lean = np.argmax(clf.predict_proba(top), axis=1)
        plot_embeddings(plot, top, vectors.matrix[:len(top)], colors=lean, labels=40)
        say(f"plot: {plot} ({len(top)} most frequent words, PCA, coloured by the label each "
            "predicts alone)")
    return accuracy
