"""Export the student of a SpectralCollabDistiller checkpoint as a plain recognizer checkpoint.

The distiller's state dict holds ``student.*``, ``teacher.*``, ``adapters.*`` (the tap
adapters, training-only) and, in ``uncertainty`` mode, ``log_vars.*``. The export keeps the
student's weights without the prefix and drops everything else (and the optimizer state), so
the student's own recognizer config loads and tests it::

    python tools/model_converters/export_student.py work_dirs/<distill cfg>/epoch_30.pth student.pth
    python tools/test.py configs/spectral_distill/tsm_mobilenetv2-tiny_1xb16-30e_rate-videos.py student.pth
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402

STUDENT_PREFIX = 'student.'


def split_student(state_dict: Dict[str, torch.Tensor], src: str = '<state dict>'
                  ) -> Tuple[OrderedDict, list]:
    """Return ``(student weights without the prefix, dropped keys)``.

    Keys may carry a ``module.`` (DDP) prefix. Raises ``ValueError`` naming ``src`` when there
    is no ``student.*`` key (not a distiller checkpoint).
    """
    kept, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        bare = key[len('module.'):] if key.startswith('module.') else key
        if bare.startswith(STUDENT_PREFIX):
            kept[bare[len(STUDENT_PREFIX):]] = value
        else:
            dropped.append(key)
    if not kept:
        raise ValueError(f'{src}: no student.* weights; expected a SpectralCollabDistiller '
                         'checkpoint')
    return kept, dropped


def convert(src: str, dst: str) -> list:
    """Write ``dst`` (student-only ``state_dict`` + ``meta``); return the dropped keys."""
    from projects.common.checkpoint import load_local_checkpoint
    from projects.common.ckpt_guard import state_dict_of
    ckpt = load_local_checkpoint(src, map_location='cpu')
    kept, dropped = split_student(state_dict_of(ckpt), src)
    meta = dict(ckpt.get('meta', {}) or {}) if isinstance(ckpt, dict) else {}
    meta.update(spectral_distill_export=True, source=osp.basename(src),
                dropped_prefixes=sorted({k.split('.')[0] for k in dropped}))
    torch.save(dict(state_dict=kept, meta=meta), dst)
    return dropped


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='distiller checkpoint (.pth)')
    parser.add_argument('dst', help='output student checkpoint (.pth)')
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        sys.stderr.write(f'error: {args.src}: checkpoint not found\n')
        sys.exit(1)
    try:
        dropped = convert(args.src, args.dst)
    except (ValueError, RuntimeError) as exc:
        sys.stderr.write(f'error: {str(exc).splitlines()[0]}\n')
        sys.exit(1)
    sys.stdout.write(f'dropped {len(dropped)} non-student tensors, wrote {args.dst}\n')


if __name__ == '__main__':
    main()
