"""tools/demo.py: metric reading and the results table."""
import json

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
