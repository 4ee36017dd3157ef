"""The restaurant-review example: the Keras tutorial's model in a few lines of cembed,
then the question it raises about the table's unused rows.

Ten short reviews, five positive and five negative. The classic Keras
tutorial hashes them into 50 buckets with one_hot, pads them to 4 words and
trains

    model = Sequential([Embedding(50, 8, input_length=4), Flatten(), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(padded, labels, epochs=150)

In cembed the same job is fastText's classifier (the mean of the word
vectors instead of Flatten, a softmax over the two labels, which is logistic
regression), trained in C on the texts themselves:

    clf = TextClassifier(dim=8, epochs=150).fit(reviews, labels)

The question the tutorial raises: the table has 50 rows but the reviews use
only 20 words. What do the other rows represent? Nothing: no review hashes
to them, so they are never looked up, never receive a gradient, and (lazy
Adam updates only rows that occur) stay bitwise at their random initial
values. They are the room that one_hot's hashing needs to keep collisions
rare. The second half shows it with the layer itself: Embedding(50, 8),
one_hot and pad_sequences, trained with lazy Adam.

Run: python examples/restaurant_reviews.py
"""
import numpy as np

from cembed import Embedding, TextClassifier, one_hot, optimizers, pad_sequences

reviews = [
    "nice food",
    "amazing restaurant",
    "too good",
    "just loved it!",
    "will go again",
    "horrible food",
    "never go there",
    "poor service",
    "poor quality",
    "needs improvement",
]
sentiment = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=np.float32)

# The model: a few lines.
labels = ["positive"] * 5 + ["negative"] * 5
clf = TextClassifier(dim=8, epochs=150, learning_rate=0.1, seed=42).fit(reviews, labels)
print(f"TextClassifier: training accuracy {clf.score(reviews, labels)}")
for review, label, proba in zip(["good food", "poor food"], clf.predict(["good food", "poor food"]),
                                clf.predict_proba(["good food", "poor food"])):
    print(f"  {review!r}: {label} ({proba.max():.2f})")

# The layer by hand, to see what its rows do.
vocab_size, max_length, dim = 50, 4, 8
encoded = [one_hot(review, vocab_size) for review in reviews]
padded = pad_sequences(encoded, maxlen=max_length, padding="post")
print("encoded and padded reviews:")
print(padded)

emb = Embedding(vocab_size, dim, input_length=max_length, seed=42)
initial = emb.get_weights()[0]

# The Dense(1, sigmoid) layer, in NumPy: Glorot-uniform weights, zero bias.
rng = np.random.default_rng(42)
limit = np.sqrt(6.0 / (max_length * dim + 1))
w = rng.uniform(-limit, limit, size=max_length * dim).astype(np.float32)
b = np.float32(0.0)

emb_opt = optimizers.Adam()  # Keras' defaults: 0.001, 0.9, 0.999, 1e-7
m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
b1, b2, lr, eps = 0.9, 0.999, 0.001, 1e-7


def forward():
    flat = emb(padded).reshape(len(reviews), -1)  # Flatten
    prob = 1.0 / (1.0 + np.exp(-(flat @ w + b)))
    return flat, prob


epochs = 150
for epoch in range(1, epochs + 1):  # one full batch per epoch, as batch_size=32
    flat, prob = forward()
    dlogit = (prob - sentiment) / len(reviews)  # d(mean binary cross-entropy)/d(logit)
    grad_flat = np.outer(dlogit, w).astype(np.float32)
    grad_w, grad_b = flat.T @ dlogit, float(dlogit.sum())
    emb_opt.step(emb, emb.backward(padded, grad_flat.reshape(padded.shape + (dim,))))
    m_w = b1 * m_w + (1 - b1) * grad_w
    v_w = b2 * v_w + (1 - b2) * grad_w * grad_w
    m_b = b1 * m_b + (1 - b1) * grad_b
    v_b = b2 * v_b + (1 - b2) * grad_b * grad_b
    w -= (lr * (m_w / (1 - b1**epoch)) / (np.sqrt(v_w / (1 - b2**epoch)) + eps)).astype(np.float32)
    b -= np.float32(lr * (m_b / (1 - b1**epoch)) / (np.sqrt(v_b / (1 - b2**epoch)) + eps))

_, prob = forward()
loss = -np.mean(sentiment * np.log(prob) + (1 - sentiment) * np.log(1 - prob))
accuracy = float(np.mean((prob > 0.5) == (sentiment == 1)))
print(f"after {epochs} epochs: loss {loss:.4f}, accuracy {accuracy}")
print("predicted probabilities:", np.round(prob, 3))

(final,) = emb.get_weights()
used = np.unique(padded)
unused = np.setdiff1d(np.arange(vocab_size), used)
print(f"rows looked up (0 is the padding): {used.tolist()}")
print(f"{len(used)} of {vocab_size} rows are used; the other {len(unused)} are never looked up")
words = sorted({word for review in reviews for word in review.lower().strip("!.").split()})
rows_of = {}
for word in words:
    rows_of.setdefault(one_hot(word, vocab_size)[0], []).append(word)
shared = {row: ws for row, ws in sorted(rows_of.items()) if len(ws) > 1}
print(f"{len(words)} distinct words; words sharing a row (hash collisions): {shared}")
print("used rows changed by training:", bool(np.all(np.any(final[used] != initial[used], axis=1))))
print("unused rows still bitwise at their initial values:",
      bool(np.array_equal(final[unused], initial[unused])))
