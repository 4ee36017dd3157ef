"""cembed.TextClassifier: fastText's supervised model.

References: the gradient of every loss by central finite differences of a
NumPy forward pass (float64), fastText's hash and n-gram scheme written out
in Python, scikit-learn's clone / Pipeline / GridSearchCV, and fastText
itself where it is installed.
"""
import os
import zlib

import numpy as np
import pytest

import cembed
from cembed import TextClassifier
from cembed.models import _classifier as core
from cembed.models.classifier import _delims, _WHITESPACE

from fresh import python_stdout

WORDNET = "/usr/share/wordnet"


# ------------------------------------------------------------ Python references


def fnv1a(token):
    """fastText's Dictionary::hash: FNV-1a over the bytes as signed chars."""
    h = 2166136261
    for b in token.encode("utf-8"):
        signed = b - 256 if b >= 128 else b
        h = (h ^ (signed & 0xFFFFFFFF)) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ref_rows(tokens, vocab, n_words, buckets, word_ngrams):
    """fastText's getLine + addWordNgrams for one text (a token list)."""
    tokens = list(tokens) + ["</s>"]
    rows = [vocab[t] for t in tokens if t in vocab]
    hashes = []
    for t in tokens:
        h = fnv1a(t)
        hashes.append(h - 2**32 if h >= 2**31 else h)  # held as an int32
    if word_ngrams > 1:
        for i in range(len(hashes)):
            h = hashes[i] % 2**64  # widened with its sign
            for j in range(i + 1, min(len(hashes), i + word_ngrams)):
                h = (h * 116049371 + hashes[j]) % 2**64
                rows.append(n_words + h % buckets)
    return rows


def make_examples(texts, labels, buckets=0, word_ngrams=1, min_count=1):
    d = core.Dictionary(_delims(_WHITESPACE), False, None)
    d.count(texts)
    d.finalize(min_count, 1, buckets, word_ngrams)
    x = core.Examples()
    flat = np.asarray([l for ls in labels for l in ls], dtype=np.int32)
    off = np.zeros(len(labels) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(ls) for ls in labels])
    x.add(d, texts, flat, off)
    return d, x


# ---------------------------------------------------------------- hashing


def test_hash_matches_fasttext_scheme():
    for word in ["", "a", "hello", "</s>", "naïve", "日本語", "\x80\xff", "__label__x"]:
        assert core.ft_hash(word.encode("utf-8")) == fnv1a(word)
    # known values of fastText's hash (32-bit FNV-1a, offset 2166136261)
    assert core.ft_hash(b"") == 2166136261
    assert core.ft_hash(b"a") == 0xE40C292C


@pytest.mark.parametrize("word_ngrams", [1, 2, 3, 5])
def test_rows_match_python_reference(word_ngrams):
    rng = np.random.default_rng(word_ngrams)
    alphabet = ["a", "b", "c", "é", "日", "z", "q"]
    texts = [["".join(rng.choice(alphabet, size=rng.integers(1, 4))) for _ in range(rng.integers(0, 9))]
             for _ in range(60)]
    buckets = 997
    d, x = make_examples(texts[:40], [[0]] * 40, buckets, word_ngrams, min_count=2)
    words, counts = d.words()
    assert list(counts) == sorted(counts, reverse=True) and counts.min() >= 2
    vocab = {w: i for i, w in enumerate(words)}
    y = core.Examples()
    y.add(d, texts)  # known and unknown words alike
    rows, off, _, _, tokens = y.arrays()
    for i, t in enumerate(texts):
        assert rows[off[i]:off[i + 1]].tolist() == ref_rows(t, vocab, len(words), buckets, word_ngrams)
        assert tokens[i + 1] - tokens[i] == len(t) + 1  # its tokens and </s>


def test_str_texts_split_by_keras_default_analyzer():
    clf = TextClassifier(dim=4, epochs=1).fit(["Hello, World! naïve CAFÉ", "x"], ["a", "b"])
    assert set(clf.words_) == {"hello", "world", "naïve", "café", "x", "</s>"}
    ws = TextClassifier(dim=4, epochs=1, analyzer="whitespace").fit(["Hello, World!", "x"], ["a", "b"])
    assert set(ws.words_) == {"Hello,", "World!", "x", "</s>"}
    fn = TextClassifier(dim=4, epochs=1, analyzer=lambda s: s.split("-")).fit(["p-q", "r"], ["a", "b"])
    assert set(fn.words_) == {"p", "q", "r", "</s>"}
    assert fn.predict(["p-q"]).tolist() in (["a"], ["b"])


# --------------------------------------------------------- gradient of losses


def forward_loss(loss, wi, wo, rows, labels, parent, binary):
    """The loss of one example in float64 NumPy: rows' mean, linear layer."""
    h = wi[rows].mean(axis=0)
    nl = wo.shape[0]
    if loss == "softmax":
        s = wo @ h
        s = s - s.max()
        return -(s[labels[0]] - np.log(np.exp(s).sum()))
    if loss == "ova":
        p = 1 / (1 + np.exp(-(wo @ h)))
        return -sum(np.log(p[i]) if i in labels else np.log(1 - p[i]) for i in range(nl))
    total, j = 0.0, labels[0]
    while parent[j] != -1:
        f = 1 / (1 + np.exp(-(wo[parent[j] - nl] @ h)))
        total -= np.log(f) if binary[j] else np.log(1 - f)
        j = parent[j]
    return total


def numeric_grad(fn, params, eps=1e-6):
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = fn()
            p[idx] = old - eps
            down = fn()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
@pytest.mark.parametrize("batch", [1, 3, 7])
def test_one_batch_step_is_minus_lr_times_gradient(loss, batch):
    rng = np.random.default_rng(batch)
    vocab = ["w%d" % i for i in range(6)]
    texts = [list(rng.choice(vocab, size=rng.integers(1, 5))) for _ in range(batch)]
    nl, dim = 5, 3
    if loss == "ova":
        labels = [sorted(set(rng.integers(0, nl, size=2).tolist())) for _ in texts]
    else:
        labels = [[int(rng.integers(0, nl))] for _ in texts]
    d, x = make_examples(texts, labels, buckets=11, word_ngrams=2)
    rows_all, off, _, _, tok = x.arrays()
    n_rows = d.nwords + 11
    wi = rng.normal(size=(n_rows, dim)).astype(np.float32)
    wo = rng.normal(size=(nl, dim)).astype(np.float32)
    counts = np.array([5, 4, 3, 2, 1], dtype=np.int64)
    parent, binary = core.huffman(counts) if loss == "hs" else (None, None)
    wi1, wo1 = wi.copy(), wo.copy()
    lr = 0.3
    core.train(wi1, wo1, x, core.LOSSES[loss], parent, binary, lr, 1, batch, 0)
    # the reference: every example's gradient at the same parameters
    wi64, wo64 = wi.astype(np.float64), wo.astype(np.float64)
    step_i, step_o = np.zeros_like(wi64), np.zeros_like(wo64)
    for e in range(batch):
        rows = rows_all[off[e]:off[e + 1]]
        lr_e = lr * (1 - tok[e] / tok[-1])
        gi, go = numeric_grad(
            lambda: forward_loss(loss, wi64, wo64, rows, labels[e], parent, binary), [wi64, wo64])
        step_i -= lr_e * gi
        step_o -= lr_e * go
    np.testing.assert_allclose(wi1 - wi, step_i, rtol=2e-3, atol=2e-6)
    np.testing.assert_allclose(wo1 - wo, step_o, rtol=2e-3, atol=2e-6)


def test_huffman_tree_as_fasttext():
    parent, binary = core.huffman(np.array([10, 5, 3, 1], dtype=np.int64))
    # leaves 3 (1) and 2 (3) join first into node 4, then 4 (4) and 1 (5)
    # into 5, then 0 (10) and 5 (9): the smaller count is the left child
    assert parent.tolist() == [6, 5, 4, 4, 5, 6, -1]
    assert binary.tolist() == [1, 1, 1, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="non-increasing"):
        core.huffman(np.array([1, 2], dtype=np.int64))


# ------------------------------------------------------------- determinism

DETERMINISM = r"""
import sys, hashlib, numpy as np, cembed
from cembed import TextClassifier
cembed.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)
words = ["w%d" % i for i in range(400)]
texts = [list(rng.choice(words, size=int(rng.integers(3, 15)))) for _ in range(600)]
labels = [[int(v) for v in rng.integers(0, 64, size=2)] for _ in texts]
h = hashlib.sha256()
# dim 256 with 64 labels: enough work a batch for every thread count
for loss, batch in (("softmax", 16), ("ova", 16), ("hs", 64)):
    clf = TextClassifier(dim=256, word_ngrams=2, buckets=5000, epochs=2, loss=loss,
                         batch_size=batch, seed=3).fit(texts, labels)
    h.update(clf.input_.tobytes()); h.update(clf.output_.tobytes())
    h.update(clf.predict_proba(texts[:50]).tobytes())
print(h.hexdigest())
"""


def test_bitwise_same_model_for_1_2_4_threads():
    if not cembed.openmp_enabled():
        pytest.skip("built without OpenMP")
    digests = {n: python_stdout(DETERMINISM, n).strip() for n in (1, 2, 4)}
    assert len(set(digests.values())) == 1, digests


def test_bitwise_same_model_on_every_instruction_set_path():
    digests = {isa: python_stdout(DETERMINISM, 2, CEMBED_ISA=isa).strip()
               for isa in cembed.build_info()["supported_isa"]}
    assert len(set(digests.values())) == 1, digests


def test_same_seed_same_model_other_seed_other_model():
    texts, labels = ["a b c", "d e f", "a e"] * 5, ["x", "y", "x"] * 5
    a = TextClassifier(dim=8, seed=1).fit(texts, labels)
    b = TextClassifier(dim=8, seed=1).fit(texts, labels)
    c = TextClassifier(dim=8, seed=2).fit(texts, labels)
    assert np.array_equal(a.input_, b.input_) and np.array_equal(a.output_, b.output_)
    assert not np.array_equal(a.input_, c.input_)


def test_divergence_raises():
    texts = [f"w{i % 7} w{i % 5}" for i in range(400)]
    with pytest.raises(ValueError, match="training diverged.*lower learning_rate"):
        TextClassifier(dim=8, learning_rate=1e4, batch_size=64).fit(texts, [i % 3 for i in range(400)])


def test_init_as_fasttext():
    clf = TextClassifier(dim=20, epochs=1, learning_rate=0.0).fit(["a b", "c"], ["x", "y"])
    assert np.all(np.abs(clf.input_) <= 1 / 20) and clf.input_.std() > 0.01
    assert not clf.output_.any()  # output starts at zeros, and lr 0 leaves it


# -------------------------------------------------------------- the estimator


def test_multilabel_ova():
    rng = np.random.default_rng(0)
    topics = {"sport": ["ball", "goal", "team"], "money": ["bank", "cash", "price"],
              "food": ["bread", "soup", "salt"]}
    texts, labels = [], []
    for _ in range(300):
        ks = sorted(rng.choice(list(topics), size=int(rng.integers(1, 3)), replace=False))
        texts.append(" ".join(w for k in ks for w in rng.choice(topics[k], size=2)))
        labels.append(ks)
    clf = TextClassifier(dim=16, epochs=20, learning_rate=0.5, loss="ova").fit(texts, labels)
    assert clf.multilabel_
    pred = clf.predict(["ball goal bank cash"], k=3, threshold=0.5)
    assert sorted(pred[0]) == ["money", "sport"]
    assert clf.predict(["soup bread"], k=1)[0] == ["food"]
    p = clf.predict_proba(["soup bread"])[0]
    assert p[list(clf.classes_).index("food")] > 0.5 and 0 <= p.min() and p.max() <= 1


def test_predict_shapes_threshold_and_proba():
    texts, labels = ["a b", "c d", "e f"] * 10, [2, 0, 1] * 10
    for loss in ("softmax", "hs", "ova"):
        clf = TextClassifier(dim=8, epochs=30, learning_rate=0.5, loss=loss).fit(texts, labels)
        assert clf.classes_.tolist() == [0, 1, 2]
        assert clf.predict(["a b", "c d", "e f"]).tolist() == [2, 0, 1]
        assert clf.score(texts, labels) == 1.0
        p = clf.predict_proba(["a b", "c d"])
        assert p.shape == (2, 3) and p.dtype == np.float32
        assert p.argmax(axis=1).tolist() == [2, 0]
        if loss != "ova":
            np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
        top = clf.predict(["a b"], k=5)
        assert len(top[0]) == 3 and top[0][0] == 2
        labs, probs = clf.predict_with_probabilities(["a b"], k=3)
        assert probs[0] == sorted(probs[0], reverse=True)
        np.testing.assert_allclose(probs[0], sorted(clf.predict_proba(["a b"])[0], reverse=True),
                                   rtol=1e-6)
        assert clf.predict(["a b"], threshold=1.01).tolist() == [None]
        assert clf.predict(["a b"], k=2, threshold=1.01) == [[]]
    assert clf.transform(["a b", ""]).shape == (2, 8)



def test_predict_threshold_drops_a_later_text_and_follows_new_tables():
    """k = 1 labels with one text under the threshold after others over it
    (None in its place only), and prediction after input_ or output_ is
    replaced reads the new tables, not the ones of an earlier call."""
    texts, labels = ["a b", "c d", "e f"] * 10, ["x", "y", "z"] * 10
    clf = TextClassifier(dim=8, epochs=30, learning_rate=0.5).fit(texts, labels)
    queries = ["a b", "c d", "zzz"]
    best = clf.predict_proba(queries).max(axis=1)
    assert best[2] < best[:2].min()
    cut = float(best[2] + best[:2].min()) / 2
    got = clf.predict(queries, threshold=cut)
    assert got.dtype == object and got.tolist() == ["x", "y", None]
    assert clf.predict(queries).tolist()[:2] == ["x", "y"]
    wo = clf.output_
    clf.output_ = np.ascontiguousarray(wo[::-1])  # labels' rows swapped: x <-> z
    assert clf.predict(["a b"]).tolist() == ["z"]
    clf.output_ = wo
    wi = clf.input_
    clf.input_ = np.zeros_like(wi)  # every text's vector is 0: equal scores
    np.testing.assert_allclose(clf.predict_proba(["a b"]), 1 / 3, rtol=1e-6)
    clf.input_ = wi
    assert clf.predict(["a b"]).tolist() == ["x"]

def test_text_without_known_words_gets_a_prediction():
    clf = TextClassifier(dim=8, epochs=5).fit(["a b", "c d"], ["x", "y"])
    assert clf.predict(["", "zzz qqq", []]).shape == (3,)
    np.testing.assert_array_equal(clf.transform([""])[0], clf.input_[clf.words_.index("</s>")])


def test_transform_is_mean_of_rows():
    clf = TextClassifier(dim=6, word_ngrams=2, buckets=50, epochs=2).fit(["a b c", "b c"], ["x", "y"])
    w = {t: i for i, t in enumerate(clf.words_)}
    rows = ref_rows(["a", "b", "zz"], w, len(w), 50, 2)
    np.testing.assert_allclose(clf.transform([["a", "b", "zz"]])[0], clf.input_[rows].mean(axis=0),
                               rtol=1e-6)


def test_fit_file_and_test(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("__label__a x y\n\n__label__b __label__c z w\n  \n__label__a x\n" * 10)
    clf = TextClassifier(dim=8, epochs=30, learning_rate=0.5).fit(path)
    assert clf.classes_.tolist() == ["a", "b", "c"] and clf.multilabel_
    assert "__label__a" not in clf.words_
    n, p, r = clf.test(path)
    assert n == 30 and p == pytest.approx(1.0)
    assert r == pytest.approx(30 / 40)  # one right prediction a line, 40 gold labels
    n, p, r = clf.test(path, k=2)
    assert r == pytest.approx(1.0)
    # label tokens in texts are skipped, as fastText's predict does
    assert clf.predict(["__label__b x y"], k=1) == [["a"]]


@pytest.mark.parametrize("min_count, min_count_label, word_ngrams, prefix", [
    (1, 1, 1, "__label__"), (1, 1, 3, "__label__"), (2, 1, 2, "__label__"), (1, 2, 2, "__label__"),
    (3, 2, 2, "<"),  # "<" makes "</s>" a label token: counted as a word, no row
])
def test_file_read_once_as_count_finalize_encode(tmp_path, min_count, min_count_label,
                                                 word_ngrams, prefix):
    """cembed_ft_read_file (one pass) gives the dictionary and examples of
    count_file + finalize + add_file (two passes)."""
    rng = np.random.default_rng(min_count + 7 * word_ngrams)
    words = ["w%d" % i for i in range(40)] + ["naïve", "x" * 30]
    labels = ["a", "b", "c", "rare"]
    lines = []
    for i in range(300):
        toks = list(rng.choice(words, size=int(rng.integers(0, 9))))
        labs = [prefix + str(l) for l in rng.choice(labels, size=int(rng.integers(1, 3)),
                                                     p=[0.45, 0.3, 0.245, 0.005])]
        toks[int(rng.integers(0, len(toks) + 1)):0] = labs
        lines.append(" \t".join(toks) if i % 7 else "")
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    delims = _delims(_WHITESPACE)
    old_d, new_d = core.Dictionary(delims, False, prefix.encode()), core.Dictionary(
        delims, False, prefix.encode())
    old_n = old_d.count_file(path)
    old_d.finalize(min_count, min_count_label, 97, word_ngrams)
    old_x = core.Examples()
    old_x.add_file(old_d, path)
    new_x = core.Examples()
    new_n = new_x.read_file(new_d, path, min_count, min_count_label, 97, word_ngrams)
    assert new_n == old_n and len(new_x) == len(old_x)
    assert new_d.ntokens == old_d.ntokens
    for a, b in zip(old_d.words() + old_d.labels(), new_d.words() + new_d.labels()):
        assert list(a) == list(b)
    for a, b in zip(old_x.arrays(), new_x.arrays()):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert new_x.max_labels() == int(np.diff(old_x.arrays()[3]).max())


def test_test_on_model_fitted_on_python_texts(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("__label__pos Great film!\n__label__neg Awful, awful film.\n__label__zzz great\n")
    clf = TextClassifier(dim=8, epochs=40, learning_rate=0.5).fit(
        ["great film", "awful film"] * 5, ["pos", "neg"] * 5)
    n, p, r = clf.test(path)
    assert n == 3 and p == pytest.approx(2 / 3) and r == pytest.approx(1.0)


def test_save_load_round_trip_bitwise(tmp_path):
    texts, labels = ["a b c", "d e", "f"] * 5, ["x", "y", 3] * 5
    for loss in ("softmax", "hs", "ova"):
        clf = TextClassifier(dim=8, word_ngrams=2, buckets=100, epochs=3, loss=loss).fit(texts, labels)
        path = tmp_path / f"m-{loss}.bin"
        clf.save(path)
        again = TextClassifier.load(path)
        assert again.get_params() == {**clf.get_params(), "pretrained": None}
        assert again.input_.tobytes() == clf.input_.tobytes()
        assert again.output_.tobytes() == clf.output_.tobytes()
        assert again.words_ == clf.words_ and again.classes_.tolist() == clf.classes_.tolist()
        probe = ["a b", "zz d", ""]
        assert again.predict_proba(probe).tobytes() == clf.predict_proba(probe).tobytes()
        assert again.predict(probe, k=2) == clf.predict(probe, k=2)
    # a file-trained model keeps its label prefix and labels
    f = tmp_path / "train.txt"
    f.write_text("__label__a x y\n__label__b z\n" * 5)
    clf = TextClassifier(dim=4).fit(f)
    clf.save(tmp_path / "f.bin")
    again = TextClassifier.load(tmp_path / "f.bin")
    assert again.test(f) == clf.test(f)
    assert os.listdir(tmp_path).count("f.bin") == 1 and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_model_file_no_larger_than_fasttext_bin(tmp_path):
    """fastText's .bin: its header, the dictionary (each word with a NUL,
    an int64 count and a type byte), and both float32 tables."""
    texts = [f"w{i} w{i + 1} w{i * 7 % 13}" for i in range(200)]
    clf = TextClassifier(dim=10, word_ngrams=2, buckets=1000, epochs=1).fit(texts, [i % 3 for i in range(200)])
    clf.save(tmp_path / "m.bin")
    header = 8 + 12 * 4 + 8 + 3 * 4 + 2 * 8  # magic, version, args; dictionary sizes
    entries = sum(len(w.encode()) + 10 for w in clf.words_) + 3 * (len("__label__0") + 10)
    fasttext_bin = header + entries + 1 + 16 + clf.input_.nbytes + 1 + 16 + clf.output_.nbytes
    assert os.path.getsize(tmp_path / "m.bin") <= fasttext_bin


def test_pretrained_vectors():
    from cembed import Vectors

    vec = Vectors(["a", "unseen"], np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.float32))
    clf = TextClassifier(dim=4, epochs=1, learning_rate=0.0, pretrained=vec).fit(["a b", "c"], ["x", "y"])
    assert "unseen" in clf.words_  # pretrained words join the vocabulary, as fastText
    np.testing.assert_array_equal(clf.input_[clf.words_.index("unseen")], [5, 6, 7, 8])
    np.testing.assert_array_equal(clf.input_[clf.words_.index("a")], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="dim 4 but dim is 5"):
        TextClassifier(dim=5, pretrained=vec).fit(["a"], ["x"])
    with pytest.raises(TypeError, match="cembed.Vectors"):
        TextClassifier(pretrained=np.zeros((2, 4))).fit(["a"], ["x"])


# ------------------------------------------------------------------ bad input


def test_bad_inputs(tmp_path):
    clf = TextClassifier(dim=4)
    with pytest.raises(ValueError, match="at least one text"):
        clf.fit([], [])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        clf.fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="needs labels"):
        clf.fit(["a", "b"])
    with pytest.raises(ValueError, match="text 1 has no labels"):
        clf.fit(["a", "b"], [["x"], []])
    with pytest.raises(TypeError, match="text 1 is a int"):
        clf.fit(["a", 5], ["x", "y"])
    with pytest.raises(TypeError, match="token 1 of text 0 is a int"):
        clf.fit([["a", 3]], ["x"])
    with pytest.raises(TypeError, match="not hashable"):
        clf.fit(["a"], [{"k": 1}])
    with pytest.raises(TypeError, match="single str"):
        clf.fit("a b", ["x"])
    bad = tmp_path / "bad.txt"
    bad.write_text("__label__a x\n\n__label__b y\nno label here\n")
    with pytest.raises(ValueError, match="line 4 has no label"):
        clf.fit(bad)
    with pytest.raises(FileNotFoundError):
        clf.fit(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(["a"])
    for name, value, err in [("dim", 0, ValueError), ("loss", "ns", ValueError), ("epochs", 1.5, TypeError),
                             ("learning_rate", -1, ValueError), ("batch_size", 0, ValueError),
                             ("analyzer", "char", ValueError), ("label", "", ValueError)]:
        with pytest.raises(err, match=name):
            TextClassifier(**{name: value}).fit(["a"], ["x"])
    fitted = TextClassifier(dim=4).fit(["a"], ["x"])
    with pytest.raises(ValueError, match="k must be >= 1"):
        fitted.predict(["a"], k=0)
    with pytest.raises(ValueError, match="line 2 has no label"):
        fitted.test(_write(tmp_path, "__label__x a\nb\n"))
    with pytest.raises(ValueError, match="invalid parameter 'dims'"):
        fitted.set_params(dims=3)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a cembed TextClassifier"):
        TextClassifier.load(junk)
    fitted.save(tmp_path / "ok.bin")
    data = (tmp_path / "ok.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-3])
    with pytest.raises(ValueError, match="truncated"):
        TextClassifier.load(tmp_path / "cut.bin")
    with pytest.raises(TypeError, match="cannot save the label"):
        TextClassifier(dim=4).fit(["a", "b"], [1j, 2j]).save(tmp_path / "x.bin")


def _write(tmp_path, text):
    p = tmp_path / "labelled.txt"
    p.write_text(text)
    return p


# ---------------------------------------------------------------- scikit-learn


def test_sklearn_clone_pipeline_gridsearch():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    clf = TextClassifier(dim=8, epochs=10, learning_rate=0.5, batch_size=4)
    c2 = clone(clf)
    assert c2.get_params() == clf.get_params() and c2 is not clf
    texts = ["good great fine", "bad awful poor", "great good", "awful bad"] * 10
    labels = ["pos", "neg", "pos", "neg"] * 10
    pipe = Pipeline([("lower", FunctionTransformer(lambda xs: [x.lower() for x in xs])), ("clf", clf)])
    pipe.fit(texts, labels)
    assert pipe.score(["GOOD great", "AWFUL bad"], ["pos", "neg"]) == 1.0
    grid = GridSearchCV(TextClassifier(epochs=10, learning_rate=0.5), {"dim": [4, 8]}, cv=2)
    grid.fit(texts, labels)
    assert grid.best_params_["dim"] in (4, 8) and grid.best_score_ == 1.0
    assert sklearn.__version__


# -------------------------------------------------------------- learning test


def wordnet_glosses(limit_per_file=1500):
    """WordNet 3.0 glosses labelled by lexicographer file number, split
    80/20 by a stable hash of the gloss."""
    lex = {"noun": (5, 6, 13, 20), "verb": (38, 40)}  # animal, artifact, food, plant; motion, possession
    train, test = [], []
    for pos, files in lex.items():
        seen = {}
        with open(os.path.join(WORDNET, f"data.{pos}"), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                head, _, gloss = line.partition(" | ")
                num = int(head.split()[1])
                if num not in files or seen.get(num, 0) >= limit_per_file:
                    continue
                seen[num] = seen.get(num, 0) + 1
                text = gloss.split(";")[0].strip()
                (test if zlib.crc32(text.encode()) % 5 == 0 else train).append((text, f"lex{num}"))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(train))
    return [train[i] for i in order], test


@pytest.mark.skipif(not os.path.isdir(WORDNET), reason="needs WordNet (Debian's wordnet-base)")
def test_learns_wordnet_lexicographer_files(tmp_path):
    train, test = wordnet_glosses()
    clf = TextClassifier(dim=32, word_ngrams=2, buckets=100_000, epochs=10, learning_rate=0.5)
    clf.fit([t for t, _ in train], [l for _, l in train])
    acc = clf.score([t for t, _ in test], [l for _, l in test])
    assert acc > 0.75, acc  # 6 classes; the majority class is about 0.3
    fasttext = pytest.importorskip("fasttext")
    from cembed.text import text_to_word_sequence

    for name, rows in (("train", train), ("test", test)):
        with open(tmp_path / name, "w") as f:
            for t, l in rows:
                f.write(f"__label__{l} {' '.join(text_to_word_sequence(t))}\n")
    ft = fasttext.train_supervised(str(tmp_path / "train"), dim=32, wordNgrams=2, bucket=100_000,
                                   epoch=10, lr=0.5, thread=1, verbose=0, seed=0)
    ft_acc = ft.test(str(tmp_path / "test"))[1]
    assert acc > ft_acc - 0.02, (acc, ft_acc)
    ours = TextClassifier(dim=32, word_ngrams=2, buckets=100_000, epochs=10, learning_rate=0.5).fit(tmp_path / "train")
    assert ours.test(tmp_path / "test")[1] > ft_acc - 0.02


def test_learns_pang_lee_polarity():
    gensim = pytest.importorskip("gensim")
    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "pang_lee_polarity.cor")
    clf = TextClassifier(dim=16, epochs=20, learning_rate=0.5).fit(path)
    n, p, r = clf.test(path)
    assert n == 200 and p > 0.95  # the training data is learnt
