"""CPU memory-allocator setting for PyTorch on glibc Linux: keep freed memory instead of
returning it to the kernel.

PyTorch allocates CPU tensors with the C library's ``malloc``. glibc's defaults give memory
back to the kernel as soon as the top of the heap has more than ``trim_threshold`` free
(and every allocation above ``mmap_threshold`` gets its own mapping, unmapped on free); a
network that frees and re-allocates the same large buffers every iteration then takes a
page fault per 4 KiB page each time. PyTorch's CPU performance guides recommend either an
allocator that keeps memory (jemalloc or tcmalloc through ``LD_PRELOAD``) or tuning glibc.
We tune glibc, because it needs no extra package: the setting is

* ``trim_threshold`` = 1 GiB: freed memory at the top of the heap is kept unless more than
  this is free;
* ``mmap_threshold`` = 32 MiB (glibc's upper limit): allocations up to this size come from
  the heap (kept and reused) instead of their own mapping;
* ``top_pad`` = 64 MiB: the heap grows in larger steps.

It is applied in the running process with ``mallopt`` (:func:`apply_cpu_allocator`), which
glibc takes at any time, or before start-up with the equivalent environment variable
(:func:`glibc_tunables`), e.g. in a shell script:
``GLIBC_TUNABLES=glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864``.
The cost is resident memory: the process keeps its peak heap instead of shrinking after it.
``MMPAPERS_CPU_ALLOCATOR=default`` in the environment turns it off.
"""
import ctypes
import ctypes.util
import os
from typing import Dict

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

#: the tuned glibc malloc parameters (bytes), see the module docstring
GLIBC_TUNED: Dict[str, int] = dict(trim_threshold=1 << 30, mmap_threshold=32 << 20,
                                   top_pad=64 << 20)
SETTINGS = ('glibc-tuned', 'default')
ENV_VAR = 'MMPAPERS_CPU_ALLOCATOR'


def glibc_tunables(params: Dict[str, int] = GLIBC_TUNED) -> str:
    """The ``GLIBC_TUNABLES`` value of ``params`` (it takes effect only at process start)."""
    return ':'.join(f'glibc.malloc.{k}={v}' for k, v in params.items())


def _libc():
    if os.name != 'posix':
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # only glibc has it (not musl)
        return libc
    except (OSError, AttributeError):
        return None


def apply_cpu_allocator(setting: str = None, logger: str = 'current') -> bool:
    """Apply the CPU allocator ``setting`` to this process and return whether it changed.

    Args:
        setting: ``'glibc-tuned'`` (:data:`GLIBC_TUNED` through ``mallopt``) or
            ``'default'`` (leave malloc alone). None reads ``$MMPAPERS_CPU_ALLOCATOR`` and
            falls back to ``'glibc-tuned'``.
        logger: mmengine logger name for the one-line report (None: silent).

    Returns:
        True if glibc accepted every parameter. False for ``'default'`` and on a C library
        that is not glibc (nothing is changed there).
    """
    if setting is None:
        setting = os.environ.get(ENV_VAR) or 'glibc-tuned'
    if setting not in SETTINGS:
        raise ValueError(f'{ENV_VAR} / setting must be one of {SETTINGS}, got {setting!r}')
    if setting == 'default':
        return False
    libc = _libc()
    if libc is None:
        _log('CPU allocator: not glibc, left unchanged', logger)
        return False
    ok = all(libc.mallopt(param, GLIBC_TUNED[name]) == 1 for param, name in (
        (_M_MMAP_THRESHOLD, 'mmap_threshold'), (_M_TRIM_THRESHOLD, 'trim_threshold'),
        (_M_TOP_PAD, 'top_pad')))
    _log(f'CPU allocator: glibc malloc tuned ({glibc_tunables()}); '
         f'{ENV_VAR}=default turns it off' if ok else
         'CPU allocator: glibc refused a malloc parameter', logger)
    return ok


def _log(msg: str, logger) -> None:
    if logger is None:
        return
    from mmengine.logging import print_log
    print_log(msg, logger=logger)
