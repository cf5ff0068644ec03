"""The tiny TopoNet config trains and tests through tools/train.py, the prune tool runs on its
checkpoint, and tools/test.py evaluates the pruned checkpoint + config."""
import glob
import json
import os.path as osp

import pytest
import torch

from tests.conftest import run_tool

CFG = 'configs/toponet/toponet-resnet18-tiny_1xb64-10e_digits.py'
PRUNE = 'tools/analysis_tools/toponet_prune.py'


@pytest.mark.slow
def test_tiny_toponet_trains_prunes_and_tests_on_digits(tmp_path, digits_root):
    from tools.demo import read_test_metric
    work = str(tmp_path / 'train')
    # one epoch on the first 640 training images (10 iterations): the full run is the benchmark's
    run_tool(['tools/train.py', CFG, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=1', 'default_hooks.logger.interval=2',
              'custom_hooks.0.interval=2', 'train_dataloader.dataset.indices=640'])
    records = []
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    train = [r for r in records if 'loss' in r]
    assert train and all(0 < r['loss_edge_l1'] < r['loss'] for r in train)  # L1 in the log
    assert any('edges/backbone.layer4/rel_active' in r for r in train)  # the hook's scalars
    # weaken both out-edges of layer4's node 0 (to node 1 and to out): the relative rule drops
    # them, and node 0, left without outputs, is removed
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    key = 'backbone.layer4.edge_source.edge_alpha'
    alpha = ckpt['state_dict'][key]
    alpha[1, 2] = alpha[1, 3] = 0.01 * alpha[:, 3].abs().max()  # node 0 -> 1, node 0 -> out
    weak = str(tmp_path / 'weak.pth')
    torch.save(ckpt, weak)
    out = str(tmp_path / 'pruned')
    proc = run_tool([PRUNE, CFG, weak, '--threshold', '0.1', '--shape', '32', '--out-dir', out])
    assert 'backbone.layer4: 3 of 5 edges kept' in proc.stdout and 'GFLOPs' in proc.stdout
    with open(osp.join(out, 'prune.json')) as f:
        summary = json.load(f)
    assert summary['edges_after'] == summary['edges_before'] - 2
    assert summary['stages'][3]['removed_nodes'] == [0]
    assert summary['after']['flops'] < summary['before']['flops']
    assert osp.isfile(osp.join(out, 'adjacency.png')) and osp.isfile(osp.join(out, 'graph.png'))
    run_tool(['tools/test.py', summary['pruned_config'], summary['pruned_checkpoint'],
              '--work-dir', str(tmp_path / 'test')])
    assert read_test_metric(str(tmp_path / 'test'), 'accuracy/top1') >= 0.0
