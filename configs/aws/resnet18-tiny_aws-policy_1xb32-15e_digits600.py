# Final training with a searched AWS policy, tiny CPU scale: the 600 images of digits/train the
# tiny search used (its 300 train + 300 reward images, as the official final training uses the
# whole 50k CIFAR train set), 15 epochs, tested on digits/val (360 images).
# The policy is the one the committed tiny search run found (projects/aws/benchmark/); use your
# own search's with
#   --cfg-options "train_dataloader.dataset.dataset.pipeline.2.policy=work_dirs/<search>/aws_search/best_policy.json"
# Same schedule in the two comparison configs: *_aws-uniform_* (the shared policy of stage 1)
# and *_cutout-only_* (the official `retrain_only_cutout` baseline: no AWS op pair).
_base_ = [
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/digits_bs64.py',
]
custom_imports = dict(imports=['projects.aws'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
                  num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.05, mode='original')))

aws_policy_file = 'projects/aws/benchmark/digits300_searched_policy.json'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='AWSPolicyAugment', policy=aws_policy_file),
    dict(type='Cutout', shape=8, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='StratifiedSubset', per_class=60, offset=0, seed=0,
                 dataset=dict(type='CustomDataset', data_root='data/digits',
                              data_prefix='train', pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=128, num_workers=0, persistent_workers=False,
    dataset=dict(type='CustomDataset', data_root='data/digits', data_prefix='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=14, eta_min=0.0, by_epoch=True, begin=1, end=15,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=15, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2, save_last=True))
randomness = dict(seed=0, deterministic=False)
