"""Tiny BSN++ / BMN builders and batches shared by the BSN++ tests."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import projects.bsnpp  # noqa: F401

SMALL = dict(temporal_dim=16, boundary_ratio=0.5, num_samples=8, num_samples_per_bin=3,
             feat_dim=8, soft_nms_alpha=0.4, soft_nms_low_threshold=0.5,
             soft_nms_high_threshold=0.9, post_process_top_k=100, hidden_dim_1d=16,
             hidden_dim_2d=16, hidden_dim_3d=16)
BMN_OFF = dict(cbg=None, bidirectional=False, prb=None,
               loss_cls=dict(type='BSNPPLoss', sbr=False))


@pytest.fixture
def build():
    """``build(type='BSNPP', seed=0, **overrides)`` -> a small localizer in eval mode."""
    def _build(type='BSNPP', seed=0, **overrides):
        from mmaction.registry import MODELS
        init_default_scope('mmaction')
        torch.manual_seed(seed)
        cfg = dict(SMALL, type=type, **overrides)
        return MODELS.build(cfg).eval()
    return _build


def make_samples(boxes, duration=10.0, names=None):
    """Data samples with ``gt_bbox`` and the meta keys of the test pipeline."""
    from mmaction.structures import ActionDataSample
    samples = []
    for i, bbox in enumerate(boxes):
        s = ActionDataSample()
        s.gt_instances = InstanceData(gt_bbox=torch.tensor(bbox, dtype=torch.float32))
        s.set_metainfo(dict(video_name=names[i] if names else f'v_{i}',
                            duration_second=duration, duration_frame=320, feature_frame=320,
                            annotations=[dict(segment=[b[0] * duration, b[1] * duration],
                                              label='a') for b in bbox]))
        samples.append(s)
    return samples
