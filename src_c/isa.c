/* isa.c - which instruction-set path the kernels run (see isa.h). */
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "isa.h"

static const char *const ISA_NAMES[CEMBED_ISA_COUNT] = {"baseline", "avx2", "avx512"};

/* -1 until chosen; then a CEMBED_ISA_* the CPU supports. Choosing twice
 * at once (two threads' first kernels) stores the same value. */
static int chosen = -1;

const char *cembed_isa_name(int isa)
{
    return isa >= 0 && isa < CEMBED_ISA_COUNT ? ISA_NAMES[isa] : NULL;
}

int cembed_isa_supported(int isa)
{
    if (isa == CEMBED_ISA_BASELINE)
        return 1;
#ifdef CEMBED_X86_DISPATCH
    __builtin_cpu_init();
    /* the builtins also check that the OS saves the wide registers */
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                     && __builtin_cpu_supports("f16c");
    if (isa == CEMBED_ISA_AVX2)
        return avx2;
    if (isa == CEMBED_ISA_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#endif
    return 0;
}

static int best_supported(void)
{
    int isa = CEMBED_ISA_COUNT - 1;
    while (isa > 0 && !cembed_isa_supported(isa))
        isa--;
    return isa;
}

int cembed_isa_select(const char *name)
{
    if (!name || !*name) {
        chosen = best_supported();
        return CEMBED_OK;
    }
    for (int isa = 0; isa < CEMBED_ISA_COUNT; isa++)
        if (strcmp(name, ISA_NAMES[isa]) == 0) {
            if (!cembed_isa_supported(isa))
                return CEMBED_ERR_VALUE;
            chosen = isa;
            return CEMBED_OK;
        }
    return CEMBED_ERR_VALUE;
}

int cembed_isa(void)
{
    int isa = chosen;
    if (CEMBED_UNLIKELY(isa < 0)) {
        /* a C program that never chose: CEMBED_ISA if it names a path
         * the CPU has, else the best (the Python binding raises at import
         * for a bad CEMBED_ISA instead) */
        if (cembed_isa_select(getenv("CEMBED_ISA")) != CEMBED_OK)
            chosen = best_supported();
        isa = chosen;
    }
    return isa;
}

const char *cembed_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
#define CEMBED_STR_(x) #x
#define CEMBED_STR(x) CEMBED_STR_(x)
    return "msvc " CEMBED_STR(_MSC_FULL_VER);
#else
    return "unknown C compiler";
#endif
}
