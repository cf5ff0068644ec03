#!/usr/bin/env bash
# Put tcmalloc (gperftools' libtcmalloc_minimal.so.4) into DEST, for CPU runs to preload.
#
# PyTorch's CPU performance guides recommend tcmalloc or jemalloc through LD_PRELOAD: glibc's
# malloc returns large freed buffers to the kernel and page-faults them back every iteration.
# No pip package ships the library, so this takes the distribution's package with
# `apt-get download` (no root, nothing installed system-wide) and unpacks the library only.
# Without apt (or offline) it exits 1 and the tools fall back to the tuned glibc malloc.
#
# Usage: bash tools/fetch_tcmalloc.sh DEST      (setup_env.sh passes the venv's lib folder)
set -euo pipefail
DEST="${1:?usage: fetch_tcmalloc.sh DEST}"
LIB=libtcmalloc_minimal.so.4
[ -e "$DEST/$LIB" ] && exit 0
for sys_dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
    if [ -e "$sys_dir/$LIB" ]; then ln -sfn "$sys_dir/$LIB" "$DEST/$LIB"; exit 0; fi
done
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "no apt-get/dpkg" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && apt-get download -q libtcmalloc-minimal4 >/dev/null 2>&1) \
    || { echo "apt-get download libtcmalloc-minimal4 failed" >&2; exit 1; }
dpkg -x "$TMP"/libtcmalloc-minimal4_*.deb "$TMP/x"
FOUND="$(find "$TMP/x" -name "$LIB" | head -n1)"
[ -n "$FOUND" ] || { echo "$LIB not in the package" >&2; exit 1; }
cp -L "$FOUND" "$DEST/$LIB.tmp" && mv "$DEST/$LIB.tmp" "$DEST/$LIB"
