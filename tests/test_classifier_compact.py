"""TextClassifier.quantize, pickling, and prediction from texts in C.

References: NumPy (the mean of the dequantized rows, softmax / sigmoid /
the hs path products), the float32 model over the dequantized table
(bitwise), the full ranking of predict_proba for hs's pruned search, and
subprocesses with 1, 2 and 4 threads.
"""
import os
import pickle

import numpy as np
import pytest

import cembed
from cembed import CompactTable, TextClassifier

from fresh import python_stdout
from test_classifier import WORDNET, ref_rows, wordnet_glosses

DTYPES = ("int8", "int4", "float16", "bfloat16")


def corpus(n=300, vocab=60, labels=5, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(1, 12)))) for _ in range(n)]
    ys = [f"c{int(t.split()[0][1:]) % labels}" for t in texts]
    return texts, ys


def fitted(loss="softmax", word_ngrams=2, labels=5, dim=12):
    texts, ys = corpus(labels=labels)
    return TextClassifier(dim=dim, word_ngrams=word_ngrams, buckets=97, epochs=5, loss=loss,
                          learning_rate=0.3).fit(texts, ys), texts, ys


def float_twin(q):
    """The float32 model over q's dequantized tables."""
    twin = object.__new__(TextClassifier)
    twin.__dict__.update(q.__dict__)
    twin.__dict__.pop("_model_cache", None)
    twin.input_ = q.input_.dequantize()
    if isinstance(q.output_, CompactTable):
        twin.output_ = q.output_.dequantize()
    return twin


def assert_same_as_twin(got, want, dtype):
    """Half-float rows pool bitwise as their float32 values do; an int8/int4
    sum adds the row biases once per bag (docs/compact.rst), so it agrees
    with the pooled dequantized rows to float rounding."""
    if dtype in ("float16", "bfloat16"):
        assert got.tobytes() == want.tobytes()
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def numpy_proba(clf, h, wo):
    scores = h.astype(np.float64) @ wo.astype(np.float64).T
    if clf._loss == "softmax":
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if clf._loss == "ova":
        return 1 / (1 + np.exp(-scores))
    parent, binary = clf._tree
    nl = len(clf._id_names)
    out = np.ones((len(h), nl))
    for j in range(nl):
        node = j
        while parent[node] != -1:
            f = 1 / (1 + np.exp(-scores[:, parent[node] - nl]))
            out[:, j] *= f if binary[node] else 1 - f
            node = parent[node]
    return out


# ------------------------------------------------------------------- quantize


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_quantized_predictions_against_numpy_on_dequantized_table(dtype, loss):
    clf, texts, _ = fitted(loss)
    q = clf.quantize(dtype)
    assert isinstance(q.input_, CompactTable) and q.input_.dtype == dtype
    assert q.input_.shape == clf.input_.shape and q.output_ is clf.output_
    assert isinstance(clf.input_, np.ndarray)  # the original is left as it was
    table = q.input_.dequantize()
    w = {t: i for i, t in enumerate(q.words_)}
    probe = texts[:40] + ["", "zzz w1 unknown"]
    tokens = [t.split() for t in probe]
    h_ref = np.stack([table[ref_rows(t, w, len(w), 97, 2)].mean(axis=0) for t in tokens])
    h = q.transform(probe)
    np.testing.assert_allclose(h, h_ref, rtol=1e-5, atol=1e-7)
    # the float32 model over the dequantized table
    twin = float_twin(q)
    assert_same_as_twin(h, twin.transform(probe), dtype)
    p = q.predict_proba(probe)
    assert_same_as_twin(p, twin.predict_proba(probe), dtype)
    ref = numpy_proba(q, h_ref, q.output_)[:, q._class_of_id.argsort()]
    np.testing.assert_allclose(p, ref, rtol=1e-4, atol=1e-6)
    assert q.predict(probe, k=3) == twin.predict(probe, k=3)


@pytest.mark.parametrize("dtype", ["int8", "int4"])
def test_quantized_output_layer(dtype):
    clf, texts, _ = fitted("softmax", labels=40)
    q = clf.quantize(dtype, output=True)
    assert isinstance(q.output_, CompactTable) and q.output_.shape == clf.output_.shape
    h = q.transform(texts[:30])
    ref = numpy_proba(q, h, q.output_.dequantize())[:, q._class_of_id.argsort()]
    np.testing.assert_allclose(q.predict_proba(texts[:30]), ref, rtol=1e-4, atol=1e-6)
    assert_same_as_twin(q.predict_proba(texts[:30]), float_twin(q).predict_proba(texts[:30]), dtype)


def test_quantize_bad_arguments():
    with pytest.raises(ValueError, match="not fitted"):
        TextClassifier().quantize()
    clf, _, _ = fitted()
    with pytest.raises(ValueError, match="dtype must be one of"):
        clf.quantize("int2")
    with pytest.raises(TypeError, match="output must be a bool"):
        clf.quantize("int8", output="yes")
    # quantizing a quantized model packs its dequantized rows again
    again = clf.quantize("int8").quantize("float16")
    assert again.input_.dtype == "float16"


@pytest.mark.parametrize("dtype", DTYPES)
def test_quantized_save_load_round_trip(tmp_path, dtype):
    clf, texts, _ = fitted("hs", labels=9)
    q = clf.quantize(dtype, output=dtype == "int8")
    clf.save(tmp_path / "f.bin")
    q.save(tmp_path / "q.bin")
    assert os.path.getsize(tmp_path / "q.bin") < os.path.getsize(tmp_path / "f.bin")
    again = TextClassifier.load(tmp_path / "q.bin")
    assert again.input_.dtype == dtype
    assert again.input_.data.tobytes() == q.input_.data.tobytes()
    assert type(again.output_) is type(q.output_)
    probe = texts[:50] + [""]
    assert again.predict_proba(probe).tobytes() == q.predict_proba(probe).tobytes()
    assert again.predict(probe, k=2) == q.predict(probe, k=2)


def test_quantized_file_model_test_and_predict(tmp_path):
    path = tmp_path / "train.txt"
    texts, ys = corpus(n=400)
    path.write_text("".join(f"__label__{y} {t}\n" for t, y in zip(texts, ys)))
    clf = TextClassifier(dim=16, word_ngrams=2, buckets=211, epochs=10, learning_rate=0.5).fit(path)
    q = clf.quantize("int8")
    n, p, r = q.test(path)
    assert n == 400 and abs(p - clf.test(path)[1]) <= 0.01
    assert q.predict(texts[:20]).tolist() == float_twin(q).predict(texts[:20]).tolist()


def test_quantized_accuracy_loss_is_bounded():
    """The learning-test corpus (WordNet glosses, or pang_lee's polarity
    when WordNet is missing): int8 and the 16-bit formats lose at most 0.01
    accuracy, int4 at most 0.03."""
    if os.path.isdir(WORDNET):
        train, test = wordnet_glosses()
    else:
        gensim = pytest.importorskip("gensim")
        path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data",
                            "pang_lee_polarity.cor")
        with open(path, encoding="utf-8") as f:
            rows = [(line.split(None, 1)[1], line.split(None, 1)[0]) for line in f if line.strip()]
        train, test = rows[::2], rows[1::2]
    clf = TextClassifier(dim=32, word_ngrams=2, buckets=100_000, epochs=10, learning_rate=0.5)
    clf.fit([t for t, _ in train], [l for _, l in train])
    texts, gold = [t for t, _ in test], [l for _, l in test]
    base = clf.score(texts, gold)
    bound = {"int8": 0.01, "int4": 0.03, "float16": 0.01, "bfloat16": 0.01}
    for dtype in DTYPES:
        acc = clf.quantize(dtype).score(texts, gold)
        assert acc >= base - bound[dtype], (dtype, acc, base)


# ------------------------------------------------------- hs: the pruned search


@pytest.mark.parametrize("k", [1, 3, 10, 60])
@pytest.mark.parametrize("threshold", [0.0, 0.01, 0.2])
def test_hs_pruned_top_k_equals_ranking_every_label(k, threshold):
    clf, texts, _ = fitted("hs", labels=50, word_ngrams=1)
    probe = texts[:100]
    proba = clf.predict_proba(probe)[:, clf._class_of_id]  # model id order
    labels, probs = clf.predict_with_probabilities(probe, k=k, threshold=threshold)
    for p, got, got_p in zip(proba, labels, probs):
        order = [j for j in np.lexsort((np.arange(len(p)), -p)) if p[j] >= threshold][:k]
        assert [clf._id_names[j] for j in order] == got
        assert np.array_equal(np.float32(p[order]), np.float32(got_p))


# ------------------------------------------------------------------- pickling


def _analyzer(text):
    return text.lower().split()


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_pickle_round_trip_bitwise(loss):
    clf, texts, _ = fitted(loss)
    for model in (clf, clf.quantize("int4", output=True)):
        again = pickle.loads(pickle.dumps(model))
        assert again.get_params() == model.get_params()
        for name in ("input_", "output_"):
            a, b = getattr(model, name), getattr(again, name)
            assert type(a) is type(b)
            assert np.asarray(getattr(a, "data", a)).tobytes() == \
                np.asarray(getattr(b, "data", b)).tobytes()
        assert again.words_ == model.words_ and again.loss_ == model.loss_
        assert again.classes_.tolist() == model.classes_.tolist()
        assert again.predict_proba(texts).tobytes() == model.predict_proba(texts).tobytes()
        assert pickle.dumps(again) == pickle.dumps(model)


def test_pickle_unfitted_file_model_and_callable_analyzer(tmp_path):
    clf = TextClassifier(dim=7, epochs=2, analyzer=_analyzer)
    again = pickle.loads(pickle.dumps(clf))
    assert again.get_params() == clf.get_params() and not hasattr(again, "output_")
    again.fit(["A b", "c D"], ["x", "y"])
    twice = pickle.loads(pickle.dumps(again))
    assert twice.analyzer is _analyzer
    assert twice.predict(["A b"]).tolist() == again.predict(["A b"]).tolist() == ["x"]
    path = tmp_path / "t.txt"
    path.write_text("__label__a x y\n__label__b z\n" * 5)
    f = TextClassifier(dim=4).fit(path)
    g = pickle.loads(pickle.dumps(f))
    assert g.test(path) == f.test(path) and g.predict(["__label__b z"]).tolist() == ["b"]
    pretrained = cembed.Vectors(["x", "q"], np.ones((2, 4), np.float32))
    p = TextClassifier(dim=4, pretrained=pretrained).fit(path)
    p2 = pickle.loads(pickle.dumps(p))
    assert p2.pretrained.words == ["x", "q"] and p2.input_.tobytes() == p.input_.tobytes()


# --------------------------------------------- prediction threads: determinism

PREDICT = r"""
import sys, hashlib, numpy as np, cembed
from cembed import TextClassifier
cembed.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(1)
words = ["w%d" % i for i in range(2000)]
texts = [" ".join(rng.choice(words, size=int(rng.integers(1, 40)))) for _ in range(6000)]
labels = [int(t.split()[0][1:]) % 97 for t in texts]
h = hashlib.sha256()
for loss in ("softmax", "hs"):
    clf = TextClassifier(dim=64, word_ngrams=2, buckets=20000, epochs=1, loss=loss,
                         seed=5).fit(texts[:500], labels[:500])
    many = texts * 4 + [list(t.split()) for t in texts[:3000]]
    for model in (clf, clf.quantize("int8")):
        h.update(model.transform(many).tobytes())
        h.update(model.predict_proba(many[:8000]).tobytes())
        labs, probs = model.predict_with_probabilities(many, k=3)
        h.update(repr(labs).encode()); h.update(np.asarray(probs, np.float32).tobytes())
print(h.hexdigest())
"""


def test_prediction_bitwise_same_for_1_2_4_threads():
    if not cembed.openmp_enabled():
        pytest.skip("built without OpenMP")
    digests = {n: python_stdout(PREDICT, n).strip() for n in (1, 2, 4)}
    assert len(set(digests.values())) == 1, digests
