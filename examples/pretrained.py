"""Start an Embedding from pretrained word vectors instead of random numbers.

The Keras recipe ("Using pre-trained word embeddings"): fit a Tokenizer on
the texts, read GloVe / word2vec / fastText vectors, build the table whose
row i is the vector of the word with index i (row 0, padding, stays zero;
words without a vector get small random rows), and start the layer from it.

    python examples/pretrained.py                        # a small demo file
    python examples/pretrained.py --vectors glove.6B.100d.txt
    python examples/pretrained.py --vectors GoogleNews-vectors-negative300.bin --limit 200000

Without --vectors the example writes a small word2vec file of made-up
vectors (words of a topic point the same way), so it runs offline.
"""
import argparse
import os
import tempfile

import numpy as np

import cembed

TEXTS = [
    "The cat chased the dog around the garden.",
    "A horse and a cow grazed in the field near the farm.",
    "She ate bread with cheese and an apple for lunch.",
    "The soup and the bread were warm; the cheese was old.",
    "He took the bus to work, then a train to the city.",
    "My bicycle is faster than the car in city traffic.",
    "The dog and the cat sleep by the fire on the farm.",
    "A zorblax is not a word any vectors know.",
]

TOPICS = {
    "animals": ["cat", "dog", "horse", "cow", "tiger", "sheep", "farm", "field"],
    "food": ["bread", "cheese", "apple", "soup", "lunch", "butter", "ate", "warm"],
    "travel": ["bus", "train", "car", "bicycle", "traffic", "city", "work", "truck"],
}
COMMON = ["the", "a", "and", "to", "in", "of", "was", "were", "is", "by", "on", "with",
          "for", "an", "she", "he", "my", "then", "took", "than", "near", "around",
          "chased", "grazed", "sleep", "fire", "faster", "old", "garden", "any", "not",
          "word", "vectors", "know"]


def write_demo_vectors(path, dim=50, seed=0):
    """A word2vec text file where the words of a topic share a direction."""
    rng = np.random.default_rng(seed)
    words, rows = [], []
    for topic_words in TOPICS.values():
        centre = rng.standard_normal(dim)
        for w in topic_words:
            words.append(w)
            rows.append(centre + 0.5 * rng.standard_normal(dim))
    for w in COMMON:
        words.append(w)
        rows.append(0.7 * rng.standard_normal(dim))
    cembed.save_word2vec(path, words, np.asarray(rows, dtype=np.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vectors", help="a word2vec (text or binary), GloVe or fastText .vec file")
    ap.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    args = ap.parse_args()

    tokenizer = cembed.Tokenizer(oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    print(f"tokenizer: {len(tokenizer.word_index)} words (index 1 is {tokenizer.index_word[1]!r})")

    with tempfile.TemporaryDirectory() as tmp:
        path = args.vectors
        if path is None:
            path = os.path.join(tmp, "demo_vectors.txt")
            write_demo_vectors(path)
        vectors = cembed.load_word2vec(path, limit=args.limit)
    print(f"vectors: {vectors!r} from {path}")

    matrix, found = vectors.embedding_matrix(tokenizer.word_index, seed=0)
    total = len(tokenizer.word_index)
    missing = [w for w in tokenizer.word_index if w not in vectors]
    print(f"coverage: {found} of {total} words have a pretrained vector ({100 * found / total:.0f}%); "
          f"random rows for {missing}")

    emb = cembed.Embedding.from_pretrained(matrix, freeze=False, mask_zero=True)
    sequences = cembed.pad_sequences(tokenizer.texts_to_sequences(TEXTS), maxlen=10)
    out = emb(sequences)
    print(f"embedding {emb.embeddings.shape} -> output {out.shape}, mask {emb.compute_mask(sequences).sum()} "
          "tokens")
    assert np.shares_memory(emb.embeddings, matrix)
    assert not emb.embeddings[0].any()

    for word in ("cat", "bread", "train"):
        if word not in vectors or word not in tokenizer.word_index:
            continue
        near = ", ".join(f"{w} {c:.2f}" for w, c in vectors.most_similar(word, topn=4))
        print(f"{word:6s} in the vectors: {near}")
        idx = tokenizer.word_index[word]
        near = ", ".join(f"{tokenizer.index_word[i]} {c:.2f}" for i, c in emb.most_similar(idx, topn=4))
        print(f"{word:6s} in the layer:   {near}")


if __name__ == "__main__":
    main()
