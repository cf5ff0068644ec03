# Tiny OQA supernet on the embedded `digits` set (32x32 images of 8x8 digits): the OFA
# MobileNetV3 structure at reduced width (stem/first 8, stages 8-16-24-32-40, head 96 -> 128),
# stage depths 1-2 instead of 2-4, resolutions 16/20/24 instead of 128-224 step 4, 10 classes.
# Kernels 3/5/7 (with the kernel transforms) and expand ratios 3/4/6 as in the paper.
# Shared by the tiny FP/4/3/2-bit stages and the tiny searches; about 1-2 s per step on one core.
# Two choices of ours for the quantized tiny stages, NOT the paper's (measured in
# tools/analysis_tools/oqa_diagnose.py -> projects/oqa/benchmark/oqa_diagnose.json):
# - signed_act=True: conv inputs quantized signed. With the official unsigned inputs the
#   negative linear-bottleneck inputs are clipped to 0 and the tiny supernet loaded from the FP
#   one stays near chance; the ImageNet configs keep the official unsigned inputs;
# - SGD lr 0.005 instead of 0.02: at 0.02 the LSQ steps and weight norms blow up in the first
#   iterations of the quantized fine-tune.
_base_ = [
    '../../_base_/default_runtime_mmpretrain.py',
    '../../_base_/datasets/digits_bs64.py',
]
custom_imports = dict(imports=['projects.oqa'], allow_failed_imports=False)

bits = 4
model = dict(
    type='OQASupernetClassifier',
    backbone=dict(
        type='OQAMobileNetV3Supernet',
        bits=bits,
        ks_list=[3, 5, 7],
        expand_list=[3, 4, 6],
        depth_list=[1, 2],
        resolutions=[16, 20, 24],
        stem_channels=8,
        first_channels=8,
        stage_channels=[8, 16, 24, 32, 40],
        final_expand_channels=96,
        feature_mix_channels=128,
        grad_scale='batch',
        signed_act=True),  # ours, see above (official: False)
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    sampler='sandwich',
    num_subnets=2,  # max + min only on CPU (the ImageNet configs use 4)
    teacher='max_subnet',
    subnet=None,  # eval: the max subnet
)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=3e-5, nesterov=True),
    # no weight decay on the LSQ steps, the BN affine parameters and the kernel transforms
    paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={
        '.step': dict(decay_mult=0.0), '_matrix': dict(decay_mult=0.0)}))
max_epochs = 2
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)

# BN statistics of the evaluated subnet are re-estimated before every val/test epoch
# (OQA: 2000 images, batch 100; the digits train split has 1,437, so 1,000 here)
custom_hooks = [dict(type='OQABNRecalibHook', num_images=1000, batch_size=100)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=max_epochs, max_keep_ckpts=1,
                    save_last=True))
randomness = dict(seed=0, deterministic=False)
