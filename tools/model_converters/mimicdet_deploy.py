"""Strip MimicDet's training-only weights (the T-head and its RoI extractor) from a checkpoint.

MimicDet (arXiv 2009.11528) predicts with the one-stage path only. The stripped checkpoint loads
into the same config with ``model.t_head=None`` and gives identical predictions::

    python tools/model_converters/mimicdet_deploy.py work_dirs/x/epoch_12.pth deploy.pth
    python tools/test.py configs/mimicdet/<config>.py deploy.pth --cfg-options model.t_head=None

``--strip-p2`` also drops the FPN's P2 lateral/output convs (unused at prediction); loading then
reports them as missing keys, which is harmless with ``MimicFPN``.
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import Iterable, Tuple

import torch

TRAIN_ONLY_PREFIXES = ('t_head.',)
P2_PREFIXES = ('neck.lateral_convs.0.', 'neck.fpn_convs.0.')


def strip_state_dict(state_dict: dict, prefixes: Iterable[str] = TRAIN_ONLY_PREFIXES
                     ) -> Tuple[OrderedDict, list]:
    """Return ``(kept, removed_keys)``; keys may carry a ``module.`` (DDP) prefix."""
    prefixes = tuple(prefixes)
    kept, removed = OrderedDict(), []
    for key, value in state_dict.items():
        bare = key[len('module.'):] if key.startswith('module.') else key
        if bare.startswith(prefixes):
            removed.append(key)
        else:
            kept[key] = value
    return kept, removed


def convert(src: str, dst: str, strip_p2: bool = False) -> list:
    """Write ``dst`` = ``src`` without training-only weights and optimizer state; return removed keys."""
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt)
    prefixes = TRAIN_ONLY_PREFIXES + (P2_PREFIXES if strip_p2 else ())
    kept, removed = strip_state_dict(state, prefixes)
    out = dict(state_dict=kept, meta=dict(ckpt.get('meta', {}) or {}, mimicdet_deploy=True,
                                          removed_prefixes=list(prefixes)))
    torch.save(out, dst)
    return removed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training checkpoint (.pth)')
    parser.add_argument('dst', help='output deploy checkpoint (.pth)')
    parser.add_argument('--strip-p2', action='store_true',
                        help='also drop the P2 lateral/output convs of the FPN')
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        raise ValueError(f'src checkpoint not found: {args.src!r}')
    removed = convert(args.src, args.dst, args.strip_p2)
    sys.stdout.write(f'removed {len(removed)} tensors, wrote {args.dst}\n')


if __name__ == '__main__':
    main()
