/*
 * parallel.h - the one place that knows about OpenMP: thread counts and
 * each thread's share of the work. Internal to src_c/.
 *
 * Prefetching is in prefetch.h, instruction-set dispatch in isa.h; both
 * are included here too, for the files that took them from this header
 * before they were split out.
 */
#ifndef CEMBED_PARALLEL_H
#define CEMBED_PARALLEL_H

#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#define CEMBED_PRAGMA(x) _Pragma(#x)
#define CEMBED_OMP(x) CEMBED_PRAGMA(omp x)
#else
#define CEMBED_OMP(x)
#endif

/* Below this much work (bytes touched) a parallel region costs more than
 * it gives: run serially. */
#define CEMBED_PARALLEL_MIN_BYTES ((int64_t)1 << 20)

/* The threads to use for `work_bytes` of work: 1 for small work. */
int cembed_threads_for(int64_t work_bytes);

/* Inside a parallel region: this thread's number and the team's size (0
 * and 1 without OpenMP). */
static inline void cembed_thread_id(int *t, int *tn)
{
#ifdef _OPENMP
    *t = omp_get_thread_num();
    *tn = omp_get_num_threads();
#else
    *t = 0;
    *tn = 1;
#endif
}

/* Inside a parallel region: this thread's contiguous share [*lo, *hi) of
 * n items (all of them without OpenMP). */
static inline void cembed_thread_share(int64_t n, int64_t *lo, int64_t *hi)
{
    int t, tn;
    cembed_thread_id(&t, &tn);
    *lo = n * t / tn;
    *hi = n * (t + 1) / tn;
}

#include "isa.h"
#include "prefetch.h"

#endif /* CEMBED_PARALLEL_H */
