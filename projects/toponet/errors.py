"""The error TopoNet raises for a bad option (one line through tools/train.py and test.py)."""
from projects.common.errors import MMPapersError


class TopoConfigError(MMPapersError, ValueError):
    """A bad TopoNet option: a ValueError that ``tools/train.py``/``tools/test.py`` print as one
    ``error:`` line (it is also an :class:`~projects.common.errors.MMPapersError`)."""
