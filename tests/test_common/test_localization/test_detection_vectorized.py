"""detection_ap(impl='vectorized') (all classes and videos matched in one grouped pass) gives
the same AP, bit for bit, as the one-prediction-at-a-time loop of the official code, on random
inputs with tied scores, exact duplicates and several ground truths per video."""
import numpy as np
import pytest

from projects.common.localization.functional import detection_ap
from tests.test_common.test_localization.conftest import GT, RESULT


def _random_case(rng, trial):
    gt, pred = {}, {}
    num_classes = int(rng.integers(1, 5))
    for v in range(int(rng.integers(1, 25))):
        n = int(rng.integers(0, 6))
        s, ln = rng.uniform(0, 80, n), rng.uniform(1, 30, n)
        gt[f'v{v}'] = [(float(a), float(a + b), f'c{rng.integers(num_classes)}')
                       for a, b in zip(s, ln)]
        m = int(rng.integers(0, 25))
        s, ln = rng.uniform(0, 80, m), rng.uniform(1, 30, m)
        sc = rng.random(m) if trial % 2 else np.round(rng.random(m), 1)  # ties
        pred[f'v{v}'] = [(float(a), float(a + b), f'c{rng.integers(num_classes)}', float(c))
                         for a, b, c in zip(s, ln, sc)]
        if trial % 3 == 0:  # exact copies of the ground truth, twice (duplicates)
            pred[f'v{v}'] += [(g[0], g[1], g[2], 0.5) for g in gt[f'v{v}']] * 2
    classes = sorted({a[2] for anns in gt.values() for a in anns})
    pred = {v: [p for p in ps if p[2] in classes] for v, ps in pred.items()}
    return gt, pred, classes


@pytest.mark.parametrize('tie_order', ['argsort', 'stable'])
@pytest.mark.parametrize('iou_dtype', ['float64', 'float32'])
def test_vectorized_equals_loop_bit_for_bit(tie_order, iou_dtype):
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(12):
        gt, pred, classes = _random_case(rng, trial)
        if not classes:
            continue
        loop, _ = detection_ap(gt, pred, tie_order=tie_order, iou_dtype=iou_dtype, impl='loop')
        vec, _ = detection_ap(gt, pred, tie_order=tie_order, iou_dtype=iou_dtype,
                              impl='vectorized')
        np.testing.assert_array_equal(vec, loop)
        checked += int((loop > 0).any())
    assert checked >= 5


def test_vectorized_gives_the_anchor():
    from projects.common.localization.metrics import evaluate_detection_file
    assert evaluate_detection_file(GT, RESULT, check_fields=False)['mAP'] == \
        pytest.approx(0.6177579365079365, abs=1e-15)


def test_bad_impl_raises():
    with pytest.raises(ValueError, match='impl'):
        detection_ap({'a': [(0.0, 1.0, 'x')]}, {}, impl='numba')
