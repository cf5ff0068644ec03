"""Count FP MACs, params, BitOPs and equivalent FLOPs of OQA subnets (official rules).

Usage::

    python tools/analysis_tools/oqa_count.py SUBNETS.json [--json]

``SUBNETS.json`` has the format of the OQA Pareto fixtures: ``{"subnets": [{"bits": 4,
"resolution": 128, "ks": [20 ints], "es": [20 ints], "d": [5 ints]}, ...]}`` (a bare list of
such entries is accepted too). Prints one line per subnet with ``fp_macs_M``, ``params_M``,
``bitops_G`` and ``eq_flops_M``; with ``--json``, a JSON list of those dicts in input order.
The network is OFA MobileNetV3 w1.0 on ImageNet (1000 classes); see projects/oqa/counter.py.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from projects.common.errors import MMPapersError, cli_errors  # noqa: E402


def count_file(path: str) -> list:
    """The counts of every subnet of ``path``, in input order."""
    from projects.oqa.counter import count_subnet
    if not osp.isfile(path):
        raise MMPapersError(f'{path}: file not found')
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise MMPapersError(f'{path}: not valid JSON ({e})') from None
    subnets = data.get('subnets') if isinstance(data, dict) else data
    if not isinstance(subnets, list):
        raise MMPapersError(f"{path}: expected a 'subnets' list (or a list of subnets)")
    rows = []
    for i, s in enumerate(subnets):
        if not isinstance(s, dict):
            raise MMPapersError(f'{path}: subnets[{i}] is not a dict')
        missing = [k for k in ('bits', 'resolution', 'ks', 'es', 'd') if k not in s]
        if missing:
            raise MMPapersError(f'{path}: subnets[{i}] misses {missing} (needs bits, '
                                'resolution, ks, es, d)')
        try:
            c = count_subnet(dict(ks=s['ks'], e=s['es'], d=s['d'],
                                  resolution=s['resolution']), bits=s['bits'])
        except (ValueError, TypeError) as e:
            raise MMPapersError(f'{path}: subnets[{i}]: {e}') from None
        rows.append(dict(fp_macs_M=round(c['fp_macs'] / 1e6, 3),
                         params_M=round(c['params'] / 1e6, 3),
                         bitops_G=round(c['bitops'] / 1e9, 3),
                         eq_flops_M=round(c['eq_flops'] / 1e6, 3)))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Count OQA subnets (FP MACs, params, BitOPs, '
                                     'equivalent FLOPs)')
    parser.add_argument('subnets', help='JSON file with a "subnets" list')
    parser.add_argument('--json', action='store_true', help='print a JSON list')
    args = parser.parse_args(argv)
    with cli_errors(args.subnets, {}):
        rows = count_file(args.subnets)
        if args.json:
            print(json.dumps(rows))
            return
        for i, r in enumerate(rows):
            print(f"{i}: fp_macs_M={r['fp_macs_M']:.3f} params_M={r['params_M']:.3f} "
                  f"bitops_G={r['bitops_G']:.3f} eq_flops_M={r['eq_flops_M']:.3f}")


if __name__ == '__main__':
    main()
