"""The 36-op space (spec section 2; section 8 item 1): order, magnitudes, fills, and that each
op is mmpretrain's transform with the official semantics."""
import mmcv
import numpy as np
import pytest

from projects.aws import op_space
from projects.aws.op_space import OP_NAMES, build_op_space, op_magnitudes, op_space_configs

# written out by hand from the official naming rule f'{type}_mag{m:.3g}', sorted
EXPECTED_NAMES = [
    'AutoContrast',
    'Brightness_mag0.3', 'Brightness_mag0.6', 'Brightness_mag0.9',
    'Color_mag0.3', 'Color_mag0.6', 'Color_mag0.9',
    'Contrast_mag0.3', 'Contrast_mag0.6', 'Contrast_mag0.9',
    'Equalize', 'Invert',
    'Posterize_mag4', 'Posterize_mag5', 'Posterize_mag7',
    'Rotate_mag10', 'Rotate_mag20', 'Rotate_mag30',
    'Sharpness_mag0.3', 'Sharpness_mag0.6', 'Sharpness_mag0.9',
    'ShearX_mag0.1', 'ShearX_mag0.2', 'ShearX_mag0.3',
    'ShearY_mag0.1', 'ShearY_mag0.2', 'ShearY_mag0.3',
    'Solarize_mag0', 'Solarize_mag171', 'Solarize_mag85.3',
    'TranslateX_mag0.151', 'TranslateX_mag0.302', 'TranslateX_mag0.453',
    'TranslateY_mag0.151', 'TranslateY_mag0.302', 'TranslateY_mag0.453',
]
# spec table: magnitudes by hand (translate i/9 * 150/331, solarize 256 (1 - i/9))
EXPECTED_MAGS = {
    'ShearX': [0.1, 0.2, 0.3], 'ShearY': [0.1, 0.2, 0.3],
    'TranslateX': [i / 9 * 150 / 331 for i in (3, 6, 9)],
    'TranslateY': [i / 9 * 150 / 331 for i in (3, 6, 9)],
    'Rotate': [10, 20, 30], 'Color': [0.3, 0.6, 0.9], 'Contrast': [0.3, 0.6, 0.9],
    'Sharpness': [0.3, 0.6, 0.9], 'Brightness': [0.3, 0.6, 0.9],
    'Posterize': [7, 5, 4], 'Solarize': [256 * 2 / 3, 256 / 3, 0.0],
}


@pytest.fixture(scope='module')
def ops():
    import projects.aws  # noqa: F401
    return build_op_space()


def _img(seed=0, h=24, w=20):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_36_ops_in_official_sorted_order():
    assert list(OP_NAMES) == EXPECTED_NAMES
    assert list(OP_NAMES) == sorted(OP_NAMES)


def test_magnitudes_equal_the_table():
    mags = op_magnitudes()
    for op_type, expected in EXPECTED_MAGS.items():
        got = sorted(m for t, m in mags.values() if t == op_type)
        np.testing.assert_allclose(got, sorted(expected), rtol=0, atol=1e-12)
    assert [n for n, (t, m) in mags.items() if m is None] == [
        'AutoContrast', 'Equalize', 'Invert']


def test_fills_interpolation_and_signs():
    cfgs = dict(zip(OP_NAMES, op_space_configs()))
    assert cfgs['ShearX_mag0.1']['pad_val'] == 128
    assert cfgs['ShearX_mag0.1']['interpolation'] == 'bicubic'
    assert cfgs['TranslateY_mag0.151']['pad_val'] == 128
    assert cfgs['Rotate_mag30']['pad_val'] == 0  # PIL's default fill
    for name, cfg in cfgs.items():
        assert cfg['prob'] == 1.0, name  # both ops always applied
        signed = name.split('_')[0] in ('ShearX', 'ShearY', 'TranslateX', 'TranslateY',
                                        'Rotate', 'Color', 'Contrast', 'Sharpness',
                                        'Brightness')
        assert cfg.get('random_negative_prob', 0.0) == (0.5 if signed else 0.0), name


def test_solarize_zero_equals_invert(ops):
    img = _img(1)
    sol = ops[OP_NAMES.index('Solarize_mag0')](dict(img=img.copy()))['img']
    inv = ops[OP_NAMES.index('Invert')](dict(img=img.copy()))['img']
    np.testing.assert_array_equal(sol, inv)
    np.testing.assert_array_equal(sol, 255 - img)


def test_solarize_threshold_by_hand(ops):
    img = _img(2)
    out = ops[OP_NAMES.index('Solarize_mag85.3')](dict(img=img.copy()))['img']
    np.testing.assert_array_equal(out, np.where(img < 256 / 3, img, 255 - img))


def test_posterize_keeps_the_top_bits(ops):
    img = _img(3)
    for bits in (4, 5, 7):
        out = ops[OP_NAMES.index(f'Posterize_mag{bits}')](dict(img=img.copy()))['img']
        mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
        np.testing.assert_array_equal(out, img & mask)


def test_translate_shifts_a_fraction_of_the_width(ops):
    img = _img(4, w=40)
    np.random.seed(0)
    out = ops[OP_NAMES.index('TranslateX_mag0.302')](dict(img=img.copy()))['img']
    offset = (6 / 9 * 150 / 331) * 40
    candidates = [mmcv.imtranslate(img, s * offset, 'horizontal', border_value=128,
                                   interpolation='nearest')
                  for s in (1, -1)]
    assert any(np.array_equal(out, c) for c in candidates)
    assert (out == 128).all(axis=2).any(axis=0).sum() >= int(offset)  # filled columns


@pytest.mark.parametrize('name,fn', [
    ('Brightness_mag0.6', lambda im, s: mmcv.adjust_brightness(im, 1 + s * 0.6)),
    ('Contrast_mag0.9', lambda im, s: mmcv.adjust_contrast(im, 1 + s * 0.9)),
    ('Color_mag0.3', lambda im, s: mmcv.adjust_color(im, 1 + s * 0.3)),
    ('Sharpness_mag0.6', lambda im, s: mmcv.adjust_sharpness(im, 1 + s * 0.6)),
    ('Rotate_mag20', lambda im, s: mmcv.imrotate(im, s * 20.0, border_value=0,
                                                 interpolation='nearest')),
    ('ShearY_mag0.2', lambda im, s: mmcv.imshear(im, s * 0.2, 'vertical', border_value=128,
                                                 interpolation='bicubic')),
    ('ShearX_mag0.3', lambda im, s: mmcv.imshear(im, s * 0.3, 'horizontal', border_value=128,
                                                 interpolation='bicubic')),
    ('TranslateY_mag0.453', lambda im, s: mmcv.imtranslate(
        im, s * (9 / 9 * 150 / 331) * im.shape[0], 'vertical', border_value=128,
        interpolation='nearest')),
])
def test_signed_ops_are_factor_one_plus_minus_m(ops, name, fn):
    img = _img(5)
    seen = set()
    for seed in range(12):
        np.random.seed(seed)
        out = ops[OP_NAMES.index(name)](dict(img=img.copy()))['img']
        matches = [s for s in (1, -1) if np.array_equal(out, fn(img, s).astype(np.uint8))]
        assert matches, name
        seen.update(matches)
    assert seen == {1, -1}, f'{name}: both signs must occur'


def test_unknown_op_space_is_a_value_error():
    with pytest.raises(ValueError, match="op_space must be 'aws36'"):
        op_space.op_space_configs('aws14')


def test_autocontrast_and_equalize_are_mmcvs(ops):
    img = (_img(6) // 2 + 40).astype(np.uint8)  # a narrow range, so both ops change it
    ac = ops[OP_NAMES.index('AutoContrast')](dict(img=img.copy()))['img']
    eq = ops[OP_NAMES.index('Equalize')](dict(img=img.copy()))['img']
    np.testing.assert_array_equal(ac, mmcv.auto_contrast(img))
    np.testing.assert_array_equal(eq, mmcv.imequalize(img))
    assert ac.min() == 0 and ac.max() == 255 and not np.array_equal(eq, img)
