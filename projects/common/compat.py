"""Fixes that make the pinned OpenMMLab stack import and run on current torch/numpy.

Applied once when :mod:`projects` is imported (every method package, every ``custom_imports``
of our configs and every ``tools/*.py`` import it first). Each fix is a small function here or
in a sibling module, with a test in ``tests/test_common`` that fails without it:

* :func:`install_mmaction_drn_stub` - mmaction2 1.2.0's wheel lacks
  ``mmaction/models/localizers/drn/`` (open-mmlab/mmaction2#2714), so ``import mmaction.models``
  raises ``ModuleNotFoundError``.
* :func:`projects.common.checkpoint.install_checkpoint_loader` - mmengine 0.10.7 calls
  ``torch.load`` with torch >= 2.6's ``weights_only=True`` default and cannot resume its own
  checkpoints; we allow-list the few types they hold and name the file in load errors.
* :mod:`projects.common.dist` - CPU (gloo) runs of the ``pytorch``/``slurm`` launchers, used by
  ``tools/train.py`` and ``tools/test.py``.

numpy is pinned below 2.4 in ``requirements/runtime.txt`` (mmaction2's AR@AN calls ``np.trapz``).
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

DRN_PACKAGE = 'mmaction.models.localizers.drn'
DRN_MODULE = DRN_PACKAGE + '.drn'


class _MissingDRN:
    """Stand-in for mmaction2's DRN, whose source the 1.2.0 wheel does not ship."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel (open-mmlab/mmaction2#2714); '
            'install mmaction2 from source to use it')


class _DRNStubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serve empty ``drn`` modules only when the real ones cannot be found.

    It sits at the end of ``sys.meta_path``, so an mmaction2 that ships DRN (a source install
    or a fixed release) is imported unchanged.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in (DRN_PACKAGE, DRN_MODULE):
            return None
        return importlib.util.spec_from_loader(
            fullname, self, is_package=fullname == DRN_PACKAGE)

    def create_module(self, spec):
        return None  # default module creation

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__name__ == DRN_MODULE:
            module.DRN = _MissingDRN
            module.__doc__ = _MissingDRN.__doc__


def install_mmaction_drn_stub() -> None:
    """Make ``import mmaction.models`` work with mmaction2 1.2.0's incomplete wheel."""
    if not any(isinstance(f, _DRNStubFinder) for f in sys.meta_path):
        sys.meta_path.append(_DRNStubFinder())


def apply_all() -> None:
    """Apply every fix (idempotent)."""
    from .checkpoint import install_checkpoint_loader
    install_mmaction_drn_stub()
    install_checkpoint_loader()


apply_all()
