"""Make tests/data/compact_torch.npz: small tables packed, unpacked and
pooled by PyTorch's quantized ops, so the tests check cembed's compact
layouts against PyTorch without installing it.

    python tests/data/make_compact_fixtures.py      (needs torch; made with 2.13.0)

Contents (D = 10, even as torch's 4-bit prepack requires; V = 12):
  table            float32 (V, D): random rows, a constant row, a row of
                   tiny values, a row of large ones, a row far from zero
  int8, int4       embedding_bag_byte_prepack / embedding_bag_4bit_prepack
  int8_unpacked, int4_unpacked   embedding_bag_byte_unpack / 4bit_unpack
  float16, bfloat16              table.to(torch.float16 / bfloat16) bits
  indices, offsets, weights      a batch of bags (one empty, one with a repeat)
  int8_sum, int8_weighted, int4_sum, int4_weighted
                   embedding_bag_{byte,4bit}_rowwise_offsets on the packed
                   tables (mode 0 = sum; weighted = sum with
                   per_sample_weights). Their mode 1 (mean) returned the sum
                   in torch 2.13, so it is left out.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(20261207)
    V, D = 12, 10
    table = rng.standard_normal((V, D)).astype(np.float32)
    table[3] = 0.25                                   # constant row: scale 0 (int8)
    table[4] *= 1e-6                                  # tiny values
    table[5] *= 1e3                                   # large values
    table[6] = 300 + rng.random(D).astype(np.float32)  # far from zero
    table[7, :] = np.linspace(-1, 1, D)
    t = torch.from_numpy(table)
    q = torch.ops.quantized
    int8 = q.embedding_bag_byte_prepack(t)
    int4 = q.embedding_bag_4bit_prepack(t)
    indices = np.array([0, 3, 3, 11, 4, 5, 6, 7, 2, 9, 1], dtype=np.int64)
    offsets = np.array([0, 3, 3, 6, 8], dtype=np.int64)  # bag 1 is empty
    weights = rng.random(indices.size).astype(np.float32)
    it, ot, wt = (torch.from_numpy(a) for a in (indices, offsets, weights))
    out = dict(
        table=table,
        int8=int8.numpy(),
        int4=int4.numpy(),
        int8_unpacked=q.embedding_bag_byte_unpack(int8).numpy(),
        int4_unpacked=q.embedding_bag_4bit_unpack(int4).numpy(),
        float16=t.to(torch.float16).view(torch.int16).numpy().view(np.uint16),
        bfloat16=t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16),
        indices=indices,
        offsets=offsets,
        weights=weights,
    )
    for name, op, packed in (("int8", q.embedding_bag_byte_rowwise_offsets, int8),
                             ("int4", q.embedding_bag_4bit_rowwise_offsets, int4)):
        out[f"{name}_sum"] = op(packed, it, ot, False, 0).numpy()
        out[f"{name}_weighted"] = op(packed, it, ot, False, 0, False, wt).numpy()
    path = os.path.join(HERE, "compact_torch.npz")
    np.savez(path, **out)
    print(f"wrote {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
