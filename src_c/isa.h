/*
 * isa.h - run-time instruction-set dispatch. Internal to src_c/.
 *
 * A hot kernel is written once, as an always-inlined body that takes the
 * path as its first argument (a compile-time constant in each copy, so it
 * can pick vector widths, accumulators and prefetch distances):
 *
 *     CEMBED_INLINE void scale_body(const int isa, float *x, int64_t n, float f)
 *     {
 *         for (int64_t i = 0; i < n; i++)
 *             x[i] *= f;
 *     }
 *     CEMBED_ISA_KERNEL(scale, scale_body, (float *x, int64_t n, float f), (x, n, f))
 *
 * CEMBED_ISA_KERNEL defines `static void scale(float *x, int64_t n, float f)`
 * which runs the copy of scale_body compiled for cembed_isa(): baseline
 * (SSE2 on x86-64; the only copy elsewhere), avx2 (AVX2 + FMA + F16C) or
 * avx512 (AVX-512 F/BW/VL/DQ). CEMBED_ISA_KERNEL_RET(type, name, body,
 * params, args) does the same for a body returning `type`.
 *
 * The path is chosen once: from CEMBED_ISA in the environment
 * (baseline|avx2|avx512) or else the best the CPU has; cembed_isa_select()
 * (cembed.h) chooses again. The build must keep -ffp-contract=off: FMA
 * contraction would make the avx2 and avx512 copies round differently
 * from the baseline, and every path gives bitwise the same results.
 */
#ifndef CEMBED_ISA_H
#define CEMBED_ISA_H

#include <stdint.h>

#include "cembed.h"
#include "prefetch.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CEMBED_NO_DISPATCH)
#include <immintrin.h>
#define CEMBED_X86_DISPATCH 1
#define CEMBED_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CEMBED_TARGET_AVX512                                                               \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#endif
/* SSE2 is part of every x86-64 CPU (streaming stores in the baseline). */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define CEMBED_HAVE_SSE2 1
#endif

/* The former mechanism, GCC's target_clones (chosen by the loader, so it
 * cannot be forced): kept for code not yet moved to CEMBED_ISA_KERNEL. */
#if defined(CEMBED_X86_DISPATCH) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define CEMBED_DISPATCH __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CEMBED_DISPATCH
#endif

/* The widest vector a path has, in bytes. */
#define CEMBED_ISA_VECTOR_BYTES(isa)                                                       \
    ((isa) == CEMBED_ISA_AVX512 ? 64 : (isa) == CEMBED_ISA_AVX2 ? 32 : 16)

#define CEMBED_UNPAREN_(...) __VA_ARGS__
#define CEMBED_UNPAREN(args) CEMBED_UNPAREN_ args
#define CEMBED_PASTE_(a, b) a##b
#define CEMBED_PASTE(a, b) CEMBED_PASTE_(a, b)

#ifdef CEMBED_X86_DISPATCH
#define CEMBED_ISA_KERNEL(name, body, params, args)                                        \
    static void CEMBED_PASTE(name, _baseline) params                                       \
    {                                                                                      \
        body(CEMBED_ISA_BASELINE, CEMBED_UNPAREN(args));                                   \
    }                                                                                      \
    CEMBED_TARGET_AVX2 static void CEMBED_PASTE(name, _avx2) params                        \
    {                                                                                      \
        body(CEMBED_ISA_AVX2, CEMBED_UNPAREN(args));                                       \
    }                                                                                      \
    CEMBED_TARGET_AVX512 static void CEMBED_PASTE(name, _avx512) params                    \
    {                                                                                      \
        body(CEMBED_ISA_AVX512, CEMBED_UNPAREN(args));                                     \
    }                                                                                      \
    static void name params                                                                \
    {                                                                                      \
        switch (cembed_isa()) {                                                            \
        case CEMBED_ISA_AVX512:                                                            \
            CEMBED_PASTE(name, _avx512) args;                                              \
            break;                                                                         \
        case CEMBED_ISA_AVX2:                                                              \
            CEMBED_PASTE(name, _avx2) args;                                                \
            break;                                                                         \
        default:                                                                           \
            CEMBED_PASTE(name, _baseline) args;                                            \
        }                                                                                  \
    }
#define CEMBED_ISA_KERNEL_RET(type, name, body, params, args)                              \
    static type CEMBED_PASTE(name, _baseline) params                                       \
    {                                                                                      \
        return body(CEMBED_ISA_BASELINE, CEMBED_UNPAREN(args));                            \
    }                                                                                      \
    CEMBED_TARGET_AVX2 static type CEMBED_PASTE(name, _avx2) params                        \
    {                                                                                      \
        return body(CEMBED_ISA_AVX2, CEMBED_UNPAREN(args));                                \
    }                                                                                      \
    CEMBED_TARGET_AVX512 static type CEMBED_PASTE(name, _avx512) params                    \
    {                                                                                      \
        return body(CEMBED_ISA_AVX512, CEMBED_UNPAREN(args));                              \
    }                                                                                      \
    static type name params                                                                \
    {                                                                                      \
        switch (cembed_isa()) {                                                            \
        case CEMBED_ISA_AVX512:                                                            \
            return CEMBED_PASTE(name, _avx512) args;                                       \
        case CEMBED_ISA_AVX2:                                                              \
            return CEMBED_PASTE(name, _avx2) args;                                         \
        default:                                                                           \
            return CEMBED_PASTE(name, _baseline) args;                                     \
        }                                                                                  \
    }
#else
#define CEMBED_ISA_KERNEL(name, body, params, args)                                        \
    static void name params                                                                \
    {                                                                                      \
        body(CEMBED_ISA_BASELINE, CEMBED_UNPAREN(args));                                   \
    }
#define CEMBED_ISA_KERNEL_RET(type, name, body, params, args)                              \
    static type name params                                                                \
    {                                                                                      \
        return body(CEMBED_ISA_BASELINE, CEMBED_UNPAREN(args));                            \
    }
#endif

#endif /* CEMBED_ISA_H */
