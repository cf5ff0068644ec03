"""Train and test every tiny CPU config on the embedded data and print one results table.

Each :class:`DemoJob` runs ``tools/train.py`` then ``tools/test.py`` on the last checkpoint, in
subprocesses (so each config gets fresh registries), and reads the test metric from the json log
mmengine's LoggerHook writes. A method issue adds its rows to :data:`JOBS`.

Usage::

    python tools/demo.py                    # all jobs
    python tools/demo.py --only retinanet   # jobs whose name contains a word

It also draws the loss and metric curves of the jobs, one PNG per metric, in the work dir.
"""
import argparse
import dataclasses
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tools.data import ensure_all  # noqa: E402


@dataclasses.dataclass(frozen=True)
class DemoJob:
    """One row of the demo table.

    Args:
        name: Short unique name (also the work-dir name).
        method: The method the row reports (a method, or a baseline itself).
        baseline: What the method is compared with ('-' for a baseline row).
        config: Config path relative to the repo root.
        metric: Key of the test metric in mmengine's json log.
        metric_name: How the table names it.
        scale: Factor applied to the metric for display (e.g. 100 for a percentage).
        pipeline: A tool that runs a whole pipeline instead of train + test
            (``python <pipeline> <config> --work-dir <dir>``); ``metric`` is then a key path
            ``a/b`` into the ``pipeline_results.json`` it writes in the work dir.
        cfg_options: ``--cfg-options`` for ``tools/train.py`` (e.g. the checkpoint of a teacher
            that an earlier job of the table trained; ``{work_root}`` is replaced by the demo's
            work dir).
    """
    name: str
    method: str
    baseline: str
    config: str
    metric: str
    metric_name: str
    scale: float = 1.0
    pipeline: Optional[str] = None
    cfg_options: tuple = ()


JOBS: List[DemoJob] = [
    DemoJob('resnet18-digits', 'ResNet-18 (1/4 width), SGD', '-',
            'configs/baselines/resnet18-tiny_1xb64-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('adarem-digits', 'ResNet-18 (1/4 width), AdaRem', 'ResNet-18, SGD',
            'configs/adarem/resnet18-tiny_1xb64-adarem-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('dgnet-digits', 'DG-ResNet-18 (1/4 width), SGD', 'ResNet-18, SGD',
            'configs/dgnet/dgnet-resnet18-tiny_1xb64-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('retinanet-digits-det', 'RetinaNet R-18 (1/4 width)', '-',
            'configs/baselines/retinanet_r18-tiny_fpn_1xb16-12e_digits-det.py',
            'coco/bbox_mAP', 'COCO mAP (digits-det val)', scale=100.0),
    DemoJob('mimicdet-digits-det', 'MimicDet R-18 (1/4 width)', 'RetinaNet R-18',
            'configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-12e_digits-det.py',
            'coco/bbox_mAP', 'COCO mAP (digits-det val)', scale=100.0),
    DemoJob('bmn-anet-features', 'BMN (tiny)', '-',
            'configs/bsnpp/bmn_tiny_1xb8-12e_anet-features.py',
            'AR@100', 'AR@100 % (anet-features val)', scale=100.0),
    DemoJob('bsnpp-anet-features', 'BSN++ (tiny)', 'BMN (tiny)',
            'configs/bsnpp/bsnpp_tiny_1xb8-12e_anet-features.py',
            'AR@100', 'AR@100 % (anet-features val)', scale=100.0),
    DemoJob('bmn-anet-views', 'BMN (tiny), view A, top-2 labels', '-',
            'configs/anet_tal/bmn_tiny_1xb8-6e_anet-views-a.py',
            'mAP', 'detection mAP % (anet-views val)', scale=100.0),
    DemoJob('bsnpp-anet-views', 'BSN++ (tiny), view A, top-2 labels', 'BMN (tiny)',
            'configs/anet_tal/bsnpp_tiny_1xb8-6e_anet-views-a.py',
            'mAP', 'detection mAP % (anet-views val)', scale=100.0),
    DemoJob('anet-tal-pipeline', 'BMN + BSN++ on two feature views, map_mean ensemble, '
            'top-2 labels', 'single generators', 'configs/anet_tal/pipeline_tiny_anet-views.py',
            'evaluate/mAP', 'detection mAP % (anet-views val)', scale=100.0,
            pipeline='tools/anet_tal.py'),
    DemoJob('tsm-r18-rate-videos', 'TSM-R18 teacher (tiny)', '-',
            'configs/spectral_distill/tsm_r18-tiny_1xb16-30e_rate-videos.py',
            'acc/top1', 'top-1 % (rate-videos val)', 100.0),
    DemoJob('tsm-mbv2-rate-videos', 'TSM-MobileNetV2 x0.5 alone (tiny)', '-',
            'configs/spectral_distill/tsm_mobilenetv2-tiny_1xb16-30e_rate-videos.py',
            'acc/top1', 'top-1 % (rate-videos val)', 100.0),
    DemoJob('spectral-distill-rate-videos',
            'TSM-MobileNetV2 x0.5, spectral distillation from TSM-R18', 'TSM-MobileNetV2 alone',
            'configs/spectral_distill/'
            'spectral-distill_tsm-r18-to-mobilenetv2-tiny_1xb16-30e_rate-videos.py',
            'acc/top1', 'top-1 % (rate-videos val)', 100.0,
            cfg_options=('model.teacher_ckpt={work_root}/tsm-r18-rate-videos/epoch_30.pth', )),
    DemoJob('toponet-digits', 'TopoNet ResNet-18 (1/4 width), learned edges + L1',
            'ResNet-18, SGD', 'configs/toponet/toponet-resnet18-tiny_1xb64-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('aenet-c-celeba-spoof', 'AENet_C (binary ResNet-18, 1/4 width)', '-',
            'configs/celeba_spoof/aenet-c_r18-tiny_1xb32-10e_celeba-spoof-tiny.py',
            'spoof/ACER', 'ACER % (celeba-spoof test, lower is better)'),
    DemoJob('aenet-c-s-g-celeba-spoof', 'AENet_{C,S,G} (ResNet-18, 1/4 width)', 'AENet_C',
            'configs/celeba_spoof/aenet-c-s-g_r18-tiny_1xb32-10e_celeba-spoof-tiny.py',
            'spoof/ACER', 'ACER % (celeba-spoof test, lower is better)'),
    DemoJob('oqa-lsq4-resnet18-digits', 'ResNet-18 (1/4 width), LSQ 4-bit (OQA transform)',
            'ResNet-18, SGD', 'configs/oqa/resnet18-tiny-lsq-4bit_1xb64-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('oqa-lsq2-resnet18-digits', 'ResNet-18 (1/4 width), LSQ 2-bit (OQA transform)',
            'ResNet-18, SGD', 'configs/oqa/resnet18-tiny-lsq-2bit_1xb64-10e_digits.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('oqa-tiny-chain-4bit', 'OQA tiny MobileNetV3 supernet, 4-bit (signed_act, ours): '
            'searched subnet, exported', 'FP supernet',
            'configs/oqa/oqa-mbv3-tiny_chain_digits.py', 'searches/search4bit/exported_top1',
            'top-1 % (digits val)', pipeline='tools/oqa_chain.py'),
    DemoJob('oqa-tiny-chain-4bit-macs', 'the same searched 4-bit subnet', '-',
            'configs/oqa/oqa-mbv3-tiny_chain_digits.py', 'searches/search4bit/fp_macs_M',
            'FP MACs (M; search limit 0.3)', pipeline='tools/oqa_chain.py'),
    DemoJob('oqa-tiny-chain-2bit', 'OQA tiny supernet, 2-bit after 4->3->2 inheritance: '
            'searched subnet, exported', 'FP supernet',
            'configs/oqa/oqa-mbv3-tiny_chain_digits.py', 'searches/search2bit/exported_top1',
            'top-1 % (digits val)', pipeline='tools/oqa_chain.py'),
    DemoJob('oqa-tiny-chain-2bit-macs', 'the same searched 2-bit subnet', '-',
            'configs/oqa/oqa-mbv3-tiny_chain_digits.py', 'searches/search2bit/fp_macs_M',
            'FP MACs (M; search limit 0.3)', pipeline='tools/oqa_chain.py'),
    DemoJob('aws-search-digits', 'AWS search (tiny), R-18 1/4 shared weights', '-',
            'configs/aws/aws-search_resnet18-tiny_1xb32-30e-10loops_digits300.py',
            'accuracy/top1', 'top-1 % (digits val)'),
    DemoJob('aws-policy-digits', 'R-18 (1/4), AWS searched policy',
            'uniform policy; crop+Cutout',
            'configs/aws/resnet18-tiny_aws-policy_1xb32-15e_digits600.py', 'accuracy/top1',
            'top-1 % (digits val)'),
    DemoJob('aws-uniform-digits', 'R-18 (1/4), AWS uniform policy', '-',
            'configs/aws/resnet18-tiny_aws-uniform_1xb32-15e_digits600.py', 'accuracy/top1',
            'top-1 % (digits val)'),
    DemoJob('aws-cutout-digits', 'R-18 (1/4), crop + Cutout only', '-',
            'configs/aws/resnet18-tiny_cutout-only_1xb32-15e_digits600.py', 'accuracy/top1',
            'top-1 % (digits val)'),
]


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def read_test_metric(work_dir: str, key: str,
                     pattern: tuple = ('*', '*.json')) -> Optional[float]:
    """The ``key`` of the newest json log under ``work_dir`` that has it.

    ``pattern``: where the logs are below ``work_dir`` (default: tools/test.py's
    ``<timestamp>/<timestamp>.json``; a training's validation goes to
    ``('*', 'vis_data', 'scalars.json')``).
    """
    logs = sorted(glob.glob(osp.join(work_dir, *pattern)), key=osp.getmtime)
    for path in reversed(logs):
        with open(path) as f:
            for line in reversed(f.read().splitlines()):
                record = json.loads(line)
                if key in record:
                    return float(record[key])
    return None


def _run(cmd: List[str], log: str, env: Dict[str, str]) -> None:
    with open(log, 'a') as f:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed (exit {proc.returncode}); see {log}')


#: (pipeline, config, work root) -> the work dir of its run in this process
_PIPELINE_RUNS: Dict[tuple, str] = {}


def run_job(job: DemoJob, work_root: str, python: str) -> Dict[str, object]:
    """Train, then test the last checkpoint; returns the table row."""
    work_dir = osp.join(work_root, job.name)
    log = osp.join(work_root, f'{job.name}.log')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    start = time.time()
    if job.pipeline is not None:
        # rows that read other keys of the same pipeline run share it
        key = (job.pipeline, job.config, work_root)
        if key in _PIPELINE_RUNS:
            work_dir = _PIPELINE_RUNS[key]
        else:
            _run([python, job.pipeline, job.config, '--work-dir', work_dir], log, env)
            _PIPELINE_RUNS[key] = work_dir
        with open(osp.join(work_dir, 'pipeline_results.json')) as f:
            value = json.load(f)
        for key in job.metric.split('/'):
            value = value[key]
        return dict(method=job.method, baseline=job.baseline, metric=job.metric_name,
                    value=float(value) * job.scale, seconds=time.time() - start)
    options = [o.format(work_root=work_root) for o in job.cfg_options]
    _run([python, 'tools/train.py', job.config, '--work-dir', work_dir] +
         (['--cfg-options'] + options if options else []), log, env)
    _run([python, 'tools/test.py', job.config, last_checkpoint(work_dir),
          '--work-dir', work_dir], log, env)
    value = read_test_metric(work_dir, job.metric)
    if value is None:
        raise RuntimeError(f'{job.name}: no {job.metric!r} in the test log of {work_dir}')
    return dict(method=job.method, baseline=job.baseline, metric=job.metric_name,
                value=value * job.scale, seconds=time.time() - start)


def plot_curves(jobs: List[DemoJob], work_root: str) -> List[str]:
    """One PNG per metric: training loss and that metric of the jobs reporting it."""
    from tools.analysis_tools.plot_scalars import plot
    paths = []
    jobs = [j for j in jobs if j.pipeline is None]  # a pipeline's runs are in its own folders
    for metric in dict.fromkeys(j.metric for j in jobs):
        dirs = [osp.join(work_root, j.name) for j in jobs if j.metric == metric]
        path = osp.join(work_root, 'curves_' + metric.replace('/', '_') + '.png')
        plot(dirs, ['loss', metric], path)
        paths.append(path)
    return paths


def format_table(rows: List[Dict[str, object]]) -> str:
    header = ['method', 'baseline', 'metric', 'value', 'time (s)']
    cells = [[str(r['method']), str(r['baseline']), str(r['metric']), f"{r['value']:.2f}",
              f"{r['seconds']:.0f}"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    line = '| ' + ' | '.join(h.ljust(w) for h, w in zip(header, widths)) + ' |'
    sep = '|' + '|'.join('-' * (w + 2) for w in widths) + '|'
    body = ['| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths)) + ' |' for row in cells]
    return '\n'.join([line, sep] + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', nargs='+', help='run only jobs whose name contains a word')
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs', 'demo'))
    parser.add_argument('--json', help='also write the table rows to this json file')
    args = parser.parse_args()
    jobs = [j for j in JOBS if not args.only or any(w in j.name for w in args.only)]
    if not jobs:
        parser.error(f'no job matches {args.only}; jobs: {[j.name for j in JOBS]}')
    print('[demo] embedded data:', ', '.join(ensure_all()), flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for job in jobs:
        print(f'[demo] {job.name}: train + test {job.config} (log: '
              f'{osp.join(args.work_dir, job.name + ".log")})', flush=True)
        rows.append(run_job(job, args.work_dir, sys.executable))
        print(f"[demo] {job.name}: {job.metric_name} = {rows[-1]['value']:.2f} "
              f"in {rows[-1]['seconds']:.0f} s", flush=True)
    print()
    print(format_table(rows))
    for path in plot_curves(jobs, args.work_dir):
        print(f'[demo] curves: {path}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
