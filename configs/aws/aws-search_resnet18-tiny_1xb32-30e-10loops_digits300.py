# Tiny CPU AWS search on a 300-image stratified split of `digits` (30 per class of digits/train;
# with so few images augmentation matters). Stage 1: 30 epochs with the uniform policy. Stage 2:
# 10 loops, each reloading the shared weights and optimizer state, fine-tuning 2 epochs and
# rewarding the mean of the best 2 per-epoch top-1 on a disjoint 300-image split of digits/train
# (the role of CIFAR's 10k held-out images). A few minutes on one CPU core.
#   python tools/train.py configs/aws/aws-search_resnet18-tiny_1xb32-30e-10loops_digits300.py
# writes work_dirs/<this config>/aws_search/best_policy.json (+ best_policy_transform.py).
# Differences from the CIFAR recipe, for the tiny scale: no flip (digits are not mirror
# symmetric), RandomCrop padding 2, Cutout 8 px, lr 0.1 -> 0.01 and fine-tune lr 0.01 (the
# stage-1 final lr here) so that 2 short epochs move the weights; 10 loops, so the agent warms
# up over 2 loops and may move KL 0.02 per loop (official: 10 loops, 0.002; with those, 10 loops
# leave the policy almost uniform).
_base_ = [
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/digits_bs64.py',
]
custom_imports = dict(imports=['projects.aws'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
                  num_stages=4, out_indices=(3, ), style='pytorch',
                  norm_cfg=dict(type='BN', momentum=0.5)),  # official search BN momentum
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.05, mode='original')))

aws_pack = dict(type='PackInputs',
                meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'aws_pair'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='AWSPolicyAugment', policy='uniform'),
    dict(type='Cutout', shape=8, pad_val=0, prob=1.0),
    aws_pack,
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
digits_train = dict(type='CustomDataset', data_root='data/digits', data_prefix='train',
                    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='StratifiedSubset', dataset=digits_train, per_class=30, offset=0,
                 seed=0))
# the reward split: 30 other images per class of digits/train (disjoint: same seed, offset 30)
val_dataloader = dict(
    batch_size=100, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='StratifiedSubset', per_class=30, offset=30, seed=0,
                 dataset=dict(type='CustomDataset', data_root='data/digits',
                              data_prefix='train', pipeline=test_pipeline)))
# digits/val (360 images) stays the held-out test split
test_dataloader = dict(
    batch_size=128, num_workers=0, persistent_workers=False,
    dataset=dict(type='CustomDataset', data_root='data/digits', data_prefix='val',
                 pipeline=test_pipeline))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=3.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=29, eta_min=0.01, by_epoch=True, begin=1, end=30,
         convert_to_iter_based=True),
]
train_cfg = dict(
    type='AWSSearchLoop', stage1_epochs=30, val_interval=5,
    finetune_epochs=2, loops=10, reward_topk=2, finetune_lr=0.01,
    ppo=dict(clip=0.2, max_updates=5, kl_stop=0.02, lr=0.1, warmup_start_lr=0.0125,
             warmup_loops=2, betas=(0.5, 0.999), baseline_mom=0.9, adv_scale=0.5))
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2, save_last=True))
randomness = dict(seed=0, deterministic=False)
