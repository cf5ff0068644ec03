"""Convert the released CelebA-Spoof AENet checkpoint to this repo's AENet (mmpretrain).

The release (``intra_dataset_code/models.py``; e.g. ``ckpt_iter.pth.tar``, saved through
``nn.DataParallel``) names its weights ``module.conv1``, ``module.bn1``, ``module.layer1-4``
(torchvision ResNet-18 names), ``module.fc_live``, ``module.fc_live_attribute``,
``module.fc_attack``, ``module.fc_light``, ``module.depth_final`` and
``module.reflect_final``. Ours are ``backbone.*`` (mmpretrain's ResNet uses the same names
below the prefix) and ``head.*`` (AENetHead keeps the release's module names). A torchvision
ImageNet ``fc.*`` classifier, if present, is unused by AENet and dropped; any other key stops
the conversion with its name::

    python tools/model_converters/aenet_to_mmpretrain.py ckpt_iter.pth.tar aenet_c-s-g.pth
    python tools/test.py configs/celeba_spoof/aenet-c-s-g_r18_1xb64-50e_celeba-spoof-intra.py \
        aenet_c-s-g.pth
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import List, Tuple

import torch

BACKBONE_PREFIXES = ('conv1.', 'bn1.', 'layer1.', 'layer2.', 'layer3.', 'layer4.')
HEAD_PREFIXES = ('fc_live.', 'fc_live_attribute.', 'fc_attack.', 'fc_light.', 'depth_final.',
                 'reflect_final.')
DROPPED_PREFIXES = ('fc.',)


class ConversionError(ValueError):
    """A key of the source checkpoint that has no counterpart (one-line message)."""


def convert_state_dict(state_dict: dict, src: str = 'checkpoint') -> Tuple[OrderedDict, List[str]]:
    """Return ``(converted, dropped_keys)``; raise :class:`ConversionError` on an unknown key."""
    out, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        bare = key[len('module.'):] if key.startswith('module.') else key
        if bare.startswith(BACKBONE_PREFIXES):
            out['backbone.' + bare] = value
        elif bare.startswith(HEAD_PREFIXES):
            out['head.' + bare] = value
        elif bare.startswith(DROPPED_PREFIXES):
            dropped.append(key)
        else:
            raise ConversionError(f'{src}: key {key!r} is not an AENet weight (expected '
                                  f'[module.]{{conv1,bn1,layer1-4,fc_live,fc_live_attribute,'
                                  'fc_attack,fc_light,depth_final,reflect_final}.*)')
    if not any(k.startswith('head.fc_live.') for k in out):
        raise ConversionError(f'{src}: no fc_live weights; is this an AENet checkpoint?')
    return out, dropped


def load_state_dict(path: str) -> dict:
    """The state dict of ``path`` (a bare dict or under ``state_dict``)."""
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:  # noqa: BLE001 - reported on one line
        raise ConversionError(f'{path}: cannot be read as a torch checkpoint '
                              f'({type(exc).__name__}: {str(exc).splitlines()[0]})') from None
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ConversionError(f'{path}: expected a dict of tensors (or one under "state_dict")')
    return state


def convert(src: str, dst: str) -> List[str]:
    """Write the converted checkpoint of ``src`` to ``dst``; return the dropped keys."""
    state, dropped = convert_state_dict(load_state_dict(src), src)
    torch.save(dict(state_dict=state, meta=dict(converted_from=osp.basename(src))), dst)
    return dropped


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='released AENet checkpoint')
    parser.add_argument('dst', help='output checkpoint for tools/test.py')
    args = parser.parse_args(argv)
    try:
        dropped = convert(args.src, args.dst)
    except ConversionError as exc:
        print(f'error: {exc}', file=sys.stderr)
        sys.exit(1)
    if dropped:
        print(f'dropped (unused by AENet): {", ".join(dropped)}')
    print(f'wrote {args.dst}')


if __name__ == '__main__':
    main()
