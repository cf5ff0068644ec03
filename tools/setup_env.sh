#!/usr/bin/env bash
# Create (or reuse) the mmpapers virtualenv and link it as ./.venv.
#
# The environment lives outside the clone, in $MMPAPERS_CACHE (default ~/.cache/mmpapers), under
# a name keyed by the hash of requirements/*.txt, so every clone with the same requirement files
# shares it and a second run only checks it. mmcv 2.1.0 is compiled once from its source tarball
# (about 12 minutes on 2 cores) and the wheel is cached in $MMPAPERS_CACHE/wheels, keyed by the
# mmcv, torch and Python versions.
#
# Usage: bash tools/setup_env.sh          # prints the venv path as its last line
# Env:   PYTHON (default python3.11, else python3), MMPAPERS_CACHE, MAX_JOBS (default nproc).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MMPAPERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmpapers}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
MMCV_VERSION=2.1.0
STEP="start"

say() { printf '[setup] %s\n' "$*" >&2; }
fail() { printf '[setup] FAILED at step "%s": %s\n' "$STEP" "$*" >&2; exit 1; }
trap 'rc=$?; [ $rc -ne 0 ] && printf "[setup] FAILED at step \"%s\" (exit %s); see the output above.\n" "$STEP" "$rc" >&2' EXIT

STEP="check python"
[ -n "$PYTHON" ] || fail "no python3.11 or python3 on PATH (set PYTHON=/path/to/python3.11)"
PYVER="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[ "$PYVER" = "3.11" ] || say "warning: Python $PYVER found; mmpapers is tested with Python 3.11"

KEY="$(cat "$ROOT"/requirements/*.txt | sha256sum | cut -c1-12)"
VENV="$CACHE/venvs/py$PYVER-$KEY"
VPY="$VENV/bin/python"
mkdir -p "$CACHE/venvs" "$CACHE/wheels"

pip_in() { "$VPY" -m pip install --disable-pip-version-check --progress-bar off "$@"; }

build_mmcv_wheel() {
    # Compile mmcv with its C++ ops against the venv's torch; prints the wheel path.
    local torch_ver tag wheel_dir src
    torch_ver="$("$VPY" -c 'import torch; print(torch.__version__.split("+")[0])')"
    tag="mmcv$MMCV_VERSION-torch$torch_ver-py$PYVER"
    wheel_dir="$CACHE/wheels/$tag"
    if ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
        say "mmcv: reusing cached wheel $wheel_dir"
        ls "$wheel_dir"/mmcv-*.whl | head -n1
        return
    fi
    STEP="download mmcv $MMCV_VERSION source"
    src="$(mktemp -d)"
    "$VPY" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
        "mmcv==$MMCV_VERSION" -d "$src" >&2
    tar -xzf "$src"/mmcv-*.tar.gz -C "$src"
    STEP="patch mmcv setup.py for torch >= 2.13 (C++20)"
    # torch >= 2.13 headers refuse C++17; mmcv 2.1.0 hard-codes -std=c++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-"$MMCV_VERSION"/setup.py
    grep -q 'c++20' "$src"/mmcv-"$MMCV_VERSION"/setup.py || fail "the -std flag was not found in mmcv's setup.py"
    STEP="compile mmcv $MMCV_VERSION with ops (about 12 minutes on 2 cores)"
    say "$STEP"
    mkdir -p "$wheel_dir.tmp"
    (cd "$src/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$VPY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps . -w "$wheel_dir.tmp" >&2)
    rm -rf "$wheel_dir" && mv "$wheel_dir.tmp" "$wheel_dir" && rm -rf "$src"
    ls "$wheel_dir"/mmcv-*.whl | head -n1
}

if [ -f "$VENV/.complete" ]; then
    say "reusing environment $VENV"
else
    say "building environment $VENV (first run: torch, mmcv compile, OpenMMLab; ~20 minutes)"
    rm -rf "$VENV"
    STEP="create virtualenv"
    "$PYTHON" -m venv "$VENV"
    STEP="install build requirements (torch, torchvision, setuptools)"
    say "$STEP"
    pip_in -r "$ROOT/requirements/build.txt"
    WHEEL="$(build_mmcv_wheel)"
    STEP="install mmcv wheel"
    say "$STEP: $WHEEL"
    pip_in "$WHEEL"
    STEP="install OpenMMLab, runtime and test requirements"
    say "$STEP"
    pip_in -r "$ROOT/requirements/mminstall.txt" -r "$ROOT/requirements/runtime.txt" \
        -r "$ROOT/requirements/tests.txt"
    STEP="check imports"
    "$VPY" -c 'import mmcv.ops, mmdet, mmpretrain, mmaction, mmengine, torchvision, decord' \
        || fail "an OpenMMLab import failed in the new environment"
    touch "$VENV/.complete"
fi

STEP="install mmpapers (editable) from $ROOT"
# The cached venv is shared by clones: point its editable install at this clone when needed.
if [ "$(cd / && "$VPY" -c 'import projects, os; print(os.path.dirname(os.path.dirname(os.path.abspath(projects.__file__))))' 2>/dev/null)" != "$ROOT" ]; then
    (cd "$ROOT" && pip_in --no-deps --no-build-isolation -q -e . >&2)
fi
STEP="fetch tcmalloc for CPU runs (optional)"
# not part of the venv's key: a machine without apt simply runs with the tuned glibc malloc
bash "$ROOT/tools/fetch_tcmalloc.sh" "$VENV/lib" \
    || say "warning: tcmalloc not available; CPU runs use the tuned glibc malloc instead"
ln -sfn "$VENV" "$ROOT/.venv"
trap - EXIT
say "ready: $VENV (linked as .venv)"
echo "$VENV"
