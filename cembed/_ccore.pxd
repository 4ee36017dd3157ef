# The C API of src_c/cembed.h, for Cython. Only the binding uses it.
from libc.stdint cimport int32_t, int64_t, uint32_t

cdef extern from "cembed.h" nogil:
    enum:
        CEMBED_OK
        CEMBED_ERR_INDEX
        CEMBED_ERR_VALUE
        CEMBED_ERR_NOMEM
        CEMBED_ERR_ORDER
        CEMBED_ERR_FORMAT
    enum:
        CEMBED_BAG_SUM
        CEMBED_BAG_MEAN
        CEMBED_BAG_SQRTN
        CEMBED_BAG_MAX

    int cembed_openmp_enabled() noexcept
    void cembed_set_num_threads(int n) noexcept
    int cembed_get_num_threads() noexcept

    uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed) noexcept
    uint32_t cembed_murmurhash3_int32(int32_t key, uint32_t seed) noexcept
