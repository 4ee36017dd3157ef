"""A battery of kernel calls whose outputs are written as raw bytes: the
isa test runs it once per instruction-set path (CEMBED_ISA) and compares.

    python tests/isa_battery.py OUT.npz
"""
import sys

import numpy as np

import cembed

# widths around the vector sizes and the specialised widths
DIMS = (1, 3, 5, 7, 16, 17, 31, 32, 48, 64, 65, 100, 128, 129, 256, 257, 300)


def battery():
    rng = np.random.default_rng(20261207)
    results = {}
    for dtype in (np.float32, np.float64):
        for dim in DIMS:
            key = f"{np.dtype(dtype).name}_{dim}"
            v = 50
            table = rng.standard_normal((v, dim)).astype(dtype)
            idx = rng.integers(0, v, 400)
            # bags of 0..12 entries, one bag only of padding
            sizes = rng.integers(0, 13, 40)
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            bag_idx = rng.integers(0, v, int(sizes.sum()))
            bag_idx[offsets[5]:offsets[5] + sizes[5]] = 7
            weights = rng.standard_normal(bag_idx.size).astype(dtype)
            results[key + "_gather"] = cembed.gather(table, idx)
            for mode in ("sum", "mean", "sqrtn", "max"):
                results[f"{key}_bag_{mode}"] = cembed.embedding_bag(table, bag_idx, offsets, mode=mode)
                results[f"{key}_bag_{mode}_pad"] = cembed.embedding_bag(
                    table, bag_idx, offsets, mode=mode, padding_idx=7)
                if mode != "max":
                    results[f"{key}_bag_{mode}_w"] = cembed.embedding_bag(
                        table, bag_idx, offsets, mode=mode, per_sample_weights=weights)
            # a strided view of a wider table
            wide = rng.standard_normal((v, dim + 5)).astype(dtype)[:, 2:dim + 2]
            results[key + "_bag_view"] = cembed.embedding_bag(wide, bag_idx, offsets)
            grad = rng.standard_normal((idx.size, dim)).astype(dtype)
            rows, values = cembed.accumulate(idx, grad, v)
            results[key + "_acc_rows"], results[key + "_acc_values"] = rows, values
            bag_grad = rng.standard_normal((offsets.size, dim)).astype(dtype)
            for mode in ("sum", "mean", "sqrtn"):
                r, g = cembed.embedding_bag_backward(bag_idx, offsets, bag_grad, mode=mode,
                                                     per_sample_weights=weights, num_rows=v)
                results[f"{key}_bwd_{mode}"] = g
            t = table.copy()
            cembed.scatter_add(t, idx, grad)
            results[key + "_scatter"] = t
            for step in (1, 2, 3):
                t, m, s = table.copy(), np.zeros_like(table), np.zeros_like(table)
                cembed.adam_update(t, m, s, rows, values, step)
                results[f"{key}_adam{step}"] = np.concatenate([t, m, s])
            t, a = table.copy(), np.full_like(table, 0.1)
            cembed.adagrad_update(t, a, rows, values)
            results[key + "_adagrad"] = np.concatenate([t, a])
            t, a = table.copy(), np.full(v, 0.1, dtype)
            cembed.adagrad_update(t, a, rows, values)
            results[key + "_adagrad_rowwise"] = np.concatenate([t.ravel(), a])
            t = table.copy()
            cembed.sgd_update(t, rows, values, learning_rate=0.3)
            results[key + "_sgd"] = t
    # outputs past the streaming-store threshold (4 MiB), line-aligned and
    # not, rows of whole lines and not; work large enough for threads
    table = rng.standard_normal((5000, 100)).astype(np.float32)
    idx = rng.integers(0, 5000, 20000)
    for dim in (64, 100):
        results[f"big_gather_{dim}"] = cembed.gather(table[:, :dim], idx)
        # 16 bytes past a line (np.empty's usual), and 8 (no 16-byte stores)
        for past in (4, 2):
            buf = np.empty(idx.size * dim + 16, np.float32)
            skew = (-(buf.ctypes.data // 4) + past) % 16
            out = buf[skew:skew + idx.size * dim].reshape(idx.size, dim)
            name = f"big_gather_{dim}_skewed" + ("" if past == 4 else f"_{4 * past}")
            results[name] = cembed.gather(np.ascontiguousarray(table[:, :dim]), idx,
                                          out=out).copy()
            np.testing.assert_array_equal(results[name], table[idx, :dim])
    offsets = np.arange(0, idx.size, 20)
    results["big_bag"] = cembed.embedding_bag(table, idx, offsets, mode="mean")
    grad = rng.standard_normal((idx.size, 100)).astype(np.float32)
    results["big_acc"] = cembed.accumulate(idx, grad, 5000)[1]
    return results


if __name__ == "__main__":
    out = battery()
    out["_isa"] = np.array(cembed.build_info()["isa"])
    np.savez(sys.argv[1], **out)
