#!/usr/bin/env bash
# Build cembed's C core with AddressSanitizer + UndefinedBehaviorSanitizer,
# once with OpenMP and once without, and run the C test driver
# (tests/c/driver.c) over every cembed_* function. Exits non-zero on any
# sanitizer report or failed check.
#
#   tests/c/run_sanitizers.sh [iterations] [seed]
#
# CC picks the compiler (default gcc); BUILD_DIR where the binaries go
# (default: a temporary folder, removed at exit).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
iterations="${1:-200}"
seed="${2:-12345}"
cc="${CC:-gcc}"
build="${BUILD_DIR:-}"
if [ -z "$build" ]; then
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
fi

flags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer
       -fsanitize=address,undefined -fno-sanitize-recover=all
       -ffp-contract=off -Wall -Wextra -Wno-unused-parameter
       -I"$root/src_c")

# Every report aborts the run (halt_on_error, -fno-sanitize-recover=all),
# and leaks count (LeakSanitizer at exit). No suppressions: libgomp keeps
# its thread pool until exit, but that memory is still reachable then and
# LeakSanitizer does not report it (checked with gcc 12 / libgomp 12).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=99:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"

status=0
for variant in openmp serial; do
    extra=()
    [ "$variant" = openmp ] && extra=(-fopenmp)
    exe="$build/driver_$variant"
    "$cc" "${flags[@]}" "${extra[@]}" -o "$exe" "$here/driver.c" "$root"/src_c/*.c -lm
    echo "== $variant: $exe $iterations $seed"
    if [ "$variant" = openmp ]; then
        OMP_NUM_THREADS=4 "$exe" "$iterations" "$seed" || status=$?
    else
        "$exe" "$iterations" "$seed" || status=$?
    fi
    if [ "$status" -ne 0 ]; then
        echo "run_sanitizers: $variant run failed with status $status" >&2
        exit "$status"
    fi
done
echo "run_sanitizers: no sanitizer reports, all checks passed"
