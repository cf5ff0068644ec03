"""Enlarged Batch (spec section 4 [R], section 7): ``AWSEnlargedBatch`` + ``aws_enlarged_collate``
emit M independently augmented copies of every image in the same batch; an epoch is N images,
N * M samples, ceil(N / B) iterations."""
import collections
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.registry import FUNCTIONS
from mmengine.runner import Runner

import projects.aws  # noqa: F401
from mmpretrain.registry import DATASETS
from projects.aws import AWSEnlargedBatch, aws_enlarged_collate
from projects.aws.op_space import NUM_OPS, OP_NAMES
from projects.aws.policy import AWSPolicy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INV, P7, P4 = (OP_NAMES.index(n) for n in ('Invert', 'Posterize_mag7', 'Posterize_mag4'))


@DATASETS.register_module(force=True)
class AWSEBToyImages(BaseDataset):
    """``n`` distinct random 8x8 uint8 images, label = index % 3."""
    METAINFO = dict(classes=('a', 'b', 'c'))

    def __init__(self, n=10, **kwargs):
        self.n = n
        super().__init__(**kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(5)
        return [dict(img=rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), gt_label=k % 3)
                for k in range(self.n)]


def _two_first_ops_policy() -> dict:
    """First op Invert or Posterize(7 bits), 1/2 each; second op always Posterize(4 bits)."""
    t1 = torch.full((NUM_OPS, ), -40.0, dtype=torch.float64)
    t2 = torch.full((NUM_OPS, NUM_OPS), -40.0, dtype=torch.float64)
    t1[INV] = t1[P7] = 40.0
    t2[:, P4] = 40.0
    return AWSPolicy(t1, t2, normalize='softmax').to_dict()


def _wrapped(n, copies):
    pipeline = [dict(type='AWSPolicyAugment', policy=_two_first_ops_policy()),
                dict(type='PackInputs', meta_keys=('sample_idx', 'aws_pair'))]
    return AWSEnlargedBatch(dict(type='AWSEBToyImages', n=n, pipeline=pipeline),
                            copies=copies)


def test_every_copy_is_its_own_pipeline_run_on_the_raw_image():
    ds = _wrapped(n=6, copies=4)
    raw = [ds.dataset.get_data_info(k)['img'].copy() for k in range(len(ds))]
    np.random.seed(0)
    seen_first_ops = set()
    for k in range(len(ds)):
        copies = ds[k]
        assert len(copies) == 4
        for c in copies:
            i, j = c['data_samples'].aws_pair
            assert j == P4 and i in (INV, P7)
            seen_first_ops.add(i)
            # hand values: Invert = 255 - x, Posterize(7) = x & 0xFE, then Posterize(4) = & 0xF0
            first = 255 - raw[k] if i == INV else raw[k] & 0xFE
            expected = torch.from_numpy((first & 0xF0).transpose(2, 0, 1).copy())
            torch.testing.assert_close(c['inputs'], expected, rtol=0, atol=0)
        np.testing.assert_array_equal(ds.dataset.get_data_info(k)['img'], raw[k])  # kept
    assert seen_first_ops == {INV, P7}


def test_copies_draw_their_pairs_independently():
    # with first op Invert / Posterize(7) at 1/2 each, two independent copies agree with
    # probability 1/2; shared draws would always agree, alternating draws never
    ds = _wrapped(n=400, copies=2)
    np.random.seed(1)
    agree = sum(a['data_samples'].aws_pair == b['data_samples'].aws_pair
                for a, b in (ds[k] for k in range(len(ds))))
    assert 0.5 - 0.1 < agree / 400 < 0.5 + 0.1  # 4 binomial standard deviations (0.025)


def test_epoch_is_n_images_n_times_m_samples_ceil_n_over_b_iterations():
    pipeline = [dict(type='AWSPolicyAugment'),
                dict(type='PackInputs', meta_keys=('sample_idx', 'aws_pair'))]
    loader = Runner.build_dataloader(dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
        collate_fn=dict(type='aws_enlarged_collate'),
        dataset=dict(type='AWSEnlargedBatch', copies=3,
                     dataset=dict(type='AWSEBToyImages', n=10, pipeline=pipeline))))
    assert len(loader) == 3  # ceil(10 / 4): as many iterations as without EB
    batches = list(loader)
    assert [len(b['inputs']) for b in batches] == [12, 12, 6]  # B * M per step
    per_image = collections.Counter()
    for b in batches:
        idx = collections.Counter(s.sample_idx for s in b['data_samples'])
        assert set(idx.values()) == {3}  # the M copies of an image share the step
        per_image.update(idx)
    assert per_image == {k: 3 for k in range(10)}  # N * M = 30 samples, M per image


def test_collate_passes_plain_items_through_and_checks_its_inner_function():
    assert FUNCTIONS.get('aws_enlarged_collate') is aws_enlarged_collate
    out = aws_enlarged_collate([dict(inputs=1), [dict(inputs=2), dict(inputs=3)]])
    assert out['inputs'] == [1, 2, 3]
    with pytest.raises(ValueError, match="collate='no_such_collate' is not a registered"):
        aws_enlarged_collate([dict(inputs=1)], collate='no_such_collate')


@pytest.mark.parametrize('copies', [0, 2.5, True, '8'])
def test_bad_copies_is_a_one_line_error(copies):
    with pytest.raises(ValueError, match='copies must be an integer >= 1'):
        AWSEnlargedBatch(dict(type='AWSEBToyImages', n=2, pipeline=[]), copies=copies)


def test_eb_only_in_the_named_config_variants():
    def dataloader(name):
        return Config.fromfile(osp.join(REPO, 'configs', 'aws', name)).train_dataloader
    for name in ('wrn28-10_aws-policy-eb8_8xb32-300e_cifar10.py',
                 'wrn28-10_aws-policy-eb8_8xb32-300e_cifar100.py',
                 'pyramidnet272-shakedrop_aws-policy-eb8_8xb8-1800e_cifar10.py'):
        dl = dataloader(name)
        assert dl.dataset.type == 'AWSEnlargedBatch' and dl.dataset.copies == 8
        assert dl.collate_fn.type == 'aws_enlarged_collate'
        assert any(t['type'] == 'AWSPolicyAugment' for t in dl.dataset.dataset.pipeline)
    for name in ('wrn28-10_aws-policy_8xb32-300e_cifar10.py',
                 'wrn28-10_aws-policy_8xb32-300e_cifar100.py',
                 'pyramidnet272-shakedrop_aws-policy_8xb8-1800e_cifar10.py'):
        assert dataloader(name).dataset.type != 'AWSEnlargedBatch'  # off by default


def test_search_fine_tunes_and_counts_every_copy(tmp_path):
    from tests.test_aws.test_search_loop import _cfg
    cfg = _cfg(str(tmp_path), loops=1)
    dl = cfg['train_dataloader']
    dl['collate_fn'] = dict(type='aws_enlarged_collate')
    dl['dataset'] = dict(type='AWSEnlargedBatch', copies=2, dataset=dl['dataset'])
    runner = Runner.from_cfg(cfg)
    runner.train()
    loop = runner.train_loop
    traj = loop.run_trajectory(0)
    # 2 fine-tune epochs x 32 images x 2 copies, each copy's pair counted
    assert loop.finetune_epochs == 2 and traj['counts'].sum() == 2 * 32 * 2
    loop._restore_share()
