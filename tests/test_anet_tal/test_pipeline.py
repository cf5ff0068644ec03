"""tools/anet_tal.py: a reduced tiny pipeline end to end (train one generator for one epoch,
load another), its official json read back to the same numbers, and the two one-line errors
of the acceptance (members disagreeing on T; a label missing from the taxonomy)."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from projects.anet_tal.metric import evaluate_anet_detection
from tests.conftest import REPO_ROOT, run_tool

TINY = 'configs/anet_tal/pipeline_tiny_anet-views.py'
VIEW_A = 'configs/anet_tal/bmn_tiny_1xb8-6e_anet-views-a.py'
VIEW_B_BSNPP = 'configs/anet_tal/bsnpp_tiny_1xb8-6e_anet-views-b.py'
VIEW_B_BMN = 'configs/anet_tal/bmn_tiny_1xb8-6e_anet-views-b.py'
ENV = dict(OMP_NUM_THREADS='1')


@pytest.fixture(scope='module')
def views():
    from tools.data import ensure
    return ensure('anet-views')


def _write_pipeline(tmp_path, generators, rule='map_mean', compare=(), **ensemble):
    base = Config.fromfile(osp.join(REPO_ROOT, TINY))
    model = dict(type='EnsembleLocalizer', members=generators, rule=rule, **ensemble)
    text = '\n'.join([
        f'work_dir = {str(tmp_path / "work")!r}',
        f'gt_file = {base.gt_file!r}', f'classes = {base.classes!r}', 'extract = None',
        f'model = {model!r}', f'compare_rules = {list(compare)!r}',
        f'classify = {base.classify.to_dict()!r}', f'evaluate = {base.evaluate.to_dict()!r}'])
    path = tmp_path / 'pipeline.py'
    path.write_text(text)
    return str(path)


def _model_checkpoint(checkpoint_of, config, seed):
    return checkpoint_of(Config.fromfile(osp.join(REPO_ROOT, config)).model.to_dict(), seed)


def test_reduced_tiny_pipeline_end_to_end(tmp_path, views, checkpoint_of):
    gens = [dict(name='BMN/view_a', config=VIEW_A),
            dict(name='BSN++/view_b', config=VIEW_B_BSNPP,
                 checkpoint=_model_checkpoint(checkpoint_of, VIEW_B_BSNPP, 0))]
    cfg = _write_pipeline(tmp_path, gens, compare=['proposal_union'], temporal_dim=32,
                          weights=[0.6, 0.4])
    proc = run_tool(['tools/anet_tal.py', cfg, '--train-options', 'train_cfg.max_epochs=1',
                     'train_cfg.val_begin=2'], env=ENV)
    out = proc.stdout + proc.stderr
    for stage in ('stage 1: generators', 'stage 2: ensemble', 'stage 3: proposal classification',
                  'stage 4: '):
        assert stage in out
    work = tmp_path / 'work'
    assert osp.isfile(work / 'BMN_view_a' / 'epoch_1.pth')  # trained here
    with open(work / 'pipeline_results.json') as f:
        report = json.load(f)
    assert report['generators']['BMN/view_a']['trained'] == 'yes'
    assert report['generators']['BSN++/view_b']['trained'] == 'loaded'
    assert set(report['ensemble']) == {'map_mean', 'proposal_union'}
    # the map_mean top-2 detections go on to the file: the stage numbers agree
    assert report['classify']['top2']['mAP'] == report['ensemble']['map_mean']['mAP']
    with open(work / 'detections.json') as f:
        data = json.load(f)
    assert set(data) == {'version', 'results', 'external_data'}
    assert len(data['results']) == 50 and not any(v.startswith('v_') for v in data['results'])
    assert all(len(d) <= 100 for d in data['results'].values())
    first = next(iter(data['results'].values()))[0]
    assert set(first) == {'label', 'score', 'segment'}
    again = evaluate_anet_detection(osp.join(views, 'anet_anno_val.json'),
                                    str(work / 'detections.json'),
                                    osp.join(views, 'classes.txt'))
    assert again == {k: v for k, v in report['evaluate'].items() if k != 'file'}
    assert 0 < again['mAP'] < 1


def test_members_disagreeing_on_t_fail_with_one_line(tmp_path, views, checkpoint_of):
    gens = [dict(name='BMN/view_a', config=VIEW_A,
                 checkpoint=_model_checkpoint(checkpoint_of, VIEW_A, 0)),
            dict(name='BMN/view_b', config=VIEW_B_BMN,
                 checkpoint=_model_checkpoint(checkpoint_of, VIEW_B_BMN, 1))]
    cfg = _write_pipeline(tmp_path, gens, temporal_dim=None)
    proc = run_tool(['tools/anet_tal.py', cfg], env=ENV, check=False)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ')
    assert 'BMN/view_b has T=24 and BMN/view_a has T=32' in last


def test_result_label_missing_from_taxonomy_fails_with_one_line(tmp_path, views):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(version='VERSION 1.3', external_data={}, results={
        'val0000': [dict(label='Jumping', score=0.9, segment=[1.0, 5.0]),
                    dict(label='Juggling', score=0.5, segment=[2.0, 6.0])]})))
    proc = run_tool(['tools/anet_tal.py', TINY, '--evaluate', str(bad)], env=ENV, check=False)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and "bad.json: video 'val0000', entry 1" in last
    assert "label 'Juggling' is not in the taxonomy" in last
