# Final training of PyramidNet-272 (alpha 200, bottleneck) + ShakeDrop on CIFAR-10 with a
# searched AWS policy: the model of the paper's best single-model result (1.24 % top-1 error,
# the paper's number, with Enlarged Batch). The spec leaves this schedule to the PDF; it is
# not available here, so the values below follow the AutoAugment paper's PyramidNet+ShakeDrop
# recipe as recalled [R]: 1800 epochs, batch 64 (8 x 8), lr 0.05, cosine, wd 5e-5, no label
# smoothing. Verify against the PDF before a paper-scale run.
_base_ = './wrn28-10_aws-policy_8xb32-300e_cifar10.py'

model = dict(
    backbone=dict(_delete_=True, type='PyramidNet_CIFAR', depth=272, alpha=200, p_last=0.5),
    head=dict(in_channels=864, loss=dict(_delete_=True, type='CrossEntropyLoss',
                                         loss_weight=1.0)))
train_dataloader = dict(batch_size=8)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-5, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=1800, eta_min=0.0, by_epoch=True, begin=0,
         end=1800, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=1800, val_interval=5)
auto_scale_lr = dict(base_batch_size=64)
