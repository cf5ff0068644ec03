"""Fixtures of the package's tests."""
import pytest


@pytest.fixture(scope='package', autouse=True)
def _mmpretrain_default_scope():
    """Build in mmpretrain's scope, whatever default scope an earlier test package left."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
