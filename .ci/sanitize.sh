#!/usr/bin/env bash
# Build the C kernel with AddressSanitizer + UndefinedBehaviorSanitizer and run the kernel tests
# against that build. Fails on any sanitizer report (and on any test failure).
#
#   bash .ci/sanitize.sh                 # from anywhere; uses the tree this script is in
#
# How: the Python sources and csrc/ are copied to a temporary directory, the cffi module
# ai_safety_gridworlds._kernel_c is compiled there by the project's own builder
# (_kernel_build.compile_module) with the sanitizer flags added, and pytest runs the files in
# TEST_FILES from that copy with libasan preloaded into Python and
# AI_SAFETY_GRIDWORLDS_BACKEND=c (so the tests cannot silently fall back to numpy). New C sources
# are picked up through the builder's SOURCES list; new kernel tests go in TEST_FILES below.
set -euo pipefail

# Test files run against the sanitized kernel (paths relative to the repository root).
TEST_FILES=(
    tests/framework/test_fire_kernel.py
    tests/firemaker_ex_ma/test_batch.py
    tests/firemaker_ex_ma/test_batch_validation.py
    tests/diamond_charger_ma/test_batch.py
    tests/diamond_charger_ma/test_batch_validation.py
    tests/framework/test_batch_boundary.py
    tests/framework/test_batch_threads.py
    tests/framework/test_config_properties.py
    tests/diamond_charger_ma/test_soak.py
)
# Test files run against a ThreadSanitizer build (the kernels' threads). That build also takes
# the kernels' scalar paths (-DAISG_NO_SIMD), so the batch tests check them against pycolab.
THREAD_TEST_FILES=(
    tests/framework/test_batch_threads.py
    tests/firemaker_ex_ma/test_batch.py
)
# The batch differential tests run fewer ticks under the sanitizers (every config still runs).
export AISG_BATCH_TEST_SCALE="${AISG_BATCH_TEST_SCALE:-0.5}"
# The property test over generated configs runs more examples here than in the main suite.
export AISG_PROPERTY_EXAMPLES="${AISG_PROPERTY_EXAMPLES:-100}"

# -DAISG_NO_AVX512: the ASan build takes the SSE2 paths a CPU with AVX-512 never reaches (the
# main test run takes the AVX-512 ones where the CPU has them, the TSan build the scalar ones).
SANITIZE_FLAGS=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g
                -DAISG_NO_AVX512)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
CC="${CC:-gcc}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aisg-sanitize.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== sanitize: copying sources to $WORK"
(
    cd "$ROOT"
    tar --exclude='*.so' --exclude='*.o' --exclude='__pycache__' \
        --exclude='ai_safety_gridworlds/_kernel_c.c' \
        -cf - pyproject.toml csrc ai_safety_gridworlds environments experiments tests
) | tar -xf - -C "$WORK"

REPORTS="$WORK/reports"
mkdir -p "$REPORTS"
export AI_SAFETY_GRIDWORLDS_BACKEND=c
export PYTHONPATH="$WORK"
export PYTHONDONTWRITEBYTECODE=1
cd "$WORK"

# SANITIZERS picks the runs (default both): "address" (ASan + UBSan), "thread" (TSan).
SANITIZERS="${SANITIZERS:-address thread}"
if [[ " $SANITIZERS " == *" address "* ]]; then
    echo "== sanitize: building the kernel with ${SANITIZE_FLAGS[*]}"
    flags_py="$(printf "'%s', " "${SANITIZE_FLAGS[@]}")"
    (
        cd "$WORK"
        CC="$CC" "$PYTHON" - <<EOF
import runpy
builder = runpy.run_path("ai_safety_gridworlds/_kernel_build.py")
flags = [${flags_py}]
print(builder["compile_module"]("$WORK", "$WORK/build", flags, flags))
EOF
    ) > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; echo "sanitize: build FAILED"; exit 1; }
    tail -n 1 "$WORK/build.log"

    LIBASAN="$("$CC" -print-file-name=libasan.so)"
    if [ ! -e "$LIBASAN" ]; then
        echo "sanitize: libasan.so not found for $CC (apt-get install libasan8 / gcc)"; exit 1
    fi
    SO="$(ls "$WORK"/ai_safety_gridworlds/_kernel_c*.so)"
    if ! ldd "$SO" | grep libasan > /dev/null; then  # not -q: an early exit SIGPIPEs ldd (pipefail)
        echo "sanitize: $SO is not linked against libasan"; exit 1
    fi

    export LD_PRELOAD="$LIBASAN"
    # ASan reports go to files and UBSan's to stderr (it ignores log_path when ASan is loaded);
    # pytest runs with --capture=sys so that C-level stderr is not swallowed by its capture.
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$REPORTS/asan"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"

    cd "$WORK"
    # The sanitized module, not an installed or in-tree build, must be the one loaded.
    "$PYTHON" -c "
import ai_safety_gridworlds._kernel_c as m, ai_safety_gridworlds.kernel as k
assert m.__file__.startswith('$WORK/'), m.__file__
assert k.BACKEND == 'c'
print('== sanitize: loaded', m.__file__)
"

    echo "== sanitize: running ${TEST_FILES[*]}"
    status=0
    "$PYTHON" -m pytest -q -p no:cacheprovider -m "slow or not slow" --capture=sys "${TEST_FILES[@]}" 2>&1 \
        | tee "$WORK/test.log" || status=$?
    if [ -n "$(ls -A "$REPORTS")" ] \
        || grep -qE "runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer" "$WORK/test.log"
    then
        for report in "$REPORTS"/*; do
            [ -e "$report" ] && { echo "---- $report"; head -n 60 "$report"; }
        done
        echo "sanitize: FAILED (sanitizer report above)"
        exit 1
    fi
    if [ "$status" -ne 0 ]; then
        echo "sanitize: FAILED (pytest exit status $status)"
        exit "$status"
    fi
    echo "== sanitize: ASan/UBSan OK"
fi

if [[ " $SANITIZERS " != *" thread "* ]]; then
    echo "sanitize: OK ($SANITIZERS)"
    exit 0
fi
# ThreadSanitizer: the kernels' thread pool and the slots it steps in parallel. A second build
# of the same copy, run with libtsan preloaded into the real Python binary (not a launcher
# script: a preloaded TSan must start with the process it instruments).
unset LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
echo "== sanitize: building the kernel with -fsanitize=thread"
TSAN_WORK="$WORK/tsan"
mkdir -p "$TSAN_WORK" "$REPORTS/tsan"
(
    cd "$WORK"
    CC="$CC" "$PYTHON" - <<EOF
import runpy
builder = runpy.run_path("ai_safety_gridworlds/_kernel_build.py")
flags = ["-fsanitize=thread", "-g", "-O1", "-DAISG_NO_SIMD"]  # and the scalar paths
print(builder["compile_module"]("$WORK", "$TSAN_WORK/build", flags, flags))
EOF
) > "$TSAN_WORK/build.log" 2>&1 || { cat "$TSAN_WORK/build.log"; echo "sanitize: TSan build FAILED"; exit 1; }
tail -n 1 "$TSAN_WORK/build.log"
LIBTSAN="$("$CC" -print-file-name=libtsan.so)"
if [ ! -e "$LIBTSAN" ]; then
    echo "sanitize: libtsan.so not found for $CC (apt-get install libtsan2 / gcc)"; exit 1
fi
REAL_PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
echo "== sanitize: running ${THREAD_TEST_FILES[*]} under ThreadSanitizer"
tsan_status=0
LD_PRELOAD="$LIBTSAN" TSAN_OPTIONS="halt_on_error=1:log_path=$REPORTS/tsan/tsan" \
    "$REAL_PYTHON" -m pytest -q -p no:cacheprovider --capture=sys "${THREAD_TEST_FILES[@]}" 2>&1 \
    | tee "$TSAN_WORK/test.log" || tsan_status=$?
if [ -n "$(ls -A "$REPORTS/tsan")" ] || grep -q "WARNING: ThreadSanitizer" "$TSAN_WORK/test.log"
then
    for report in "$REPORTS"/tsan/*; do
        [ -e "$report" ] && { echo "---- $report"; head -n 60 "$report"; }
    done
    echo "sanitize: FAILED (ThreadSanitizer report above)"
    exit 1
fi
if [ "$tsan_status" -ne 0 ]; then
    echo "sanitize: FAILED (pytest under ThreadSanitizer, exit status $tsan_status)"
    exit "$tsan_status"
fi
echo "sanitize: OK (no ASan/UBSan/TSan reports)"
