/* parallel.c - thread control. */
#include "cembed.h"
#include "parallel.h"

/* 0: follow OpenMP's default (OMP_NUM_THREADS, omp_set_num_threads as
 * threadpoolctl calls it). */
static int requested_threads = 0;

int cembed_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

void cembed_set_num_threads(int n)
{
    requested_threads = n > 0 ? n : 0;
}

int cembed_get_num_threads(void)
{
#ifdef _OPENMP
    return requested_threads > 0 ? requested_threads : omp_get_max_threads();
#else
    return 1;
#endif
}

int cembed_threads_for(int64_t work_bytes)
{
    int n = cembed_get_num_threads();
    if (n <= 1 || work_bytes < CEMBED_PARALLEL_MIN_BYTES)
        return 1;
    /* at least 256 KiB of work per thread */
    int64_t most = work_bytes / (CEMBED_PARALLEL_MIN_BYTES / 4);
    return most < n ? (int)(most > 1 ? most : 1) : n;
}
