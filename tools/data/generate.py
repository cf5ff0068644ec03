"""Generate the embedded data sets under ``<repo>/data``.

Usage::

    python tools/data/generate.py               # every set that is missing
    python tools/data/generate.py digits --force
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from tools.data import DATA_ROOT, GENERATORS, ensure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('names', nargs='*', metavar='NAME',
                        help=f'data sets to generate, of {sorted(GENERATORS)} (default: all)')
    parser.add_argument('--root', default=DATA_ROOT, help='output folder')
    parser.add_argument('--force', action='store_true', help='regenerate existing sets')
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(GENERATORS))
    if unknown:
        parser.error(f'unknown data sets {unknown}; known: {sorted(GENERATORS)}')
    for name in args.names or sorted(GENERATORS):
        print(f'{name}: {ensure(name, args.root, force=args.force)}')


if __name__ == '__main__':
    main()
