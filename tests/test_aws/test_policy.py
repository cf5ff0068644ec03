"""The policy (spec section 3; section 8 items 2, 3): uniform start, sampling frequencies,
sigmoid-normalise vs softmax, files and their one-line errors."""
import json

import numpy as np
import pytest
import torch
from scipy import stats

from projects.aws.op_space import NUM_OPS, OP_NAMES
from projects.aws.policy import AWSPolicy, normalize_probs, reward_topk


def _distinct_policy(normalize='sigmoid', seed=0) -> AWSPolicy:
    g = torch.Generator().manual_seed(seed)
    return AWSPolicy(torch.randn(NUM_OPS, generator=g, dtype=torch.float64) * 1.5,
                     torch.randn(NUM_OPS, NUM_OPS, generator=g, dtype=torch.float64) * 1.5,
                     normalize=normalize)


def test_zero_init_is_exactly_uniform():
    joint = AWSPolicy().joint()
    assert joint.shape == (36, 36)
    assert bool((joint == 1 / 1296).all())


def test_rows_of_p2_sum_to_one_and_joint_sums_to_one():
    p1, p2 = _distinct_policy().marginals()
    torch.testing.assert_close(p2.sum(1), torch.ones(NUM_OPS, dtype=torch.float64))
    torch.testing.assert_close(p1.sum(), torch.tensor(1.0, dtype=torch.float64))
    torch.testing.assert_close(_distinct_policy().joint().sum(),
                               torch.tensor(1.0, dtype=torch.float64))


def test_joint_is_first_times_conditional():
    policy = _distinct_policy()
    s1, s2 = policy.theta1.detach().sigmoid(), policy.theta2.detach().sigmoid()
    expected = (s1 / s1.sum())[:, None] * (s2 / s2.sum(1, keepdim=True))  # by the formula
    torch.testing.assert_close(policy.joint().detach(), expected)


def test_sample_frequencies_pass_a_chi_square_test():
    policy = _distinct_policy(seed=1)
    pairs = policy.sample(200_000, np.random.default_rng(0))
    counts = np.bincount(pairs[:, 0] * NUM_OPS + pairs[:, 1], minlength=NUM_OPS**2)
    expected = policy.joint().detach().numpy().ravel() * len(pairs)
    assert stats.chisquare(counts, expected).pvalue > 1e-3
    # the test has power: the transposed distribution (pairs read unordered) is rejected
    wrong = policy.joint().detach().numpy().T.ravel() * len(pairs)
    assert stats.chisquare(counts, wrong).pvalue < 1e-6


def test_softmax_is_shift_invariant_sigmoid_normalise_is_not():
    theta = torch.tensor([0.3, -1.2, 2.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(normalize_probs(theta + 5, 'softmax'),
                               normalize_probs(theta, 'softmax'))
    shifted, base = normalize_probs(theta + 5, 'sigmoid'), normalize_probs(theta, 'sigmoid')
    assert (shifted - base).abs().max() > 1e-2  # saturating sigmoids flatten the distribution
    # by hand: sigmoid-normalise of (0, log 3) is (1/2, 3/4) / (5/4) = (0.4, 0.6)
    torch.testing.assert_close(normalize_probs(torch.tensor([0.0, np.log(3.0)],
                                                            dtype=torch.float64), 'sigmoid'),
                               torch.tensor([0.4, 0.6], dtype=torch.float64))


@pytest.mark.parametrize('normalize', ['sigmoid', 'softmax'])
def test_raising_one_logit_raises_its_probability(normalize):
    policy = _distinct_policy(normalize)
    p_before = policy.marginals()[0].detach()
    with torch.no_grad():
        policy.theta1[7] += 0.5
    p_after = policy.marginals()[0].detach()
    assert p_after[7] > p_before[7]
    assert bool((p_after > 0).all())
    torch.testing.assert_close(p_after.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_probabilities_stay_strictly_positive_at_extreme_logits():
    policy = AWSPolicy(torch.full((NUM_OPS, ), -40.0), torch.full((NUM_OPS, NUM_OPS), 40.0))
    with torch.no_grad():
        policy.theta1[0] = 40.0
    joint = policy.joint().detach()
    assert bool((joint > 0).all()) and abs(float(joint.sum()) - 1) < 1e-12


def test_reward_is_mean_of_top_two():
    assert reward_topk([10.0, 30.0, 20.0, 25.0], 2) == (30.0 + 25.0) / 2
    assert reward_topk([5.0], 2) == 5.0


def test_json_round_trip(tmp_path):
    policy = _distinct_policy('softmax')
    path = str(tmp_path / 'p.json')
    policy.save(path)
    loaded = AWSPolicy.load(path)
    assert loaded.normalize == 'softmax'
    torch.testing.assert_close(loaded.joint(), policy.joint())
    assert json.load(open(path))['op_names'] == list(OP_NAMES)


def test_official_agent_layout_loads_index_for_index(tmp_path):
    t1 = torch.arange(NUM_OPS, dtype=torch.float32) / 10
    t2 = torch.arange(NUM_OPS**2, dtype=torch.float32).reshape(NUM_OPS, NUM_OPS) / 1000
    path = str(tmp_path / 'after_lp3_d1.23.pth.tar')
    torch.save(dict(lp=3, agent=dict(first_param=t1, second_param=t2)), path)
    policy = AWSPolicy.load(path)
    torch.testing.assert_close(policy.theta1.detach(), t1.double())
    torch.testing.assert_close(policy.theta2.detach(), t2.double())


def _bad_file(tmp_path, **changes):
    data = AWSPolicy().to_dict()
    data.update(changes)
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize('changes,words', [
    (dict(op_names=list(OP_NAMES[:35]) + ['Mixup_mag0.3']), ["op_names[35]='Mixup_mag0.3'",
                                                           'is not an AWS op']),
    (dict(theta2=[[0.0] * 36] * 35), ['theta2 has shape (35, 36)', 'expected (36, 36)']),
    (dict(theta1=[0.0] * 14), ['theta1 has shape (14,)', 'expected (36,)']),
    (dict(op_names=list(reversed(OP_NAMES))), ['op_names[0]', 'official sorted order']),
    (dict(normalize='relu'), ["normalize='relu'"]),
])
def test_bad_policy_file_gives_one_line_naming_file_and_entry(tmp_path, changes, words):
    path = _bad_file(tmp_path, **changes)
    with pytest.raises(ValueError) as info:
        AWSPolicy.load(path)
    message = str(info.value)
    assert '\n' not in message and message.startswith(path)
    for word in words:
        assert word in message


def test_missing_theta_entry(tmp_path):
    data = AWSPolicy().to_dict()
    del data['theta1']
    path = tmp_path / 'p.json'
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="missing entry 'theta1'"):
        AWSPolicy.load(str(path))
