# OQA MobileNetV3 supernet (OFA space d234 e346 k357 w1.0) on ImageNet-1k: model, data, runtime.
# No schedule here: the supernet stages add _base_/oqa-mbv3_supernet-schedule.py, the deploy
# configs only evaluate.
_base_ = ['../../_base_/default_runtime_mmpretrain.py']
custom_imports = dict(imports=['projects.oqa'], allow_failed_imports=False)

bits = 4
model = dict(
    type='OQASupernetClassifier',
    backbone=dict(
        type='OQAMobileNetV3Supernet',
        bits=bits,
        ks_list=[3, 5, 7],
        expand_list=[3, 4, 6],
        depth_list=[2, 3, 4],
        resolutions=list(range(128, 225, 4)),
        grad_scale='batch'),  # official LSQ convention (numel of the whole tensor)
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=1280,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    sampler='sandwich',  # [D] the training rule of OQA is unreleased
    num_subnets=4,
    teacher='max_subnet',
    subnet=None,
    data_preprocessor=dict(num_classes=1000, mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
)

dataset_type = 'ImageNet'
data_root = 'data/imagenet'
# the per-step resolution is applied inside the model (bilinear resize of the 224 crops)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_resolution = 224
test_pipeline = [
    dict(type='LoadImageFromFile'),
    # OQA/OFA evaluation: resize to size / 0.875, center crop
    dict(type='ResizeEdge', scale=int(test_resolution / 0.875), edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=test_resolution),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128, num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=100, num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
val_cfg = dict()
test_cfg = dict()

# OQA/OFA: BN statistics re-estimated on 2000 random train images (batch 100) before every
# evaluation of a subnet
custom_hooks = [dict(type='OQABNRecalibHook', num_images=2000, batch_size=100)]
# some kernel-transform matrices get no gradient in a step (unused kernel sizes)
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
