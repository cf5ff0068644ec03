"""Run the ActivityNet-2020 localization pipeline of one pipeline config, stage by stage.

Extract features (if videos are given) -> train or load each proposal generator -> ensemble ->
classify the proposals -> write the official result json -> evaluate it (read back); a table
per stage. See projects/anet_tal/README.md and projects/anet_tal/pipeline.py.

Usage::

    python tools/anet_tal.py configs/anet_tal/pipeline_tiny_anet-views.py
    python tools/anet_tal.py PIPELINE_CONFIG --work-dir DIR --train-options train_cfg.max_epochs=1
    python tools/anet_tal.py PIPELINE_CONFIG --evaluate RESULTS.json   # stage 4 only

Bad configs and inputs stop with one ``error:`` line (``MMPAPERS_DEBUG=1``: full traceback).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import tools._bootstrap  # noqa: E402,F401  (repo root, stack fixes)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='pipeline config (configs/anet_tal/pipeline_*.py)')
    parser.add_argument('--work-dir', help='overrides the config work_dir')
    parser.add_argument('--train-options', nargs='+', default=[],
                        help='--cfg-options of every generator trained here')
    parser.add_argument('--evaluate', metavar='RESULTS', help='only evaluate this result file')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    from mmengine.config import Config

    from projects.common.errors import MMPapersError, cli_errors
    args = parse_args(argv)
    with cli_errors(args.config):
        if not osp.isfile(args.config):
            raise MMPapersError(f'{args.config}: config file not found')
        import projects.anet_tal  # noqa: F401
        from projects.anet_tal.pipeline import run_pipeline
        cfg = Config.fromfile(args.config)
        try:
            run_pipeline(cfg, args.work_dir, args.train_options, args.evaluate)
        except (ValueError, TypeError, KeyError) as exc:
            if os.environ.get('MMPAPERS_DEBUG') or isinstance(exc, MMPapersError):
                raise
            msg = str(exc).strip().splitlines()
            raise MMPapersError(f'{args.config}: {msg[-1] if msg else type(exc).__name__}') \
                from exc


if __name__ == '__main__':
    main()
