"""Location of the real ActivityNet evaluation files (``tests/data/anet_eval``, see its README).

``MMPAPERS_ANET_EVAL`` may point at another copy.
"""
import os
import os.path as osp

from tests.conftest import REPO_ROOT

ANET_EVAL = os.environ.get('MMPAPERS_ANET_EVAL', osp.join(REPO_ROOT, 'tests', 'data', 'anet_eval'))
GT = osp.join(ANET_EVAL, 'gt.json')
RESULT = osp.join(ANET_EVAL, 'result.json')
