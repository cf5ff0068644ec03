"""The objectness-loss variants differ from the config beside them in ``loss_obj`` only."""
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

FOCAL = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0)
BCE = dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)
PAIRS = [
    ('mimicdet_r50_fpn_8xb2-1x_coco.py', 'mimicdet_r50_fpn_focal-obj_8xb2-1x_coco.py', BCE, FOCAL),
    ('mimicdet_r101_fpn_8xb2-ms-2x_coco.py', 'mimicdet_r101_fpn_focal-obj_8xb2-ms-2x_coco.py',
     BCE, FOCAL),
    ('mimicdet_x101-64x4d_fpn_8xb2-ms-2x_coco.py',
     'mimicdet_x101-64x4d_fpn_focal-obj_8xb2-ms-2x_coco.py', BCE, FOCAL),
    ('mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py',
     'mimicdet_r18-tiny_fpn_bce-obj_1xb16-6e_digits-det.py', FOCAL, BCE),
]


@pytest.mark.parametrize('base,variant,base_loss,variant_loss', PAIRS)
def test_only_the_objectness_loss_changes(base, variant, base_loss, variant_loss):
    a = Config.fromfile(f'{REPO_ROOT}/configs/mimicdet/{base}').to_dict()
    b = Config.fromfile(f'{REPO_ROOT}/configs/mimicdet/{variant}').to_dict()
    assert a['model']['refine_head'].pop('loss_obj') == base_loss
    assert b['model']['refine_head'].pop('loss_obj') == variant_loss
    a.pop('filename', None), b.pop('filename', None)
    assert a == b
