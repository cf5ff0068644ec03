"""The face crop (224-space scaling, clamping, crop before resize), maps and packing."""
import numpy as np
import pytest
import torch

from projects.celeba_spoof import (CelebASpoofError, CropFaceFromBBoxFile, LoadGeometryMaps,
                                   PackAntiSpoofInputs, scale_and_clamp_box)

H, W = 100, 300  # sx = 300/224 = 1.3393, sy = 100/224 = 0.4464


@pytest.mark.parametrize('box,expected', [
    # x = int(13.39) = 13, y = int(8.93) = 8, w = int(133.93) = 133, h = int(22.32) = 22
    ((10, 20, 100, 50), (13, 8, 146, 30)),
    # x = int(-26.79) = -26 -> 0, x2 = -26 + 133 = 107; y = int(-13.39) = -13 -> 0,
    # h = int(44.64) = 44, y2 = -13 + 44 = 31
    ((-20, -30, 100, 100), (0, 0, 107, 31)),
    # x = int(267.86) = 267, 267 + 133 > 300 -> 300; y = int(89.29) = 89, 89 + 44 > 100 -> 100
    ((200, 200, 100, 100), (267, 89, 300, 100)),
])
def test_box_scaling_and_clamping(box, expected):
    assert scale_and_clamp_box(box, H, W) == expected


def _coord_image():
    yy, xx = np.mgrid[0:H, 0:W]
    return np.stack([yy, xx % 256, xx // 256], axis=2).astype(np.uint8)


def test_crop_takes_the_scaled_box_of_the_original_image(tmp_path):
    bb = tmp_path / 'a_BB.txt'
    bb.write_text('10 20 100 50 0.98\n')
    out = CropFaceFromBBoxFile()(dict(img=_coord_image(), bbox_path=str(bb), entry='e'))
    crop = out['img']
    assert crop.shape == (22, 133, 3) and out['face_box'] == (13, 8, 146, 30)
    assert tuple(crop[0, 0]) == (8, 13, 0) and tuple(crop[-1, -1]) == (29, 145, 0)


@pytest.mark.parametrize('text', ['1 2 3\n', 'a b c d 0.9\n', '', '1 2 3 4 5 6\n'])
def test_malformed_box_file_names_file_and_entry(tmp_path, text):
    bb = tmp_path / 'x_BB.txt'
    bb.write_text(text)
    with pytest.raises(CelebASpoofError) as info:
        CropFaceFromBBoxFile()(dict(img=_coord_image(), bbox_path=str(bb), entry='Data/e.png'))
    msg = str(info.value)
    assert str(bb) in msg and 'Data/e.png' in msg and '\n' not in msg


def test_empty_crop_is_an_error(tmp_path):
    bb = tmp_path / 'x_BB.txt'
    bb.write_text('300 300 10 10 0.9\n')
    with pytest.raises(CelebASpoofError, match='empty crop'):
        CropFaceFromBBoxFile()(dict(img=_coord_image(), bbox_path=str(bb)))


def test_maps_are_zero_by_definition_and_loaded_in_unit_range(tmp_path):
    import cv2
    depth = np.zeros((28, 28), np.uint8)
    depth[:, 14:] = 255
    cv2.imwrite(str(tmp_path / 'd.png'), depth)
    t = LoadGeometryMaps(map_size=14)
    out = t(dict(depth_path=str(tmp_path / 'd.png'), reflect_path=None))
    assert out['depth_map'].shape == (1, 14, 14) and out['reflect_map'].shape == (3, 14, 14)
    assert out['reflect_map'].max() == 0
    assert out['depth_map'][0, :, 0].max() == 0 and out['depth_map'][0, :, -1].min() == 1.0


def test_maps_in_image_space_are_cropped_with_the_face_box(tmp_path):
    import cv2
    full = np.zeros((H, W), np.uint8)
    full[8:30, 13:146] = 200  # exactly the face box of the first crop test
    cv2.imwrite(str(tmp_path / 'd.png'), full)
    out = LoadGeometryMaps(map_size=14, map_space='image', with_reflect=False)(
        dict(depth_path=str(tmp_path / 'd.png'), face_box=(13, 8, 146, 30)))
    np.testing.assert_allclose(out['depth_map'], 200 / 255, rtol=1e-6)


def test_pack_carries_every_label():
    res = dict(img=np.zeros((4, 5, 3), np.uint8), gt_label=1, attr=[0] * 40, spoof_type=7,
               illum=2, env=1, depth_map=np.zeros((1, 14, 14), np.float32),
               img_path='p.png')
    out = PackAntiSpoofInputs()(res)
    s = out['data_samples']
    assert out['inputs'].shape == (3, 4, 5)
    assert int(s.gt_label) == 1 and int(s.spoof_type) == 7 and int(s.illum) == 2
    assert s.attr.dtype == torch.float32 and s.depth_map.shape == (1, 14, 14)
    assert s.img_path == 'p.png'
