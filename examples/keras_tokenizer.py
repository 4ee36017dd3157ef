"""Keras' Tokenizer -> pad_sequences -> Embedding(mask_zero=True), on cembed.

The same code as with keras.preprocessing and keras.layers.Embedding: the
tokenizer numbers words by frequency, pad_sequences pads in front with 0,
and the embedding of each index is that row of the layer's weight matrix.

Run: python examples/keras_tokenizer.py
"""
import numpy as np

from cembed import Embedding, Tokenizer, pad_sequences

texts = ["This is a text", "This is not a text"]

tokenizer = Tokenizer()
tokenizer.fit_on_texts(texts)
print("word_index:", tokenizer.word_index)

sequences = tokenizer.texts_to_sequences(texts)
padded = pad_sequences(sequences, maxlen=6)
print(padded)

emb = Embedding(10, 3, mask_zero=True, seed=0)
vectors = emb(padded)
print("output shape:", vectors.shape)
print("mask:")
print(emb.compute_mask(padded))

(weights,) = emb.get_weights()
print("weight matrix shape:", weights.shape)
print("lookups equal rows of get_weights()[0]:", bool(np.array_equal(vectors, weights[padded])))
print(f"'text' is index {tokenizer.word_index['text']}; its vector: {vectors[0, -1]}")
