"""Toy MimicDet models and synthetic detection batches shared by the MimicDet tests."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from tests.conftest import REPO_ROOT

TINY_CFG = f'{REPO_ROOT}/configs/mimicdet/mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'


@pytest.fixture(scope='session')
def tiny_model_cfg():
    """The model dict of the tiny digits-det config (imports projects.mimicdet)."""
    cfg = Config.fromfile(TINY_CFG)
    return cfg.model.to_dict()


@pytest.fixture
def build_mimicdet(tiny_model_cfg):
    """``build(**overrides)`` -> an initialised tiny MimicDet in train mode (seeded)."""
    def build(seed: int = 0, **overrides):
        from mmdet.registry import MODELS
        init_default_scope('mmdet')
        torch.manual_seed(seed)
        cfg = copy.deepcopy(tiny_model_cfg)
        cfg.update(overrides)
        model = MODELS.build(cfg)
        model.init_weights()
        return model
    return build


def synthetic_batch(num_images: int = 2, size: int = 128, seed: int = 0):
    """Images with 1-3 bright class-coloured rectangles of 20-48 px and their GT."""
    from mmdet.structures import DetDataSample
    g = torch.Generator().manual_seed(seed)
    imgs, samples = [], []
    for _ in range(num_images):
        img = torch.zeros(3, size, size, dtype=torch.uint8) + 20
        n = int(torch.randint(1, 4, (1,), generator=g))
        boxes, labels = [], []
        for _ in range(n):
            w, h = (int(v) for v in torch.randint(20, 49, (2,), generator=g))
            x1 = int(torch.randint(0, size - w, (1,), generator=g))
            y1 = int(torch.randint(0, size - h, (1,), generator=g))
            label = int(torch.randint(0, 3, (1,), generator=g))
            img[label, y1:y1 + h, x1:x1 + w] = 230
            boxes.append([x1, y1, x1 + w, y1 + h])
            labels.append(label)
        ds = DetDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size), scale_factor=(1., 1.),
            pad_shape=(size, size), batch_input_shape=(size, size)))
        ds.gt_instances = InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32),
                                       labels=torch.tensor(labels))
        imgs.append(img)
        samples.append(ds)
    return dict(inputs=imgs, data_samples=samples)


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Run each test on one thread: the toy models gain nothing from more, and on a shared
    2-core machine OpenMP oversubscription made the training test ~15x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
