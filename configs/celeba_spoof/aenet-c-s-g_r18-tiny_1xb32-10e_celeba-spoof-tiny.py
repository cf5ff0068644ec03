# AENet_{C,S,G} on the embedded `celeba-spoof` set (tools/data/celeba_spoof.py, generated on
# first use): 320 train / 96 test images in the released layout, with depth/reflection maps.
# CPU-sized [D]: ResNet-18 at 1/4 width (stem and base 16 channels, so the head sees 128) from
# scratch, 64 px crops, SGD lr 0.05 with cosine decay, 10 epochs.
# The heads, loss weights, [0, 1] input and the metric are the full configs'.
_base_ = [
    './_base_/aenet-c-s-g_r18.py',
    './_base_/celeba-spoof_intra_bs64.py',
    './_base_/schedule_sgd-5e-3_50e.py',
]
data_root = 'data/celeba-spoof'
size = 64

model = dict(
    backbone=dict(stem_channels=16, base_channels=16, init_cfg=None),
    head=dict(in_channels=128))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropFaceFromBBoxFile'),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='LoadGeometryMaps', map_size=14),
    dict(type='PackAntiSpoofInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropFaceFromBBoxFile'),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='PackAntiSpoofInputs'),
]
train_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=96, num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_last=True,
                    save_best=None))
randomness = dict(seed=0, deterministic=False)
