"""tools/demo.py: metric reading, the results table, tiny configs that draw curves."""
import glob
import json
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT

from tools.demo import JOBS, format_table, read_test_metric


def test_job_names_are_unique_and_configs_exist():
    import os.path as osp

    from tests.conftest import REPO_ROOT
    assert len({j.name for j in JOBS}) == len(JOBS)
    for job in JOBS:
        assert osp.isfile(osp.join(REPO_ROOT, job.config)), job.config


def test_read_test_metric_takes_the_newest_log(tmp_path):
    import os
    import time
    for i, (stamp, value) in enumerate([('20260101_000000', 0.1), ('20260102_000000', 0.7)]):
        folder = tmp_path / stamp
        folder.mkdir()
        path = folder / f'{stamp}.json'
        path.write_text(json.dumps({'coco/bbox_mAP': value, 'step': 1}) + '\n' +
                        json.dumps({'lr': 0.1}) + '\n')
        os.utime(path, (time.time() + i, time.time() + i))
    assert read_test_metric(str(tmp_path), 'coco/bbox_mAP') == 0.7
    assert read_test_metric(str(tmp_path), 'accuracy/top1') is None


def test_format_table():
    table = format_table([dict(method='A', baseline='-', metric='m', value=12.345, seconds=61.2)])
    lines = table.splitlines()
    assert lines[0].split('|')[1:-1] == [' method ', ' baseline ', ' metric ', ' value ',
                                         ' time (s) ']
    assert '12.35' in lines[2] and '61' in lines[2]


#: the configs the demo trains and tests (a pipeline job draws no curves of its own)
TINY_CONFIGS = sorted({osp.join(REPO_ROOT, j.config) for j in JOBS if j.pipeline is None})


def _validations(train_cfg) -> int:
    """Epochs mmengine's EpochBasedTrainLoop validates after: from ``val_begin`` every
    ``val_interval`` epochs, and always after the last one."""
    if train_cfg.get('type') == 'AWSSearchLoop':  # stage 1 validates like an epoch loop
        train_cfg = dict(max_epochs=train_cfg['stage1_epochs'],
                         val_interval=train_cfg.get('val_interval', 1))
    epochs, begin = train_cfg['max_epochs'], train_cfg.get('val_begin', 1)
    interval = train_cfg.get('val_interval', 1)
    return sum(1 for e in range(1, epochs + 1) if e >= begin and (e % interval == 0
                                                                  or e == epochs))


@pytest.mark.parametrize('config', [osp.relpath(c, REPO_ROOT) for c in TINY_CONFIGS])
def test_tiny_configs_validate_a_few_times(config):
    # the demo draws each metric over the validations of a run: one would be a single dot
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    assert _validations(cfg.train_cfg) >= 3, config


def test_validation_count_rule():
    assert _validations(dict(max_epochs=12, val_interval=4)) == 3
    assert _validations(dict(max_epochs=12, val_begin=1, val_interval=12)) == 1
    assert _validations(dict(max_epochs=10, val_interval=4)) == 3  # 4, 8 and the last
