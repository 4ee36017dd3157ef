/*
 * template.h - the preamble of a header compiled once per element type
 * (lookup_real.h, accumulate_real.h, optim_real.h, ...): the including .c
 * file defines REAL (float or double) and SUF (f32 or f64), and FN(name)
 * is name_SUF. Include it at the top of such a header and
 * "template_end.h" at its end. Internal to src_c/.
 */
#define CEMBED_CAT_(a, b) a##_##b
#define CEMBED_CAT(a, b) CEMBED_CAT_(a, b)
#define FN(name) CEMBED_CAT(name, SUF)
