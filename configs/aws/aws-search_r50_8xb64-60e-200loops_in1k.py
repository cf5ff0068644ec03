# AWS policy search for ResNet-50 on ImageNet. The official pre-release never had one (ImageNet
# is a TODO in its data code), so every value below that differs from the CIFAR recipe is OUR
# choice [D], made to keep the cost near the CIFAR search's (about 2x a full training):
# - reward split: 50 images per class of the train set (50k, like CIFAR's 10k held out; same
#   seed, disjoint), the rest (about 1.23M) trains;
# - stage 1: 60 epochs, batch 512 (8 x 64), warm-up 0.05 -> 0.2 over 1 epoch, cosine to 0.002
#   (1 % of the peak, as CIFAR's 0.001 of 0.2 is 0.5 %), label smoothing 0.05, clip 3.0,
#   BN momentum 0.5 (the official search recipe);
# - stage 2: 200 loops, 1 fine-tune epoch per trajectory at the final stage-1 lr, 8 ranks
#   (with one epoch, the top-2 reward is that epoch's accuracy); PPO as on CIFAR. A 1-epoch fine-tune of 1.23M images is already ~10k steps, more than the
#   CIFAR fine-tune's 10 x 157.
# The op space and its magnitudes are the CIFAR ones (translate is a fraction of the width).
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    'mmpretrain::_base_/datasets/imagenet_bs64.py',
    '../_base_/default_runtime_mmpretrain.py',
]
custom_imports = dict(imports=['projects.aws'], allow_failed_imports=False)

model = dict(
    backbone=dict(norm_cfg=dict(type='BN', momentum=0.5)),
    head=dict(loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.05,
                        mode='original')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AWSPolicyAugment', policy='uniform'),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'img_shape', 'flip', 'flip_direction',
                    'aws_pair')),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
imagenet_train = dict(type='ImageNet', data_root='data/imagenet', split='train')
train_dataloader = dict(
    batch_size=64, num_workers=8, persistent_workers=True,
    dataset=dict(_delete_=True, type='StratifiedSubset', offset=50, seed=0,  # all but those 50
                 dataset=dict(imagenet_train, pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=128, num_workers=8,
    dataset=dict(_delete_=True, type='StratifiedSubset', per_class=50, offset=0, seed=0,
                 dataset=dict(imagenet_train, pipeline=test_pipeline)))
test_dataloader = dict(
    batch_size=128, num_workers=8,
    dataset=dict(type='ImageNet', data_root='data/imagenet', split='val',
                 pipeline=test_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, 5))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=3.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=59, eta_min=0.002, by_epoch=True, begin=1, end=60,
         convert_to_iter_based=True),
]
train_cfg = dict(
    type='AWSSearchLoop', stage1_epochs=60, val_interval=5,
    finetune_epochs=1, loops=200, reward_topk=2, finetune_lr=0.002,
    ppo=dict(clip=0.2, max_updates=5, kl_stop=0.002, lr=0.1, warmup_start_lr=0.0125,
             warmup_loops=10, betas=(0.5, 0.999), baseline_mom=0.9, adv_scale=0.5))
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=512)
