# AWS policy search, CIFAR-100, WRN-28-10: the official recipe (spec section 4;
# github.com/Awesome-AutoAug-Algorithms/AWS-OHL-AutoAug, README configs and pipeline/aws.py).
# Split: stratified random 40k (train) / 10k (reward) of the 50k train images; test held out.
# Stage 1: 200 epochs, uniform policy, batch 256 (8 x 32), SGD Nesterov 0.9, wd 1e-4 (none on
# BN/bias), warm-up 0.05 -> 0.2 over 1 epoch then cosine to 0.001, label smoothing 0.05,
# grad-norm clip 3.0, BN momentum 0.5. Stage 2: 350 loops; each of the 8 ranks runs one
# trajectory: reload weights + optimizer state, 10 epochs at lr 0.001, reward = mean of the
# best 2 per-epoch val top-1; PPO (clip 0.2, <= 5 steps, KL stop 0.002, Adam(0.5, 0.999),
# lr 0.0125 -> 0.1 over 10 loops, baseline momentum 0.9, advantage scale 0.5).
#   bash tools/dist_train.sh configs/aws/aws-search_wrn28-10_8xb32-200e-350loops_cifar100.py 8
# One GPU runs the 8 trajectories one after another with
#   --cfg-options train_cfg.trajectories_per_rank=8
_base_ = [
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    '../_base_/default_runtime_mmpretrain.py',
]
custom_imports = dict(imports=['projects.aws'], allow_failed_imports=False)
num_classes = 100

model = dict(
    type='ImageClassifier',
    backbone=dict(type='WideResNet_CIFAR', depth=28, widen_factor=10,
                  norm_cfg=dict(type='BN', momentum=0.5)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=640,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.05, mode='original')))

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AWSPolicyAugment', policy='uniform'),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_shape', 'flip', 'flip_direction', 'aws_pair')),
]
test_pipeline = [dict(type='PackInputs')]
cifar_train = dict(type='CIFAR100', data_root='data/cifar100', split='train')
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    dataset=dict(_delete_=True, type='StratifiedSubset', start=0.0, end=0.8, seed=0,
                 dataset=dict(cifar_train, pipeline=train_pipeline)))
# the 10k reward split (disjoint: same seed, the other 20 % of every class)
val_dataloader = dict(
    batch_size=256, num_workers=4,
    dataset=dict(_delete_=True, type='StratifiedSubset', start=0.8, end=1.0, seed=0,
                 dataset=dict(cifar_train, pipeline=test_pipeline)))
test_dataloader = dict(
    batch_size=256, num_workers=4,
    dataset=dict(type='CIFAR100', data_root='data/cifar100', split='test',
                 pipeline=test_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, 5))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=3.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=199, eta_min=0.001, by_epoch=True, begin=1,
         end=200, convert_to_iter_based=True),
]
train_cfg = dict(
    type='AWSSearchLoop', stage1_epochs=200, val_interval=10,
    finetune_epochs=10, loops=350, reward_topk=2, candidate_ratio=1.0, finetune_lr=0.001,
    ppo=dict(clip=0.2, max_updates=5, kl_stop=0.002, lr=0.1, warmup_start_lr=0.0125,
             warmup_loops=10, betas=(0.5, 0.999), baseline_mom=0.9, adv_scale=0.5,
             initial_baseline_ratio=0.0, normalize='sigmoid'))
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=256)
