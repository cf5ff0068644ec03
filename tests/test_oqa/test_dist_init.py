"""Data init of the LSQ steps is averaged over ranks (gloo, 2 processes)."""
import math
import os
import tempfile

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _worker(rank, world, init_file, out_file):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    from projects.oqa.lsq import LSQQuantizer
    q = LSQQuantizer(4, signed=False).train()
    x = torch.full((10, ), 1.0 + 2.0 * rank)  # mean|x| = 1 on rank 0, 3 on rank 1
    q(x)
    if rank == 0:
        torch.save(q.step.detach().clone(), out_file)
    dist.destroy_process_group()


@pytest.mark.slow
def test_data_init_is_all_reduced():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'step.pt')
        mp.spawn(_worker, args=(2, os.path.join(tmp, 'init'), out), nprocs=2, join=True)
        step = torch.load(out).item()
    # mean over ranks of 2 * mean|x| / sqrt(15)
    assert step == pytest.approx((2 * 1.0 + 2 * 3.0) / 2 / math.sqrt(15), rel=1e-6)
