"""tools/oqa_chain.py: bad chain configs stop with one line naming the entry."""
import pytest

from projects.common.errors import MMPapersError
from tools.oqa_chain import _check_chain

C = 'configs/oqa/'
FP = dict(name='fp', config=C + 'oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits.py', load_from=None)
B4 = dict(name='4bit', config=C + 'oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits.py',
          load_from='fp')


def test_the_tiny_chain_config_is_valid():
    from mmengine.config import Config
    cfg = Config.fromfile(C + 'oqa-mbv3-tiny_chain_digits.py')
    _check_chain(cfg.chain, 'chain.py')
    assert [s['name'] for s in cfg.chain['stages']] == ['fp', '4bit', '3bit', '2bit']


@pytest.mark.parametrize('chain, match', [
    (dict(stages=[dict(B4)]), r"chain\.stages\[0\]\.load_from='fp' is not an earlier stage"),
    (dict(stages=[FP, dict(B4, config='configs/oqa/nope.py')]),
     r"chain\.stages\[1\]\.config 'configs/oqa/nope\.py' does not exist"),
    (dict(stages=[dict(name='fp')]), r"chain\.stages\[0\] has no 'config'"),
    (dict(stages=[FP], searches=[dict(name='s', config=FP['config'], supernet='2bit')]),
     r"chain\.searches\[0\]\.supernet='2bit' is not a stage"),
    (dict(steps=[]), r'`chain` must be a dict with a `stages` list'),
])
def test_bad_chain_entries_name_themselves(chain, match):
    with pytest.raises(MMPapersError, match=match) as info:
        _check_chain(chain, 'chain.py')
    assert '\n' not in str(info.value) and str(info.value).startswith('chain.py: ')
