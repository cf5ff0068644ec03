"""The error raised for bad localization inputs (result files, ground truth, features).

:class:`LocalizationInputError` is a ``ValueError`` (what a caller catches for bad values) and an
:class:`~projects.common.errors.MMPapersError`, so ``tools/train.py`` and ``tools/test.py``
print it as one ``error:`` line. Its message names the file / video / entry at fault and what
was expected, on one line.
"""
from projects.common.errors import MMPapersError


class LocalizationInputError(MMPapersError, ValueError):
    """Bad localization input; the message is one line naming where and what was expected."""


__all__ = ['LocalizationInputError']
