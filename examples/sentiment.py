"""Sentiment classification: Keras' Embedding -> GlobalAveragePooling1D -> Dense(softmax), in cembed.

The seeds' Keras model, trained on padded word ids:

    model = Sequential([Embedding(vocab_size, 32, mask_zero=True),
                        GlobalAveragePooling1D(),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(padded, labels, epochs=3)

is, in cembed, fastText's classifier (the mean of the word vectors, a linear
layer, a softmax), trained in C on the texts themselves:

    clf = TextClassifier(dim=32, epochs=3).fit(texts, labels)
    clf.score(test_texts, test_labels)

A labelled corpus of short restaurant reviews is generated (deterministic,
no download): sentiment words of the review's polarity (and some of the
other), topic words, filler words, and a long Zipf tail of rare made-up
names, so the vocabulary is thousands of words; 5% of the labels are
flipped, so about 95% is the best a model can do.

Prints the test accuracy and the training throughput in words per second.

Run: python examples/sentiment.py [--docs 20000] [--epochs 5] [--dim 32] [--threads 1]
"""
import argparse
import time

import numpy as np

from cembed import TextClassifier, get_num_threads, set_num_threads

POSITIVE = ("good great excellent amazing wonderful delicious friendly fresh lovely perfect "
            "tasty superb pleasant fantastic brilliant cozy charming generous attentive "
            "outstanding").split()
NEGATIVE = ("bad terrible awful horrible bland rude stale dirty slow cold greasy disappointing "
            "mediocre noisy overpriced soggy burnt unfriendly dreadful poor").split()
TOPICS = ("food service staff waiter pizza pasta soup dessert coffee wine table menu place room "
          "price portion atmosphere music view bread").split()
FILLER = ("the a and was is it we they our very really quite this that with for of at to in "
          "but so too here there").split()
SYLLABLES = "ka lo mi ne ru sa ti vo be da fu gi ho ja ke li mo nu pa ro".split()


def generate(num_docs, seed):
    """(texts, labels): reviews of 6 to 30 words, label 1 = positive."""
    rng = np.random.default_rng(seed)
    names = np.array([a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES])
    labels = rng.integers(0, 2, size=num_docs)
    lengths = rng.integers(6, 31, size=num_docs)
    doc_of = np.repeat(np.arange(num_docs), lengths)
    kind = rng.choice(4, size=len(doc_of), p=[0.2, 0.25, 0.35, 0.2])  # sentiment/topic/filler/name
    agrees = rng.random(len(doc_of)) < 0.8
    positive = np.where(agrees, labels[doc_of] == 1, labels[doc_of] == 0)
    pos = np.array(POSITIVE)[rng.integers(0, len(POSITIVE), len(doc_of))]
    neg = np.array(NEGATIVE)[rng.integers(0, len(NEGATIVE), len(doc_of))]
    words = np.where(positive, pos, neg)
    words = np.where(kind == 1, np.array(TOPICS)[rng.integers(0, len(TOPICS), len(doc_of))], words)
    words = np.where(kind == 2, np.array(FILLER)[rng.integers(0, len(FILLER), len(doc_of))], words)
    rank = np.minimum(rng.zipf(1.2, len(doc_of)), len(names)) - 1
    words = np.where(kind == 3, names[rank], words)
    ends = np.cumsum(lengths)
    texts = [" ".join(words[e - n:e]) for e, n in zip(ends, lengths)]
    flip = rng.random(num_docs) < 0.05
    return texts, np.where(flip, 1 - labels, labels).astype(np.float32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="cembed threads (default: OMP_NUM_THREADS)")
    args = parser.parse_args(argv)
    set_num_threads(args.threads)

    texts, labels = generate(args.docs, args.seed)
    labels = np.where(labels == 1, "positive", "negative")
    n_train = int(0.8 * len(texts))
    print(f"corpus: {len(texts)} generated reviews ({n_train} train / {len(texts) - n_train} test)")

    clf = TextClassifier(dim=args.dim, epochs=args.epochs, learning_rate=args.learning_rate,
                         seed=args.seed)
    start = time.perf_counter()
    clf.fit(texts[:n_train], labels[:n_train])
    seconds = time.perf_counter() - start
    words = sum(len(t.split()) + 1 for t in texts[:n_train]) * args.epochs  # + one </s> a text

    test_accuracy = float(clf.score(texts[n_train:], labels[n_train:]))
    print(f"train accuracy: {clf.score(texts[:n_train], labels[:n_train]):.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")
    print(f"training throughput: {words / seconds:,.0f} words/s "
          f"({words:,} words in {seconds:.2f} s; dim {args.dim}, {get_num_threads()} thread(s))")
    for text in ("the soup was cold and the waiter rude", "lovely place, delicious pasta"):
        (label,), proba = clf.predict([text]), clf.predict_proba([text])[0]
        print(f"{text!r}: {label} ({proba.max():.2f})")
    return test_accuracy


if __name__ == "__main__":
    main()
