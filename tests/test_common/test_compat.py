"""projects.common.compat: mmaction2 1.2.0's missing DRN package."""
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

IMPORT_MODELS = 'import mmaction.models; print(mmaction.models.BMN.__name__)'


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)


def test_mmaction_models_import_needs_the_fix():
    plain = _python(IMPORT_MODELS)
    if plain.returncode == 0:
        pytest.skip('this mmaction2 ships localizers/drn; the stub is not needed')
    assert 'drn' in plain.stderr


def test_mmaction_models_import_with_the_fix():
    fixed = _python('import projects; ' + IMPORT_MODELS)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == 'BMN'


def test_stub_drn_fails_loudly_when_built():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers.drn.drn import DRN
    if getattr(DRN, '__module__', '') != 'projects.common.compat':
        pytest.skip('the real DRN is installed')
    with pytest.raises(ImportError, match='2714'):
        DRN()


def test_stub_does_not_shadow_other_modules():
    from projects.common.compat import _DRNStubFinder
    finder = _DRNStubFinder()
    assert finder.find_spec('mmaction.models.localizers.bmn') is None
    assert finder.find_spec('mmaction.models.localizers.drn') is not None
