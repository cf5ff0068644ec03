"""AWSPolicyAugment (spec section 8 item 8): exactly two ops per image, in order, deterministic
under a seed; sampling from the policy; policy updates reach DataLoader workers."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from projects.aws import AWSPolicyAugment
from projects.aws.op_space import NUM_OPS, OP_NAMES
from projects.aws.policy import AWSPolicy


def _img(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (20, 24, 3), dtype=np.uint8)


def _point_policy(a, b) -> AWSPolicy:
    """A policy with (almost) all mass on the pair (a, b)."""
    t1 = torch.full((NUM_OPS, ), -30.0)
    t2 = torch.full((NUM_OPS, NUM_OPS), -30.0)
    t1[a], t2[a, b] = 30.0, 30.0
    return AWSPolicy(t1, t2, normalize='softmax')


class _Counting:
    def __init__(self, k, log):
        self.k, self.log = k, log

    def __call__(self, results):
        self.log.append(self.k)
        results['img'] = results['img'] + np.uint8(1)
        return results


def test_exactly_two_ops_in_sampled_order():
    t = AWSPolicyAugment()
    log = []
    t.ops = [_Counting(k, log) for k in range(NUM_OPS)]
    np.random.seed(0)
    for n in range(20):
        out = t(dict(img=np.zeros((4, 4, 3), np.uint8)))
        assert log[-2:] == list(out['aws_pair']) and len(log) == 2 * (n + 1)
        assert int(out['img'][0, 0, 0]) == 2


def test_fixed_pair_is_deterministic_under_a_seed_and_equals_op_i_then_op_j():
    t = AWSPolicyAugment()
    i, j = OP_NAMES.index('Rotate_mag30'), OP_NAMES.index('ShearX_mag0.2')
    outs = []
    for _ in range(2):
        np.random.seed(3)
        outs.append(t.apply_pair(dict(img=_img()), i, j)['img'])
    np.testing.assert_array_equal(outs[0], outs[1])
    np.random.seed(3)
    manual = t.ops[j](t.ops[i](dict(img=_img())))['img']
    np.testing.assert_array_equal(outs[0], manual)
    np.random.seed(3)
    swapped = t.ops[i](t.ops[j](dict(img=_img())))['img']
    assert not np.array_equal(outs[0], swapped)  # ordered pairs


def test_whole_transform_is_deterministic_under_a_seed():
    t = AWSPolicyAugment()
    runs = []
    for _ in range(2):
        np.random.seed(11)
        runs.append([(r['aws_pair'], r['img']) for r in (t(dict(img=_img(k))) for k in range(8))])
    for (p1, im1), (p2, im2) in zip(*runs):
        assert p1 == p2
        np.testing.assert_array_equal(im1, im2)


def test_samples_follow_the_policy_and_record_the_pair():
    t = AWSPolicyAugment(policy=_point_policy(4, 29))
    np.random.seed(0)
    assert {t(dict(img=_img()))['aws_pair'] for _ in range(10)} == {(4, 29)}
    torch.testing.assert_close(t.probs(), _point_policy(4, 29).joint().detach())


def test_uniform_transform_first_op_frequencies():
    t = AWSPolicyAugment()
    np.random.seed(0)
    firsts = np.array([t.sample_pair()[0] for _ in range(7200)])
    counts = np.bincount(firsts, minlength=NUM_OPS)
    from scipy import stats
    assert stats.chisquare(counts).pvalue > 1e-3


def test_missing_policy_file_fails_at_first_image_with_one_line(tmp_path):
    path = str(tmp_path / 'not_yet.json')
    t = AWSPolicyAugment(policy=path)
    with pytest.raises(ValueError) as info:
        t(dict(img=_img()))
    assert str(info.value) == f'{path}: policy file not found'


class _Images(Dataset):

    def __init__(self, transform, n=8):
        self.transform, self.n = transform, n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        return self.transform(dict(img=np.zeros((8, 8, 3), np.uint8)))['aws_pair']


def test_policy_updates_reach_persistent_workers():
    t = AWSPolicyAugment(policy=_point_policy(1, 2))
    loader = DataLoader(_Images(t), batch_size=4, num_workers=1, persistent_workers=True,
                        collate_fn=lambda b: b)
    first = {p for batch in loader for p in batch}
    t.set_policy(_point_policy(33, 0))  # in the main process, workers stay alive
    second = {p for batch in loader for p in batch}
    assert first == {(1, 2)} and second == {(33, 0)}


class _Packed(Dataset):
    """Images through AWSPolicyAugment and PackInputs, as a train pipeline."""

    def __init__(self, transform):
        from mmpretrain.datasets.transforms import PackInputs
        self.transform = transform
        self.pack = PackInputs(meta_keys=('aws_pair', ))

    def __len__(self):
        return 6

    def __getitem__(self, idx):
        return self.pack(self.transform(dict(img=np.zeros((8, 8, 3), np.uint8), gt_label=1)))


def test_pairs_are_counted_in_the_main_process_from_worker_batches():
    from mmengine.dataset import pseudo_collate

    from projects.aws.transform import pairs_from_samples
    t = AWSPolicyAugment(policy=_point_policy(9, 35))
    loader = DataLoader(_Packed(t), batch_size=3, num_workers=1, collate_fn=pseudo_collate)
    pairs = [p for batch in loader for p in pairs_from_samples(batch['data_samples'])]
    assert pairs == [(9, 35)] * 6


def test_bad_policy_in_a_config_is_one_line_naming_file_and_entry(tmp_path):
    import json

    from mmengine.config import Config
    from mmengine.registry import DefaultScope, init_default_scope
    from mmpretrain.registry import TRANSFORMS

    from projects.common.errors import describe
    data = AWSPolicy().to_dict()
    data['op_names'][3] = 'Cutout_mag16'
    path = tmp_path / 'policy.json'
    path.write_text(json.dumps(data))
    cfg = Config.fromfile('configs/aws/resnet18-tiny_aws-policy_1xb32-15e_digits600.py')
    step = cfg.train_dataloader.dataset.dataset.pipeline[2]
    step.policy = str(path)
    init_default_scope('mmpretrain')
    with DefaultScope.overwrite_default_scope('mmpretrain'), pytest.raises(ValueError) as info:
        TRANSFORMS.build(step)
    message = describe(info.value, 'cfg.py', cfg)  # what tools/train.py prints after 'error: '
    assert message is not None and '\n' not in message
    assert str(path) in message and "op_names[3]='Cutout_mag16' is not an AWS op" in message
