"""tools/misc/anet_extract_features.py with a tiny 2D recognizer on the shared demo video:
the LoadLocalizationFeature layout, rescaling to T, resume, and the features themselves."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from tools.misc.anet_extract_features import (SnippetFeatureExtractor, extract_features,
                                              rescale, snippet_indices)

DEMO = '/work/shared/data/video/demo.mp4'
TINY_RECOGNIZER = """
default_scope = 'mmaction'
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(type='TSNHead', num_classes=5, in_channels=512, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCHW'))
"""


@pytest.fixture(scope='module')
def recognizer(tmp_path_factory):
    root = tmp_path_factory.mktemp('recognizer')
    cfg = root / 'tiny_recognizer.py'
    cfg.write_text(TINY_RECOGNIZER)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    ckpt = root / 'tiny_recognizer.pth'
    torch.save(dict(state_dict=model.state_dict()), str(ckpt))
    return str(cfg), str(ckpt)


def test_snippet_indices_and_rescale():
    idx = snippet_indices(40, interval=16, clip_len=3, frame_interval=2)
    assert idx.tolist() == [[0, 2, 4], [16, 18, 20]]
    assert snippet_indices(5, 16, 2, 1).tolist() == [[0, 1]]  # a short video: one snippet
    feat = np.arange(8, dtype=np.float64)[:, None] * [1.0, -2.0]
    out = rescale(feat, 4)  # centres of 4 bins over 8 snippets: 0.5, 2.5, 4.5, 6.5
    np.testing.assert_allclose(out[:, 0], [0.5, 2.5, 4.5, 6.5])
    np.testing.assert_allclose(out[:, 1], [-1.0, -5.0, -9.0, -13.0])
    assert rescale(feat, None) is feat


@pytest.mark.skipif(not osp.isfile(DEMO), reason='shared demo video missing')
def test_extracts_loadlocalizationfeature_layout_and_resumes(tmp_path, recognizer):
    from mmaction.datasets.transforms import LoadLocalizationFeature
    cfg, ckpt = recognizer
    videos = tmp_path / 'videos'
    videos.mkdir()
    shutil.copy(DEMO, videos / 'abc.mp4')
    out = tmp_path / 'features'
    kwargs = dict(temporal_dim=6, interval=16, clip_len=2, frame_interval=4, input_size=32,
                  batch_size=4, progress=False)
    paths = extract_features(cfg, ckpt, str(videos), str(out), **kwargs)
    assert paths == [str(out / 'v_abc.csv')]
    loaded = LoadLocalizationFeature().transform(dict(feature_path=paths[0]))['raw_feature']
    assert loaded.shape == (512, 6)  # C x T, as BMN reads it
    # the rows are the rescaled pooled backbone features of the snippets
    import decord
    reader = decord.VideoReader(DEMO)
    idx = snippet_indices(len(reader), 16, 2, 4)
    extractor = SnippetFeatureExtractor(cfg, ckpt, 'pool', 32)
    from tools.misc.anet_extract_features import _crop
    first = np.stack([_crop(f, 32) for f in reader.get_batch(list(idx[0])).asnumpy()])
    last = np.stack([_crop(f, 32) for f in reader.get_batch(list(idx[-1])).asnumpy()])
    feats = extractor(np.stack([first, last]))
    assert feats.shape == (2, 512)
    # pooled ResNet features: the mean over frames and space of the last stage (by hand)
    x = torch.from_numpy(first).float().permute(0, 3, 1, 2)
    mean = torch.tensor([123.675, 116.28, 103.53])[:, None, None]
    std = torch.tensor([58.395, 57.12, 57.375])[:, None, None]
    with torch.no_grad():
        by_hand = extractor.model.backbone((x - mean) / std).mean(dim=(0, 2, 3)).numpy()
    np.testing.assert_allclose(feats[0], by_hand, rtol=1e-4, atol=1e-5)
    # resume: an existing csv is not recomputed
    mtime = os.path.getmtime(paths[0])
    shutil.copy(DEMO, videos / 'v_def.mp4')
    again = extract_features(cfg, ckpt, str(videos), str(out), **kwargs)
    assert sorted(again) == sorted([paths[0], str(out / 'v_def.csv')])
    assert os.path.getmtime(paths[0]) == mtime
    assert not any(p.endswith('.tmp') for p in os.listdir(out))


def test_unreadable_video_is_a_one_line_error(tmp_path, recognizer):
    from projects.common.errors import MMPapersError
    cfg, ckpt = recognizer
    bad = tmp_path / 'videos'
    bad.mkdir()
    (bad / 'broken.mp4').write_bytes(b'not a video')
    with pytest.raises(MMPapersError, match='broken.mp4: cannot decode the video'):
        extract_features(cfg, ckpt, str(bad), str(tmp_path / 'f'), progress=False)
