"""CPU memory allocator for PyTorch on Linux: tcmalloc when available, else a tuned glibc.

PyTorch allocates CPU tensors with the C library's ``malloc``. glibc's defaults give memory
back to the kernel as soon as the top of the heap has more than ``trim_threshold`` free
(and every allocation above ``mmap_threshold`` gets its own mapping, unmapped on free); a
network that frees and re-allocates the same large buffers every iteration then takes a
page fault per 4 KiB page each time. PyTorch's CPU performance guides recommend an
allocator that keeps memory, tcmalloc or jemalloc through ``LD_PRELOAD``. Two settings:

* ``'tcmalloc'``: gperftools' ``libtcmalloc_minimal.so.4``, which ``tools/setup_env.sh``
  puts into the venv's ``lib`` folder (``tools/fetch_tcmalloc.sh``: the distribution's
  package, unpacked, no root needed). ``LD_PRELOAD`` takes effect only at process start, so
  ``tools/train.py`` and ``tools/test.py`` re-execute themselves once with it set
  (:func:`preload_tcmalloc`, before anything heavy is imported; the process id stays the same,
  so torchrun and slurm see no difference). ``benchmarks/dgnet_bench.py`` measures the page
  faults and latency of each setting side by side (its ``latency`` rows, one per allocator).
* ``'glibc-tuned'``: glibc through ``mallopt``, needs no extra library:

  * ``trim_threshold`` = 1 GiB: freed memory at the top of the heap is kept unless more than
    this is free;
  * ``mmap_threshold`` = 32 MiB (glibc's upper limit): allocations up to this size come from
    the heap (kept and reused) instead of their own mapping; larger ones still fault;
  * ``top_pad`` = 64 MiB: the heap grows in larger steps.

  It is applied in the running process (:func:`apply_cpu_allocator`), or before start-up with
  the equivalent environment variable (:func:`glibc_tunables`):
  ``GLIBC_TUNABLES=glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864``.

``MMPAPERS_CPU_ALLOCATOR`` chooses: unset or ``auto`` (tcmalloc if the library is found, else
glibc-tuned), ``tcmalloc``, ``glibc-tuned`` or ``default`` (malloc left alone). Machines with
CUDA are left alone by the tools. The cost of either setting is resident memory: the process
keeps its peak heap instead of shrinking after it.

This module imports only the standard library: ``tools/_preload.py`` loads it before torch.
"""
import ctypes
import ctypes.util
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

#: the tuned glibc malloc parameters (bytes), see the module docstring
GLIBC_TUNED: Dict[str, int] = dict(trim_threshold=1 << 30, mmap_threshold=32 << 20,
                                   top_pad=64 << 20)
SETTINGS = ('auto', 'tcmalloc', 'glibc-tuned', 'default')
ENV_VAR = 'MMPAPERS_CPU_ALLOCATOR'
TCMALLOC_LIB = 'libtcmalloc_minimal.so.4'
#: set in the re-executed process, so that it never re-executes again
_REEXEC_MARK = '_MMPAPERS_TCMALLOC_PRELOADED'


def resolve_setting(setting: Optional[str] = None) -> str:
    """``setting`` (or ``$MMPAPERS_CPU_ALLOCATOR``, default ``'auto'``), checked."""
    if setting is None:
        setting = os.environ.get(ENV_VAR) or 'auto'
    if setting not in SETTINGS:
        raise ValueError(f'{ENV_VAR} / setting must be one of {SETTINGS}, got {setting!r}')
    return setting


def tcmalloc_search_dirs() -> List[str]:
    """Where :func:`find_tcmalloc` looks: the venv's ``lib`` first, then the system's."""
    return [osp.join(sys.prefix, 'lib'), '/usr/lib/x86_64-linux-gnu',
            '/usr/lib/aarch64-linux-gnu', '/usr/local/lib', '/usr/lib64', '/usr/lib']


def find_tcmalloc() -> Optional[str]:
    """Path of ``libtcmalloc_minimal.so.4`` (see :func:`tcmalloc_search_dirs`), or None."""
    for folder in tcmalloc_search_dirs():
        path = osp.join(folder, TCMALLOC_LIB)
        if osp.isfile(path):
            return path
    return None


def tcmalloc_loaded() -> bool:
    """Whether tcmalloc is mapped into this process (Linux ``/proc/self/maps``)."""
    try:
        with open('/proc/self/maps') as f:
            return 'libtcmalloc' in f.read()
    except OSError:
        return False


def has_cuda_devices() -> bool:
    """Cheap check without importing torch: an NVIDIA device node exists."""
    return osp.exists('/dev/nvidiactl') or osp.exists('/dev/nvidia0')


def preload_tcmalloc(argv: Optional[List[str]] = None) -> None:
    """Re-execute this process with tcmalloc preloaded, when the setting asks for it.

    Called by ``tools/train.py`` and ``tools/test.py`` before they import anything heavy.
    Nothing happens on a machine with CUDA devices, when the setting is ``glibc-tuned`` or
    ``default``, when tcmalloc is already loaded, or (for ``auto``) when the library is not
    found. ``os.execv`` keeps the process id.

    Raises:
        ValueError: for ``MMPAPERS_CPU_ALLOCATOR=tcmalloc`` without the library.
    """
    setting = resolve_setting()
    if setting not in ('auto', 'tcmalloc') or has_cuda_devices() or tcmalloc_loaded():
        return
    if os.environ.get(_REEXEC_MARK):
        return  # re-executed once already, and the preload did not take: do not loop
    lib = find_tcmalloc()
    if lib is None:
        if setting == 'tcmalloc':
            raise ValueError(f'{ENV_VAR}=tcmalloc: {TCMALLOC_LIB} not found in '
                             f'{tcmalloc_search_dirs()}; run `bash tools/fetch_tcmalloc.sh '
                             f'{osp.join(sys.prefix, "lib")}` or choose glibc-tuned')
        return
    env = dict(os.environ)
    env['LD_PRELOAD'] = ':'.join(p for p in (lib, env.get('LD_PRELOAD', '')) if p)
    env[_REEXEC_MARK] = '1'
    # tcmalloc reports every allocation above 1 GiB on stderr by default
    env.setdefault('TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD', str(1 << 40))
    argv = list(sys.orig_argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable] + argv, env)


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
    """Apply the CPU allocator ``setting`` to this process and return whether it is tuned.

    Args:
        setting: One of :data:`SETTINGS`; None reads ``$MMPAPERS_CPU_ALLOCATOR`` (default
            ``'auto'``). ``'tcmalloc'`` only checks that tcmalloc is loaded (it must be
            preloaded at start, see :func:`preload_tcmalloc`); ``'auto'`` is tcmalloc when it
            is loaded, else ``'glibc-tuned'`` (:data:`GLIBC_TUNED` through ``mallopt``).
        logger: mmengine logger name for the one-line report (None: silent).

    Returns:
        True if tcmalloc is in use or glibc accepted every parameter. False for
        ``'default'`` and on a C library that is not glibc (nothing is changed there).

    Raises:
        ValueError: for an unknown setting, or ``'tcmalloc'`` when it is not loaded.
    """
    setting = resolve_setting(setting)
    if setting == 'default':
        return False
    if tcmalloc_loaded() and setting in ('auto', 'tcmalloc'):
        _log(f'CPU allocator: tcmalloc (preloaded); {ENV_VAR}=glibc-tuned or default '
             'chooses another', logger)
        return True
    if setting == 'tcmalloc':
        raise ValueError(f'{ENV_VAR}=tcmalloc but tcmalloc is not loaded in this process: '
                         f'start it through tools/train.py or tools/test.py, or with '
                         f'LD_PRELOAD={find_tcmalloc() or TCMALLOC_LIB}')
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
