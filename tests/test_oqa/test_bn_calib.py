"""BN re-calibration: running statistics equal the statistics of the calibration images."""
import torch
import torch.nn.functional as F

from projects.oqa import recalibrate_bn

from ._helpers import batch, tiny_classifier


def test_stem_bn_statistics_are_the_calibration_mean_and_var():
    torch.manual_seed(0)
    model = tiny_classifier(subnet=dict(ks=[5] * 20, e=[4] * 20, d=[2] * 5, resolution=20))
    loader = [batch(6, size=20, seed=s) for s in range(3)]
    with torch.no_grad():
        model.backbone.stem[1].running_mean.fill_(5.0)
    n = recalibrate_bn(model, loader, num_images=15)  # 6 + 6 + 3 images
    assert n == 15 and not model.training
    x = torch.cat([model.data_preprocessor(b, False)['inputs'] for b in loader])[:15]
    y = F.conv2d(x, model.backbone.stem[0].weight, None, 2, 1)
    # cumulative average of the per-batch means / unbiased variances (batches of 6, 6, 3)
    chunks = [y[:6], y[6:12], y[12:15]]
    mean = sum(c.mean((0, 2, 3)) for c in chunks) / 3
    var = sum(c.transpose(0, 1).flatten(1).var(1, unbiased=True) for c in chunks) / 3
    bn = model.backbone.stem[1]
    torch.testing.assert_close(bn.running_mean, mean, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(bn.running_var, var, rtol=1e-4, atol=1e-5)
    assert bn.momentum == 0.1  # restored


def test_dynamic_bn_calibrates_only_active_channels():
    model = tiny_classifier(subnet=dict(ks=[3] * 20, e=[3] * 20, d=[1] * 5, resolution=16))
    bn = model.backbone.blocks[0].expand_bn  # max 48 channels, active 24
    with torch.no_grad():
        bn.running_mean.fill_(3.0)
    recalibrate_bn(model, [batch(4, size=16)], num_images=4)
    assert (bn.running_mean[24:] == 0).all()  # reset, not seen
    assert (bn.running_mean[:24] != 0).any()
