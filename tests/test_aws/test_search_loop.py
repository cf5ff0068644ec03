"""AWSSearchLoop on a toy model (spec section 4; section 8 item 7): fine-tune isolation by
state hash, top-2 reward, best-reward policy, resume == uninterrupted."""
import copy
import json
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import BaseDataset
from mmengine.runner import Runner

import projects.aws  # noqa: F401
from mmpretrain.registry import DATASETS, MODELS
from projects.aws.policy import AWSPolicy, reward_topk
from projects.aws.search_loop import STATE_KEY, state_hash


@DATASETS.register_module(force=True)
class AWSToyDigits(BaseDataset):
    """16x16 noisy images of 4 classes: a bar whose colour is the class, at a random place."""
    METAINFO = dict(classes=('a', 'b', 'c', 'd'))

    def __init__(self, n=32, seed=0, **kwargs):
        self.n, self.seed = n, seed
        super().__init__(**kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(self.seed)
        out = []
        for k in range(self.n):
            label = k % 4
            img = rng.integers(0, 150, (16, 16, 3)).astype(np.uint8)
            row = rng.integers(0, 12)  # a bar at a random place, its colour is the class
            img[row:row + 4, 3:13] = np.array([[60, 60, 60], [200, 40, 40], [40, 200, 40],
                                               [40, 40, 200]][label], dtype=np.uint8)
            out.append(dict(img=img, gt_label=label))
        return out

    def get_gt_labels(self):
        return np.array([d['gt_label'] for d in self.data_list])


@MODELS.register_module(force=True)
class AWSToyNet(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6, momentum=0.5)

    def forward(self, x):
        return (torch.relu(self.bn(self.conv(x))), )


PIPE = [dict(type='AWSPolicyAugment'),
        dict(type='PackInputs', meta_keys=('sample_idx', 'img_shape', 'aws_pair'))]


def _cfg(work_dir, loops=3, resume=False, **loop_kw):
    return dict(
        model=dict(type='ImageClassifier', backbone=dict(type='AWSToyNet'),
                   neck=dict(type='GlobalAveragePooling'),
                   head=dict(type='LinearClsHead', num_classes=4, in_channels=6),
                   data_preprocessor=dict(num_classes=4, mean=[60.0] * 3, std=[60.0] * 3)),
        work_dir=work_dir,
        train_dataloader=dict(batch_size=8, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              dataset=dict(type='AWSToyDigits', n=32, pipeline=PIPE)),
        val_dataloader=dict(batch_size=16, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            dataset=dict(type='AWSToyDigits', n=24, seed=1,
                                         pipeline=[dict(type='PackInputs')])),
        val_evaluator=dict(type='Accuracy'), val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
                           clip_grad=dict(max_norm=3.0)),
        param_scheduler=[dict(type='CosineAnnealingLR', T_max=2, by_epoch=True,
                              eta_min=0.01)],
        train_cfg=dict(type='AWSSearchLoop', stage1_epochs=2, finetune_epochs=2, loops=loops,
                       finetune_lr=0.05, ppo=dict(lr=0.5, warmup_loops=0), **loop_kw),
        default_scope='mmpretrain', default_hooks=dict(
            logger=dict(type='LoggerHook', interval=100),
            checkpoint=dict(type='CheckpointHook', interval=1)),
        randomness=dict(seed=0), resume=resume, load_from=None,
        log_level='WARNING', experiment_name=f'aws_{osp.basename(work_dir)}_{loops}_{resume}')


@pytest.fixture(scope='module')
def full_run(tmp_path_factory):
    work = str(tmp_path_factory.mktemp('full'))
    runner = Runner.from_cfg(_cfg(work, loops=3))
    runner.train()
    return runner, work


def test_every_trajectory_starts_from_the_shared_weights_and_optimizer(full_run):
    runner, _ = full_run
    loop = runner.train_loop
    assert len(loop.start_hashes) == 3
    # the shared state's hash, with the fine-tune lr the trajectories set
    share_optim = copy.deepcopy(loop._share['optim'])
    for g in share_optim['optimizer']['param_groups'] if 'optimizer' in share_optim \
            else share_optim['param_groups']:
        g['lr'] = 0.05
    model = copy.deepcopy(loop.model)
    model.load_state_dict(loop._share['model'])
    assert set(loop.start_hashes) == {state_hash(model, share_optim)}
    # and the optimizer state holds stage-1 momentum buffers (not a fresh optimizer)
    assert any('momentum_buffer' in s for s in loop._share['optim']['state'].values())


def test_fine_tuning_moves_the_trained_model(full_run, tmp_path):
    runner, _ = full_run
    loop = runner.train_loop
    before = state_hash(loop.model)
    loop.run_trajectory(0)
    assert state_hash(loop.model) != before  # the pitfall: an optimizer of another model
    loop._restore_share()
    assert state_hash(loop.model) == before


def test_reward_is_top2_of_per_epoch_accuracies(full_run):
    runner, _ = full_run
    for entry in runner.train_loop.history:
        assert len(entry['accs']) == 2
        assert entry['rewards'][0] == reward_topk(entry['accs'], 2)


def test_best_policy_is_the_best_reward_loop_and_is_exported(full_run):
    runner, work = full_run
    loop = runner.train_loop
    rewards = [e['mean_reward'] for e in loop.history]
    best = int(np.argmax(rewards))  # first maximum: later ties do not replace it
    assert loop.best['loop'] == best
    exported = AWSPolicy.load(osp.join(work, 'aws_search', 'best_policy.json'))
    torch.testing.assert_close(exported.joint().float(), loop.history[best]['probs'])
    assert loop.history[0]['advantages'] == [0.0]
    text = open(osp.join(work, 'aws_search', 'best_policy_transform.py')).read()
    assert "type='AWSPolicyAugment'" in text and 'best_policy.json' in text
    summary = json.load(open(osp.join(work, 'aws_search', 'search_history.json')))
    assert summary['loops_done'] == 3 and summary['best_loop'] == best
    assert osp.isfile(osp.join(work, 'aws_search', 'policy_evolution.png'))


def test_resume_equals_uninterrupted(full_run, tmp_path):
    runner, _ = full_run
    work = str(tmp_path / 'interrupted')
    Runner.from_cfg(_cfg(work, loops=1)).train()  # "killed" after loop 1
    resumed = Runner.from_cfg(_cfg(work, loops=3, resume=True))
    resumed.train()
    a, b = runner.train_loop, resumed.train_loop
    assert len(b.start_hashes) == 2  # loops 2 and 3 ran in the resumed process
    assert [e['rewards'] for e in a.history] == [e['rewards'] for e in b.history]
    # the pairs drawn in every loop (rank-0 counts), not only their rewards
    assert [e['counts_sha256'] for e in a.history] == [e['counts_sha256'] for e in b.history]
    for p, q in zip(a.agent.policy.parameters(), b.agent.policy.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    assert a.agent.running_baselines == b.agent.running_baselines
    assert a.best['loop'] == b.best['loop']
    assert a.share_hash == b.share_hash
    saved = resumed.message_hub.get_info(STATE_KEY)
    assert saved['loop'] == 3


def test_pipeline_without_the_transform_is_a_one_line_error(tmp_path):
    cfg = _cfg(str(tmp_path))
    cfg['train_dataloader']['dataset']['pipeline'] = [dict(type='PackInputs')]
    with pytest.raises(ValueError, match='no AWSPolicyAugment'):
        Runner.from_cfg(cfg).train()


def test_consecutive_trajectories_each_reload_the_shared_state(full_run):
    loop = full_run[0].train_loop
    n = len(loop.start_hashes)
    loop.run_trajectory(0)
    loop.run_trajectory(1)  # no restore in between: run_trajectory itself must reload
    assert loop.start_hashes[n] == loop.start_hashes[n + 1] == loop.start_hashes[0]
    loop._restore_share()


def test_toy_rewards_vary_so_the_agent_moves(full_run):
    loop = full_run[0].train_loop
    assert len({round(e['mean_reward'], 6) for e in loop.history}) > 1
    assert any(abs(a) > 0 for e in loop.history[1:] for a in e['advantages'])
