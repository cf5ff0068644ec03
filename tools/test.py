"""Test (evaluate) a checkpoint with an mmpapers config (flags as in mmdet/mmpretrain)."""
import argparse
import os
import os.path as osp

if __name__ == '__main__':  # before torch: re-executes once with tcmalloc on CPU
    import _preload
    _preload.preload()
import _bootstrap  # noqa: E402,F401  (repo root on sys.path, stack fixes)
from mmengine.config import Config, ConfigDict, DictAction

from projects.common.ckpt_guard import guard_runner
from projects.common.allocator import apply_cpu_allocator
from projects.common.errors import MMPapersError, cli_errors


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation results')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory (under the work dir\'s timestamp '
                        'folder) where painted images are saved')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation '
                        '(needs tta_model and tta_pipeline in the config)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full-pickle loading of a checkpoint that holds objects '
                        'outside the safe allow-list')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help="evaluate even if the checkpoint lacks some of the model's weights "
                        'or has other shapes (default: stop with an error)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    hooks = cfg.default_hooks
    hook = hooks.get('visualization') if 'visualization' in hooks else None
    if hook is None:
        raise MMPapersError(f"{args.config}: --show/--show-dir need default_hooks.visualization")
    hook['enable'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    _bootstrap.apply_common_args(cfg, args)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        _enable_visualization(cfg, args)
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise MMPapersError(f'{args.config}: --tta needs tta_model and tta_pipeline')
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise MMPapersError(f'--out {args.out}: the output file must be a .pkl file')
        evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else \
            [cfg.test_evaluator]
        cfg.test_evaluator = evaluators + [dict(type='mmengine.DumpResults', out_file_path=args.out)]
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
        if not osp.isfile(args.checkpoint):
            raise MMPapersError(f'{args.checkpoint}: checkpoint file not found')
        runner = _bootstrap.build_runner(args, merge_args, holder)
        guard_runner(runner, 'evaluate', args.allow_partial_checkpoint)
        runner.test()


if __name__ == '__main__':
    main()
