"""Lasagne's EmbeddingLayer example on cembed: the layer is a row lookup.

Lasagne documents its layer with W = arange(15).reshape(3, 5) and
x = [[0, 2], [1, 2]]: the output is W[x], a 2x2x5 array. An index outside
[0, 3) is an error naming the value and where it is, and nothing is computed.

Run: python examples/lasagne_table.py
"""
import numpy as np

import cembed

W = np.arange(15).reshape(3, 5)
emb = cembed.Embedding(3, 5, weights=[W])  # a float32 table holding W's values

x = np.array([[0, 2], [1, 2]], dtype=np.int32)
print(emb(x))

try:
    emb(np.array([[5, 0], [1, 2]], dtype=np.int32))
except IndexError as err:
    print(f"IndexError: {err}")
