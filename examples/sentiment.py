"""Sentiment classification: Tokenizer -> pad_sequences -> Embedding -> mean bag -> logistic.

A labelled corpus of short restaurant reviews is generated (deterministic,
no download): sentiment words of the review's polarity (and some of the
other), topic words, filler words, and a long Zipf tail of rare made-up
names, so the vocabulary is thousands of words; 5% of the labels are
flipped. The model is Keras' "embedding bag" classifier, `cembed.demo.BagClassifier`
(the model of `python -m cembed demo`): the mean of the word vectors of a
review (padding skipped via mask_zero) feeds a softmax over the two labels,
i.e. logistic regression. The embedding trains with lazy Adam (only the rows
of the words in a batch move), the softmax layer with Adam in NumPy.

Prints the test accuracy and the training throughput in tokens per second
(forward, backward and both optimizer steps, timed together).

Run: python examples/sentiment.py [--docs 20000] [--epochs 3] [--dim 32] [--threads 1]
"""
import argparse
import time

import numpy as np

from cembed import Tokenizer, get_num_threads, pad_sequences, set_num_threads
from cembed.demo import BagClassifier

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
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--maxlen", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="cembed threads (default: OMP_NUM_THREADS)")
    args = parser.parse_args(argv)
    set_num_threads(args.threads)

    texts, labels = generate(args.docs, args.seed)
    labels = labels.astype(np.int64)
    n_train = int(0.8 * len(texts))
    tokenizer = Tokenizer(oov_token="<unk>")
    tokenizer.fit_on_texts(texts[:n_train])
    x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=args.maxlen)
    x_train, y_train, x_test, y_test = x[:n_train], labels[:n_train], x[n_train:], labels[n_train:]
    vocab = len(tokenizer.word_index) + 1
    print(f"corpus: {len(texts)} generated reviews ({n_train} train / {len(texts) - n_train} test), "
          f"{vocab - 1} distinct words")

    # The model and its training loop are the demo's (python -m cembed demo).
    clf = BagClassifier(vocab, 2, dim=args.dim, learning_rate=0.01, seed=args.seed)
    tokens, seconds = 0, 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        _, epoch_tokens = clf.fit_epoch(x_train, y_train, batch_size=args.batch_size)
        seconds += time.perf_counter() - start
        tokens += epoch_tokens
        accuracy = np.mean(clf.predict(x_train) == y_train)
        print(f"epoch {epoch}: loss {clf.loss(x_train, y_train):.4f}, train accuracy {accuracy:.4f}")

    test_accuracy = float(np.mean(clf.predict(x_test) == y_test))
    print(f"test accuracy: {test_accuracy:.4f}")
    print(f"training throughput: {tokens / seconds:,.0f} tokens/s "
          f"({tokens} tokens in {seconds:.2f} s; batch {args.batch_size}, dim {args.dim}, "
          f"{get_num_threads()} thread(s))")
    return test_accuracy


if __name__ == "__main__":
    main()
