/*
 * optim.c - row-wise (lazy) optimizers: only the listed rows of the table
 * and of its state change. Rows are strictly increasing, so each is updated
 * by one thread and the result does not depend on the thread count.
 * Arithmetic is in the table's type, in the order of the formulas in docs/kernels.rst.
 */
#include <math.h>

#include "cembed.h"
#include "parallel.h"

#define REAL float
#define SUF f32
#define SQRT sqrtf
#include "optim_real.h"
#undef REAL
#undef SUF
#undef SQRT

#define REAL double
#define SUF f64
#define SQRT sqrt
#include "optim_real.h"
#undef REAL
#undef SUF
#undef SQRT
