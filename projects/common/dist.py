"""CPU (gloo) distributed runs with mmengine 0.10.7.

mmengine assumes CUDA when a launcher is used: the runtimes default to ``nccl``,
``init_dist`` calls ``torch.cuda.set_device`` unconditionally, and ``Runner.wrap_model`` gives
DDP ``device_ids``, which DDP rejects for CPU modules. When CUDA is not available,
:func:`setup_cpu_distributed` (called by ``tools/train.py`` and ``tools/test.py``) initialises a
gloo process group itself, from the variables torchrun or slurm set, so that mmengine skips its
own ``init_dist``, and makes the runner build DDP without ``device_ids``. On GPU machines it does
nothing and mmengine starts distributed runs as usual.
"""
import os
import subprocess
from typing import Any

import torch
import torch.distributed as torch_dist

from .errors import MMPapersError


def _env_from_slurm(port: int) -> None:
    """Fill torch's rendezvous variables from slurm's (as mmengine's ``_init_dist_slurm``)."""
    node_list = os.environ['SLURM_NODELIST']
    addr = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_PORT', str(port))
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ['SLURM_LOCALID']
    os.environ['RANK'] = os.environ['SLURM_PROCID']


def setup_cpu_distributed(cfg: Any, launcher: str) -> bool:
    """Start a gloo process group for a CPU run of ``launcher``; True if it did.

    Args:
        cfg: The mmengine config; its ``env_cfg.dist_cfg.backend`` and ``model_wrapper_cfg``
            are set for CPU.
        launcher: ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    if launcher == 'none' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        _env_from_slurm(int(cfg.get('env_cfg', {}).get('dist_cfg', {}).get('port', 29500)))
    elif launcher == 'mpi':
        os.environ.setdefault('MASTER_PORT', '29500')
        os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
        os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
        os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise MMPapersError(f'--launcher {launcher}: environment variables {missing} are not '
                            'set; start with tools/dist_train.sh (torchrun) or slurm_train.sh')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    torch_dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # DDP on CPU modules takes no device ids
    cfg.model_wrapper_cfg = wrapper
    return True


__all__ = ['setup_cpu_distributed']
