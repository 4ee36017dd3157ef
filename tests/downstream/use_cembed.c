/* A downstream C program: includes cembed.h from cembed.get_include() and
 * links libcembed.a from cembed.get_library_dir() (tests/test_downstream.py). */
#include <stdio.h>
#include <string.h>

#include "cembed.h"

int main(void) {
    float table[4 * 3];
    for (int i = 0; i < 12; i++) table[i] = (float)i;
    int64_t idx[3] = {3, 0, 3};
    float out[3 * 3];
    int64_t bad = -1;
    int status = cembed_gather(table, 4, 3 * sizeof(float), 3 * sizeof(float), idx, 3, out, &bad);
    printf("gather status %d:", status);
    for (int i = 0; i < 9; i++) printf(" %g", out[i]);
    printf("\n");

    int64_t wrong[2] = {1, 4};
    status = cembed_gather(table, 4, 3 * sizeof(float), 3 * sizeof(float), wrong, 2, out, &bad);
    printf("bad index status %d at position %lld\n", status, (long long)bad);

    /* sum of bags {0, 1} and {3} */
    int64_t bag_idx[3] = {0, 1, 3}, offsets[3] = {0, 2, 3};
    float bags[2 * 3];
    status = cembed_bag_f32(table, 4, 3, 3, bag_idx, offsets, 2, CEMBED_BAG_SUM, NULL, -1, bags, &bad);
    printf("bag status %d:", status);
    for (int i = 0; i < 6; i++) printf(" %g", bags[i]);
    printf("\n");

    const char *key = "hello";
    printf("murmurhash3 %u\n", (unsigned)cembed_murmurhash3_32(key, (int64_t)strlen(key), 0));
    printf("threads %d, openmp %d\n", cembed_get_num_threads(), cembed_openmp_enabled());
    return 0;
}
