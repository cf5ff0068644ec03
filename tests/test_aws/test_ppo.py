"""PPO with the moving-average baseline (spec section 5; section 8 items 4, 5)."""
import pytest
import torch

from projects.aws.op_space import NUM_OPS
from projects.aws.policy import AWSPolicy
from projects.aws.ppo import AWSPPOAgent

A, B = 5, 17  # the pair the trajectory used


def _counts(pairs=((A, B, 100), )):
    c = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64)
    for i, j, n in pairs:
        c[i, j] = n
    return c


def _agent(**kw):
    kw.setdefault('kl_stop', 1e9)
    return AWSPPOAgent(AWSPolicy(), **kw)


def test_first_advantage_is_zero_then_baseline_follows_the_ema():
    agent = _agent()
    assert agent.advantages([50.0]) == [0.0]
    assert agent.running_baselines == [50.0] and agent.initial_baseline == 50.0
    # by hand: B = 0.9 * 50 + 0.1 * 60 = 51, A = 0.5 * (60 - 51) = 4.5
    assert agent.advantages([60.0]) == pytest.approx([4.5])
    assert agent.running_baselines == pytest.approx([51.0])
    # B = 0.9 * 51 + 0.1 * 40 = 49.9, A = 0.5 * (40 - 49.9) = -4.95
    assert agent.advantages([40.0]) == pytest.approx([-4.95])
    assert agent.running_baselines == pytest.approx([49.9])


def test_baselines_are_per_trajectory_and_initial_baseline_is_the_mean():
    agent = _agent(initial_baseline_ratio=0.5)
    assert agent.advantages([40.0, 60.0]) == pytest.approx([0.5 * 0.5 * -10, 0.5 * 0.5 * 10])
    assert agent.initial_baseline == 50.0
    # slot 0: B = 0.9 * 40 + 0.1 * 50 = 41; A = 0.5 * (0.5 * (50 - 50) + 0.5 * (50 - 41))
    assert agent.advantages([50.0, 60.0])[0] == pytest.approx(0.5 * 0.5 * 9)


def test_pair_advantage_is_spread_by_frequency():
    adv = AWSPPOAgent.pair_advantage(_counts(((1, 2, 3), (4, 4, 1))), 2.0)
    assert adv[1, 2] == pytest.approx(1.5) and adv[4, 4] == pytest.approx(0.5)
    assert float(adv.sum()) == pytest.approx(2.0)


@pytest.mark.parametrize('advantage,direction', [(4.5, 1), (-4.5, -1)])
def test_ppo_direction(advantage, direction):
    agent = _agent(max_updates=1)
    before = float(agent.policy.joint()[A, B])
    agent.update([_counts()], [advantage])
    after = float(agent.policy.joint()[A, B])
    assert (after - before) * direction > 0


def test_ppo_direction_through_the_baseline():
    agent = _agent(max_updates=1)
    agent.advantages([50.0])
    (adv, ) = agent.advantages([60.0])  # r > B
    before = float(agent.policy.joint()[A, B])
    agent.update([_counts()], [adv])
    assert float(agent.policy.joint()[A, B]) > before


def _surrogate_grad(agent, old_log, adv):
    agent.policy.theta1.grad = agent.policy.theta2.grad = None
    agent.surrogate(agent.policy.log_joint(), old_log, adv).backward()
    return agent.policy.theta1.grad.clone(), agent.policy.theta2.grad.clone()


@pytest.mark.parametrize('sign', [1, -1])
def test_clipping_stops_updates_outside_the_trust_region(sign):
    agent = _agent()
    adv = AWSPPOAgent.pair_advantage(_counts(), sign * 4.5)
    # theta now gives P(a, b) 1.5x (or 0.5x) of P_old: outside [0.8, 1.2] in the profitable side
    with torch.no_grad():
        old_log = agent.policy.log_joint().clone()
        agent.policy.theta2[A, B] = 3.0 * sign
    ratio = float((agent.policy.log_joint()[A, B] - old_log[A, B]).exp())
    assert (ratio > 1.2) if sign > 0 else (ratio < 0.8)
    g1, g2 = _surrogate_grad(agent, old_log, adv)
    assert float(g1.abs().max()) == 0.0 and float(g2.abs().max()) == 0.0
    theta = [p.detach().clone() for p in agent.policy.parameters()]
    agent.update([_counts()], [sign * 4.5], old_log_joint=old_log)
    for p, t in zip(agent.policy.parameters(), theta):
        torch.testing.assert_close(p.detach(), t, rtol=0, atol=0)


def test_inside_the_trust_region_the_gradient_is_not_zero():
    agent = _agent()
    adv = AWSPPOAgent.pair_advantage(_counts(), 4.5)
    old_log = agent.policy.log_joint().detach().clone()
    with torch.no_grad():
        agent.policy.theta2[A, B] = 0.1  # ratio ~1.05
    g1, g2 = _surrogate_grad(agent, old_log, adv)
    assert float(g2[A, B]) > 0 and float(g1[A]) > 0


def test_ratio_is_new_over_old():
    agent = _agent()
    old_log = agent.policy.log_joint().detach().clone()
    with torch.no_grad():
        agent.policy.theta2[A, B] = 0.1
    adv = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64)
    adv[A, B] = 1.0
    expected = float((agent.policy.joint()[A, B] / old_log[A, B].exp()))
    assert float(agent.surrogate(agent.policy.log_joint(), old_log, adv)) == \
        pytest.approx(expected)
    assert expected > 1


def test_kl_early_stop_and_max_updates():
    agent = AWSPPOAgent(AWSPolicy(), lr=5.0, warmup_loops=0, kl_stop=0.002, max_updates=5)
    info = agent.update([_counts()], [4.5])
    assert info['updates'] < 5 and info['kl'] > 0.002
    agent = AWSPPOAgent(AWSPolicy(), lr=1e-4, warmup_loops=0, kl_stop=0.002, max_updates=5)
    assert agent.update([_counts()], [4.5])['updates'] == 5


def test_agent_lr_warms_up_once_per_loop():
    agent = _agent()
    lrs = [agent.update([_counts()], [0.0])['lr'] for _ in range(12)]
    # 0.0125 + (0.1 - 0.0125) * k / 10 after the k-th scheduler step, then 0.1
    assert lrs[0] == pytest.approx(0.02125) and lrs[4] == pytest.approx(0.05625)
    assert lrs[9:] == pytest.approx([0.1] * 3)
    assert agent.optimizer.defaults['betas'] == (0.5, 0.999)
    assert agent.optimizer.defaults['weight_decay'] == 0


def test_state_dict_round_trip_continues_identically():
    a = _agent(max_updates=3)
    a.advantages([50.0])
    a.update([_counts()], [1.0])
    b = _agent(max_updates=3)
    b.load_state_dict(a.state_dict())
    for agent in (a, b):
        (adv, ) = agent.advantages([55.0])
        agent.update([_counts(((1, 2, 5), (A, B, 3)))], [adv])
    for p, q in zip(a.policy.parameters(), b.policy.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
