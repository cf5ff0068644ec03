"""Several ranks: each runs its own trajectory, the agent gradients are averaged (gloo, CPU),
and every rank ends with the parameters of one agent that saw all trajectories."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from projects.aws.op_space import NUM_OPS
from projects.aws.policy import AWSPolicy
from projects.aws.ppo import AWSPPOAgent

REWARDS = [50.0, 60.0]


def _counts(rank):
    c = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64)
    if rank == 0:
        c[3, 4], c[10, 2] = 30, 10
    else:
        c[7, 7], c[3, 4] = 25, 5
    return c


def _two_loops(agent, counts_of, ranks):
    for rewards in ([50.0, 60.0], [58.0, 52.0]):
        adv = agent.advantages(rewards)
        agent.update([counts_of(r) for r in ranks], [adv[r] for r in ranks],
                     num_trajectories=2)


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    agent = AWSPPOAgent(AWSPolicy(), warmup_loops=0, lr=0.5)
    _two_loops(agent, _counts, [rank])
    torch.save(agent.state_dict(), os.path.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_ranks_average_gradients_like_one_agent_with_both_trajectories(tmp_path):
    mp.start_processes(_worker, args=(_free_port(), str(tmp_path)), nprocs=2, join=True,
                       start_method='fork')
    states = [torch.load(tmp_path / f'rank{r}.pth', weights_only=False) for r in (0, 1)]
    single = AWSPPOAgent(AWSPolicy(), warmup_loops=0, lr=0.5)
    _two_loops(single, _counts, [0, 1])
    for key in ('theta1', 'theta2'):
        torch.testing.assert_close(states[0][key], states[1][key], rtol=0, atol=0)
        torch.testing.assert_close(states[0][key], getattr(single.policy, key).detach())
    assert states[0]['running_baselines'] == single.running_baselines
    # and the update is not the one of rank 0's trajectory alone
    alone = AWSPPOAgent(AWSPolicy(), warmup_loops=0, lr=0.5)
    for rewards in ([50.0, 60.0], [58.0, 52.0]):
        adv = alone.advantages(rewards)
        alone.update([_counts(0)], [adv[0]], num_trajectories=1)
    assert not torch.allclose(alone.policy.theta2.detach(), states[0]['theta2'])
