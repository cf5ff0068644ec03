"""Process start-up of ``tools/train.py`` and ``tools/test.py``: preload tcmalloc on CPU.

Runs before torch is imported: it loads ``projects/common/allocator.py`` by path (that module
uses only the standard library; importing the ``projects`` package would import torch) and
re-executes the tool once with tcmalloc in ``LD_PRELOAD`` when the allocator setting asks for
it (see that module). A bad ``MMPAPERS_CPU_ALLOCATOR`` stops here with one line.
"""
import importlib.util
import os.path as osp
import sys


def _load_allocator():
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'projects', 'common',
                    'allocator.py')
    spec = importlib.util.spec_from_file_location('_mmpapers_allocator', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload() -> None:
    try:
        _load_allocator().preload_tcmalloc()
    except ValueError as err:
        sys.exit(f'error: {err}')
