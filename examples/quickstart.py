"""cembed in one page: look rows up, pool bags, and train a table.

The toy task: every word id has a hidden target vector; training moves the
embedding rows towards their targets with the sparse gradient of a lookup
(`accumulate`) and lazy Adam on the rows a batch touched (`adam_update`).
Rows no batch touches stay bitwise as they were.

Run: python examples/quickstart.py
"""
import numpy as np

import cembed

V, D, batch, steps = 100_000, 16, (64, 20), 300
rng = np.random.default_rng(0)

# A table is a plain (V, D) float32 array: cembed reads and updates it in place.
table = rng.uniform(-0.05, 0.05, size=(V, D)).astype(np.float32)
initial = table.copy()
targets = rng.standard_normal((V, D)).astype(np.float32)

# E(x) = onehot(x) @ W, computed as a row gather
x = np.array([[4, 2, 7], [1, 1, 0]])
print("gather", x.shape, "->", cembed.gather(table, x).shape)
print("mean bags ->", cembed.embedding_bag(table, x, mode="mean").shape)

# Train: ids are Zipf-distributed, so a few hundred rows never come up.
m, v = np.zeros_like(table), np.zeros_like(table)
for step in range(1, steps + 1):
    ids = np.minimum(rng.zipf(1.3, size=batch) - 1, V - 1)
    out = cembed.gather(table, ids)                      # (64, 20, D)
    diff = out - targets[ids]
    loss = float(np.mean(diff * diff))
    rows, grads = cembed.accumulate(ids, 2 * diff / diff.size, num_rows=V)
    cembed.adam_update(table, m, v, rows, grads, step, learning_rate=0.05)
    if step in (1, 10, 100, steps):
        print(f"step {step:4d}  loss {loss:.4f}  rows updated {len(rows)}")

untouched = np.flatnonzero((m == 0).all(axis=1))
print(f"{len(untouched)} rows were never looked up and are unchanged:",
      bool(np.array_equal(table[untouched], initial[untouched])))
