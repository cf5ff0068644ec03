"""The full-scale configs carry the released recipe and the variant their names say."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

FULL = sorted(glob.glob(osp.join(REPO_ROOT, 'configs/celeba_spoof/aenet-*_1xb64-50e_*.py')))
VARIANT = {'aenet-c_': (False, False), 'aenet-c-s_': (True, False), 'aenet-c-g_': (False, True),
           'aenet-c-s-g_': (True, True)}
ANN = {'intra': 'metas/intra_test', 'p1': 'metas/protocol1', 'p2': 'metas/protocol2'}


def test_all_variants_and_protocols_exist():
    names = {osp.basename(p) for p in FULL}
    for v in VARIANT:
        for p in ANN:
            assert f'{v}r18_1xb64-50e_celeba-spoof-{p}.py' in names


@pytest.mark.parametrize('path', FULL, ids=osp.basename)
def test_recipe_and_variant(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    assert cfg.optim_wrapper.optimizer.type == 'SGD' and cfg.optim_wrapper.optimizer.lr == 5e-3
    assert cfg.train_cfg.max_epochs == 50
    pre = cfg.model.data_preprocessor
    assert pre.mean == [0., 0., 0.] and pre.std == [255., 255., 255.] and pre.to_rgb
    assert cfg.model.backbone.depth == 18 and cfg.model.get('neck') is None
    sem, geo = VARIANT[name.split('r18')[0]]
    head = cfg.model.head
    assert (head.with_semantic, head.with_geometric, head.with_env) == (sem, geo, False)
    steps = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert steps.index('CropFaceFromBBoxFile') < steps.index('Resize')
    assert ('LoadGeometryMaps' in steps) == geo
    proto = name.split('celeba-spoof-')[1].split('_')[0].split('.')[0]
    assert cfg.train_dataloader.dataset.ann_file == f'{ANN[proto]}/train_label.json'
    if 'casia' not in name:
        assert cfg.test_dataloader.dataset.ann_file == f'{ANN[proto]}/test_label.json'
