"""Shared start-up of ``tools/*.py``: repo root on ``sys.path``, stack fixes, embedded data.

Imported first by every tool so that configs find ``projects.<method>`` from any working
directory (as mmdet's shell tools do with PYTHONPATH) and the fixes of
:mod:`projects.common.compat` are in place before mmengine loads anything.
"""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401  (applies projects.common.compat)


def make_embedded_data(root: str) -> bool:
    """Generate ``root`` if it is one of the embedded data sets under ``<repo>/data``."""
    from mmengine.logging import print_log

    from tools.data import DATA_ROOT, GENERATORS, ensure
    root = osp.abspath(root)
    name = osp.basename(root.rstrip('/'))
    if osp.dirname(root) != DATA_ROOT or name not in GENERATORS:
        return False
    print_log(f'generating the embedded data set {name!r} in {root}', logger='current')
    ensure(name)
    return True


def apply_common_args(cfg, args) -> None:
    """Launcher, ``--cfg-options`` and the work-dir priority shared by train.py and test.py.

    work_dir priority: command line > config > ``./work_dirs/<config stem>``.
    """
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])


def build_runner(args, merge_args, holder: dict):
    """Load ``args.config``, apply ``merge_args(cfg, args)``, check data, start dist, build.

    Args:
        args: Parsed arguments with ``config``, ``launcher`` and ``trust_checkpoint``.
        merge_args: The tool's own ``(cfg, args) -> cfg``.
        holder: Receives the config as ``holder['cfg']`` (used to name keys in errors).
    """
    from mmengine.config import Config
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    from projects.common.checkpoint import trust_all_checkpoints
    from projects.common.config_check import check_data_paths
    from projects.common.dist import setup_cpu_distributed
    from projects.common.errors import MMPapersError

    if not osp.isfile(args.config):
        raise MMPapersError(f'{args.config}: config file not found')
    if args.trust_checkpoint:
        trust_all_checkpoints()
    cfg = holder['cfg'] = merge_args(Config.fromfile(args.config), args)
    check_data_paths(cfg, args.config, make_missing=make_embedded_data)
    setup_cpu_distributed(cfg, args.launcher)
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
