"""The whole search on 2 gloo ranks (CPU), a toy model: stage 1 under DDP, one trajectory per
rank per loop, rewards gathered, agent gradients averaged. Both ranks must end with the same
agent parameters, equal to Adam (torch's) stepped on the hand-derived averaged PPO gradient of
the two ranks' trajectories (their recorded pair counts and the gathered rewards)."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.runner import Runner

from projects.aws.op_space import NUM_OPS
from tests.test_aws.test_search_loop import _cfg

LOOPS, AGENT_LR, BETAS = 3, 0.5, (0.5, 0.999)


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE='2')
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    cfg = _cfg(os.path.join(out_dir, 'work'), loops=LOOPS)
    # the runner finds the process group initialised (it does not init_dist again) and wraps
    # the model in DDP for stage 1; CPU modules take no device_ids
    cfg.update(launcher='pytorch',
               model_wrapper_cfg=dict(type='MMDistributedDataParallel', device_ids=None))
    # one PPO step per loop: the step is taken at P = P_old, where the surrogate's gradient
    # has the closed form below (clipping inactive); the agent lr is constant
    cfg['train_cfg']['ppo'] = dict(lr=AGENT_LR, warmup_loops=0, max_updates=1, betas=BETAS)
    runner = Runner.from_cfg(cfg)
    loop = runner.train_loop
    counts = []
    run_trajectory = loop.run_trajectory

    def recording(traj_id):
        out = run_trajectory(traj_id)
        counts.append(out['counts'].clone())
        return out

    loop.run_trajectory = recording
    runner.train()
    assert runner.distributed and loop.trajectories_per_rank == 1
    torch.save(dict(theta1=loop.agent.policy.theta1.detach().clone(),
                    theta2=loop.agent.policy.theta2.detach().clone(),
                    baselines=list(loop.agent.running_baselines),
                    rewards=[e['rewards'] for e in loop.history], counts=counts,
                    share_hash=loop.share_hash, start_hashes=list(loop.start_hashes)),
               os.path.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _hand_gradient(t1, t2, pair_advs):
    """d/dtheta of -(1/T) sum_t sum_ij A_t[i,j] log P(i,j) at P = P_old (ratio 1), for
    sigmoid-normalise: log p1_i = log s(t1_i) - log S1, d/dt1_m = (1 - s_m) [i = m] -
    s_m (1 - s_m) / S1 (the same per row of t2)."""
    s1, s2 = torch.sigmoid(t1), torch.sigmoid(t2)
    g1, g2 = torch.zeros_like(t1), torch.zeros_like(t2)
    for adv in pair_advs:
        total, rows = adv.sum(), adv.sum(1)
        g1 += (1 - s1) * rows - s1 * (1 - s1) * total / s1.sum()
        g2 += (1 - s2) * adv - s2 * (1 - s2) * rows[:, None] / s2.sum(1, keepdim=True)
    return -g1 / len(pair_advs), -g2 / len(pair_advs)


def _expected(rewards_per_loop, counts_per_loop):
    """theta after the loops: hand baselines/advantages, hand gradients, torch's Adam."""
    t1 = torch.zeros(NUM_OPS, dtype=torch.float64, requires_grad=True)
    t2 = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([t1, t2], lr=AGENT_LR, betas=BETAS, weight_decay=0)
    baselines = None
    for rewards, counts in zip(rewards_per_loop, counts_per_loop):
        if baselines is None:
            baselines = list(rewards)  # first loop: B = r
        baselines = [0.9 * b + 0.1 * r for b, r in zip(baselines, rewards)]
        advs = [0.5 * (r - b) for r, b in zip(rewards, baselines)]
        pair_advs = [a * c / c.sum() for a, c in zip(advs, counts)]
        t1.grad, t2.grad = _hand_gradient(t1.detach(), t2.detach(), pair_advs)
        adam.step()
    return t1.detach(), t2.detach(), baselines


def test_two_rank_search_agrees_with_the_hand_averaged_update(tmp_path):
    # import mmpretrain's modules once here, not in both forked ranks at once (~8 s each)
    from mmpretrain.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    mp.start_processes(_worker, args=(_free_port(), str(tmp_path)), nprocs=2, join=True,
                       start_method='fork')
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth', weights_only=False) for r in (0, 1))
    # both ranks fine-tuned from the same w_share and optimizer state (rank 0's, broadcast)
    assert r0['share_hash'] == r1['share_hash']
    assert set(r0['start_hashes']) == set(r1['start_hashes']) and len(set(r0['start_hashes'])) == 1
    # ...and ran different trajectories (own seeds, own pair draws) every loop
    assert len(r0['counts']) == len(r1['counts']) == LOOPS
    assert all(not torch.equal(a, b) for a, b in zip(r0['counts'], r1['counts']))
    assert r0['rewards'] == r1['rewards'] and all(len(r) == 2 for r in r0['rewards'])
    # identical agents on both ranks
    torch.testing.assert_close(r0['theta1'], r1['theta1'], rtol=0, atol=0)
    torch.testing.assert_close(r0['theta2'], r1['theta2'], rtol=0, atol=0)
    assert r0['baselines'] == r1['baselines']
    # equal to the single update on the averaged hand gradient of both trajectories
    counts = [[a, b] for a, b in zip(r0['counts'], r1['counts'])]
    t1, t2, baselines = _expected(r0['rewards'], counts)
    assert any(r[0] != r[1] for r in r0['rewards'][1:])  # the toy gives nonzero advantages
    assert (t2 != 0).any()
    torch.testing.assert_close(r0['theta1'], t1, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(r0['theta2'], t2, rtol=1e-9, atol=1e-12)
    assert r0['baselines'] == baselines
    # not what rank 0's trajectory alone gives (so the averaging is what is checked)
    alone = _expected([[r[0]] for r in r0['rewards']], [[c] for c in r0['counts']])
    assert not torch.allclose(alone[1], r0['theta2'])
