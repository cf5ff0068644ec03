"""Run an OQA chain config: supernet stages, searches, export of the best subnets, their test.

Each stage trains with ``tools/train.py`` (``load_from`` the last checkpoint of the stage it
names), each search runs its search config with ``tools/train.py`` on the checkpoint of its
supernet stage, the best subnet of its Pareto JSON is exported as a static model with BN
re-calibration (``projects.oqa.export``) and tested with ``tools/test.py``. Every command is
logged to ``<work_dir>/<name>.log``; ``<work_dir>/pipeline_results.json`` gets the stages' val
top-1 (max subnet) and per search the exported subnet's top-1, its architecture, FP MACs,
params, BitOPs and equivalent FLOPs.

Usage::

    python tools/oqa_chain.py configs/oqa/oqa-mbv3-tiny_chain_digits.py [--work-dir DIR]

A bad chain config or a failed stage stops with one ``error:`` line naming the entry (and the
log of the failed command).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
import tools._bootstrap  # noqa: E402,F401  (repo root, stack fixes)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='chain config (configs/oqa/*_chain_*.py)')
    parser.add_argument('--work-dir', help='overrides the config work_dir')
    return parser.parse_args(argv)


def _check_chain(chain, config: str) -> None:
    from projects.common.errors import MMPapersError
    if not isinstance(chain, dict) or not isinstance(chain.get('stages'), list):
        raise MMPapersError(f'{config}: `chain` must be a dict with a `stages` list')
    names = set()
    for i, st in enumerate(chain['stages']):
        for key in ('name', 'config'):
            if key not in st:
                raise MMPapersError(f'{config}: chain.stages[{i}] has no {key!r}')
        if st.get('load_from') is not None and st['load_from'] not in names:
            raise MMPapersError(f"{config}: chain.stages[{i}].load_from={st['load_from']!r} "
                                f'is not an earlier stage (known: {sorted(names)})')
        if not osp.isfile(osp.join(REPO_ROOT, st['config'])):
            raise MMPapersError(f"{config}: chain.stages[{i}].config {st['config']!r} "
                                'does not exist')
        names.add(st['name'])
    for i, se in enumerate(chain.get('searches', [])):
        for key in ('name', 'config', 'supernet'):
            if key not in se:
                raise MMPapersError(f'{config}: chain.searches[{i}] has no {key!r}')
        if se['supernet'] not in names:
            raise MMPapersError(f"{config}: chain.searches[{i}].supernet={se['supernet']!r} "
                                f'is not a stage (known: {sorted(names)})')


def main(argv=None) -> None:
    from mmengine.config import Config

    from projects.common.errors import MMPapersError, cli_errors
    from tools.demo import last_checkpoint, read_test_metric
    args = parse_args(argv)
    with cli_errors(args.config):
        if not osp.isfile(args.config):
            raise MMPapersError(f'{args.config}: no such chain config')
        cfg = Config.fromfile(args.config)
        chain = cfg.get('chain')
        _check_chain(chain, args.config)
        work = args.work_dir or cfg.get('work_dir') or osp.join(
            'work_dirs', osp.splitext(osp.basename(args.config))[0])
        work = osp.abspath(work)
        os.makedirs(work, exist_ok=True)
        env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))

        def run(cmd, name):
            log = osp.join(work, f'{name}.log')
            print(f'[oqa_chain] {name}: {" ".join(cmd)}', flush=True)
            with open(log, 'w') as f:
                proc = subprocess.run([sys.executable] + cmd, cwd=REPO_ROOT, env=env, stdout=f,
                                      stderr=subprocess.STDOUT)
            if proc.returncode != 0:
                raise MMPapersError(f'{args.config}: step {name!r} failed '
                                    f'(exit {proc.returncode}); see {log}')

        results = dict(config=args.config, stages={}, searches={})
        ckpt = {}
        for st in chain['stages']:
            wd = osp.join(work, st['name'])
            cmd = ['tools/train.py', st['config'], '--work-dir', wd]
            if st.get('load_from') is not None:
                cmd += ['--cfg-options', f"load_from={ckpt[st['load_from']]}"]
            start = time.time()
            run(cmd, f"train_{st['name']}")
            ckpt[st['name']] = last_checkpoint(wd)
            results['stages'][st['name']] = dict(
                config=st['config'], checkpoint=ckpt[st['name']],
                val_top1_max_subnet=read_test_metric(
                    wd, 'accuracy/top1', ('*', 'vis_data', 'scalars.json')),
                seconds=time.time() - start)
        stage_cfg = {st['name']: st['config'] for st in chain['stages']}
        for se in chain.get('searches', []):
            wd = osp.join(work, se['name'])
            state = osp.join(wd, 'search_state.json')
            if osp.isfile(state):
                os.remove(state)  # a fresh search (the state would resume the old one)
            start = time.time()
            run(['tools/train.py', se['config'], '--work-dir', wd, '--cfg-options',
                 f"load_from={ckpt[se['supernet']]}"], se['name'])
            paretos = sorted(glob.glob(osp.join(wd, 'pareto_*bit.json')))
            if not paretos:
                raise MMPapersError(f"{args.config}: search {se['name']!r} wrote no "
                                    f'pareto_<b>bit.json in {wd}')
            with open(paretos[-1]) as f:
                best = json.load(f)['best']
            out = osp.join(wd, 'best_subnet')
            run(['-m', 'projects.oqa.export', stage_cfg[se['supernet']], ckpt[se['supernet']],
                 '--pareto', paretos[-1], '--out', out], f"export_{se['name']}")
            test_dir = osp.join(wd, 'test_exported')
            run(['tools/test.py', out + '.py', out + '.pth', '--work-dir', test_dir],
                f"test_{se['name']}")
            results['searches'][se['name']] = dict(
                supernet=se['supernet'], pareto_json=paretos[-1], arch=best['arch'],
                search_score=best.get('score'), fp_macs_M=best['fp_macs_M'],
                params_M=best['params_M'], bitops_G=best['bitops_G'],
                eq_flops_M=best['eq_flops_M'],
                exported_top1=read_test_metric(test_dir, 'accuracy/top1'),
                seconds=time.time() - start)
        with open(osp.join(work, 'pipeline_results.json'), 'w') as f:
            json.dump(results, f, indent=1)
        for name, st in results['stages'].items():
            print(f"[oqa_chain] stage {name:5s} val top-1 {st['val_top1_max_subnet']}")
        for name, se in results['searches'].items():
            print(f"[oqa_chain] {name}: exported best subnet top-1 {se['exported_top1']} at "
                  f"{se['fp_macs_M']:.3f} M FP MACs, {se['bitops_G']:.4f} G BitOPs")
        print(f"[oqa_chain] wrote {osp.join(work, 'pipeline_results.json')}")


if __name__ == '__main__':
    main()
