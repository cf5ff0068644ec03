"""mmpapers method packages: ``projects.<method>``.

Importing any method package first applies the stack fixes of :mod:`projects.common.compat`
(see that module), so configs that load our code with ``custom_imports`` get them too.
"""
from .common import compat as _compat  # noqa: F401
