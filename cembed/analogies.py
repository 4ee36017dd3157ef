"""Word-analogy evaluation (``questions-words.txt``), as gensim computes it.

:meth:`cembed.Vectors.evaluate_word_analogies` delegates here. The steps
follow gensim's ``KeyedVectors.evaluate_word_analogies`` and its
``most_similar(positive=[b, c], negative=[a], topn=5, restrict_vocab=...)``
operation for operation (3CosAdd on unit vectors among the first
``restrict_vocab`` words, the query words left out), so the same vectors
give the same answers.
"""
import numpy as np

__all__ = ["evaluate_word_analogies"]


def _top(dists, topn):
    """gensim's matutils.argsort(dists, topn, reverse=True)."""
    x = -dists
    if topn >= x.size:
        return np.argsort(x)[:topn]
    most_extreme = np.argpartition(x, topn)[:topn]
    return most_extreme.take(np.argsort(x.take(most_extreme)))


def _predict(vectors, norms, ok_vocab, a, b, c, clip_end):
    """The words of gensim's most_similar(positive=[b, c], negative=[a],
    topn=5) with keys looked up in ok_vocab."""
    weights = np.concatenate((np.ones(2), -1.0 * np.ones(1)))
    mean = np.zeros(vectors.shape[1], vectors.dtype)
    total_weight = 0
    rows = [ok_vocab[k] for k in (b, c, a)]
    for w, row in zip(weights, rows):
        mean += w * (vectors[row] / norms[row])
        total_weight += abs(w)
    mean = mean / total_weight
    veclen = np.sqrt(np.dot(mean.astype(np.float64), mean.astype(np.float64)))
    if veclen > 0.0:
        mean = (mean * (1.0 / veclen)).astype(mean.dtype)
    mean = mean.astype(np.float32)
    dists = np.dot(vectors[:clip_end], mean) / norms[:clip_end]
    best = _top(dists, 5 + len(rows))
    return [i for i in best.tolist() if i not in rows][:5]


def evaluate_word_analogies(vectors, path, restrict_vocab=300000, case_insensitive=True):
    """Accuracy of ``vectors`` on an analogy file such as gensim's
    ``questions-words.txt``.

    The file holds sections, each started by a line ``: name``, of lines
    ``a b c expected``: the answer to "a is to b as c is to ?" is the word
    nearest by cosine to ``b - a + c`` (unit vectors) among the first
    ``restrict_vocab`` words, ``a``, ``b`` and ``c`` left out. Lines with a
    word outside those words are skipped, and so are lines without exactly
    four words. With ``case_insensitive`` words are compared upper-cased
    (the first of the words that upper-case alike counts).

    Parameters
    ----------
    vectors : cembed.Vectors
    path : str or os.PathLike
    restrict_vocab : int or None, default 300000
    case_insensitive : bool, default True

    Returns
    -------
    accuracy : float
        Correct answers over evaluated lines (0.0 if none).
    sections : list of dict
        One per section, then ``"Total accuracy"``: ``{"section": name,
        "correct": [(a, b, c, expected), ...], "incorrect": [...]}``.

    Examples
    --------
    >>> import numpy as np, os, tempfile, cembed
    >>> v = cembed.Vectors(["man", "woman", "king", "queen"],
    ...                    np.float32([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]]))
    >>> path = os.path.join(tempfile.mkdtemp(), "q.txt")
    >>> _ = open(path, "w").write(": royal\\nman woman king queen\\n")
    >>> accuracy, sections = v.evaluate_word_analogies(path)
    >>> accuracy, sections[0]["correct"]
    (1.0, [('MAN', 'WOMAN', 'KING', 'QUEEN')])
    """
    if restrict_vocab is not None:
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
            raise TypeError(f"restrict_vocab must be an int or None, got {type(restrict_vocab).__name__}")
        if restrict_vocab < 1:
            raise ValueError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    words = vectors.words
    ok_keys = words[:restrict_vocab]
    if case_insensitive:
        ok_vocab = {k.upper(): vectors.index[k] for k in reversed(ok_keys)}
    else:
        ok_vocab = {k: vectors.index[k] for k in reversed(ok_keys)}
    matrix = vectors.matrix
    norms = np.linalg.norm(matrix, axis=1)
    clip_end = restrict_vocab if restrict_vocab else len(words)
    sections, section = [], None
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f):
            line = raw.decode("utf-8")
            if line.startswith(": "):
                if section:
                    sections.append(section)
                section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
                continue
            if not section:
                raise ValueError(f"Missing section header before line #{line_no} in {path}")
            parts = line.split()
            if len(parts) != 4:
                continue
            if case_insensitive:
                parts = [w.upper() for w in parts]
            a, b, c, expected = parts
            if a not in ok_vocab or b not in ok_vocab or c not in ok_vocab or expected not in ok_vocab:
                continue
            ignore = {a, b, c}
            predicted = None
            for i in _predict(matrix, norms, ok_vocab, a, b, c, clip_end):
                predicted = words[i].upper() if case_insensitive else words[i]
                if predicted in ok_vocab and predicted not in ignore:
                    break
            (section["correct"] if predicted == expected else section["incorrect"]).append((a, b, c, expected))
    if section:
        sections.append(section)
    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    sections.append(total)
    n = len(total["correct"]) + len(total["incorrect"])
    return (len(total["correct"]) / n if n else 0.0), sections
