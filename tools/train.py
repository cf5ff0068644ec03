"""Train a model from an mmpapers config (mmengine Runner; flags as in mmdet/mmpretrain)."""
import argparse
import os

if __name__ == '__main__':  # before torch: re-executes once with tcmalloc on CPU
    import _preload
    _preload.preload()
import _bootstrap  # noqa: E402,F401  (repo root on sys.path, stack fixes)
from mmengine.config import Config, DictAction

from projects.common.atomic_save import (find_resumable_checkpoint,
                                         install_atomic_checkpoint_saves)
from projects.common.ckpt_guard import guard_runner
from projects.common.allocator import apply_cpu_allocator
from projects.common.errors import MMPapersError, cli_errors
from projects.common.val_rng import RestoreRandomStateHook


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a value, from the newest checkpoint '
        'in the work dir that loads (a broken one is skipped with a warning)')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training (GPU only)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='set deterministic options for CUDNN')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full-pickle loading of checkpoints (load_from/--resume) '
                        'that hold objects outside the safe allow-list')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='load a load_from/--resume checkpoint that lacks some of the '
                        "model's weights or has other shapes (default: stop with an error)")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value (e.g. '
        'train_dataloader.batch_size=8 optim_wrapper.optimizer.lr=0.1)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch (torch >= 2.0) passes --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    _bootstrap.apply_common_args(cfg, args)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise MMPapersError(f'{args.config}: --amp needs a GPU; none is available')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if not cfg.get('auto_scale_lr', {}).get('base_batch_size'):
            raise MMPapersError(f'{args.config}: --auto-scale-lr needs auto_scale_lr.'
                                'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        # the newest checkpoint that loads, not blindly what last_checkpoint names
        ckpt = find_resumable_checkpoint(cfg.work_dir)
        cfg.resume, cfg.load_from = ckpt is not None, ckpt
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.seed is not None or args.deterministic:
        cfg.setdefault('randomness', {})
        if args.seed is not None:
            cfg.randomness.seed = args.seed
        cfg.randomness.deterministic = args.deterministic
    return cfg


def _apply_cpu_allocator() -> None:
    """On a machine without CUDA, keep freed heap memory (projects/common/allocator.py).

    tcmalloc when it was preloaded at start (``_preload``), else the tuned glibc malloc: CPU
    training and testing then stop page-faulting the same buffers back every iteration. GPU
    runs leave malloc as it is. ``MMPAPERS_CPU_ALLOCATOR=default`` turns it off.
    """
    import torch
    if not torch.cuda.is_available():
        apply_cpu_allocator(logger=None)


def main(argv=None) -> None:
    args = parse_args(argv)
    holder = {}
    _apply_cpu_allocator()
    with cli_errors(args.config, holder):
        install_atomic_checkpoint_saves()
        runner = _bootstrap.build_runner(args, merge_args, holder)
        guard_runner(runner, 'resume' if holder['cfg'].get('resume') else 'init',
                     args.allow_partial_checkpoint)
        # validating between epochs must not change the random numbers training draws
        runner.register_hook(RestoreRandomStateHook())
        runner.train()
    if args.launcher != 'none':
        from mmengine.dist import get_dist_info
        rank, world_size = get_dist_info()
        print(f'rank {rank} of {world_size}: training finished', flush=True)


if __name__ == '__main__':
    main()
