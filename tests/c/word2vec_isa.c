/* One skip-gram and one CBOW epoch of cembed_word2vec_train_epoch on a
 * synthetic corpus (D = 37: whole vectors and a tail), the matrices written
 * to stdout. tests/test_word2vec.py runs it on the baseline, AVX2 and
 * AVX-512 (CEMBED_ISA) and compares the bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "cembed.h"
int main(void) {
    int64_t V = 50, D = 37, N = 20000;
    float *s0 = malloc(V*D*4), *s1 = malloc(V*D*4);
    int32_t *ids = malloc(N*4); int64_t ends[4] = {5000, 10000, 15000, 20000};
    uint32_t cum[50], samp[50];
    uint64_t x = 1;
    for (int64_t i = 0; i < V*D; i++) { x = x*6364136223846793005ULL+1; s0[i] = ((x>>40) / 16777216.0f - 0.5f) / D; s1[i] = 0; }
    for (int64_t i = 0; i < N; i++) { x = x*6364136223846793005ULL+1; ids[i] = (int32_t)((x >> 33) % V); }
    for (int i = 0; i < V; i++) { cum[i] = (uint32_t)((2147483647.0 * (i+1)) / V); samp[i] = i < 5 ? 1u<<31 : UINT32_MAX; }
    for (int sg = 0; sg < 2; sg++) {
        int64_t eff, bad;
        int st = cembed_word2vec_train_epoch(s0, s1, V, D, ids, ends, 4, samp, cum, sg, 5, 5, 0.025, 0.0001, 0, N, 7, 0, 2, 0, 1, &eff, &bad);
        if (st) return 1;
    }
    fwrite(s0, 4, V*D, stdout); fwrite(s1, 4, V*D, stdout);
    return 0;
}
