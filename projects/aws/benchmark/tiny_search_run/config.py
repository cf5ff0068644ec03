aws_pack = dict(
    meta_keys=(
        'sample_idx',
        'img_path',
        'ori_shape',
        'img_shape',
        'aws_pair',
    ),
    type='PackInputs')
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'projects.aws',
    ])
data_preprocessor = dict(
    mean=[
        79.4,
        79.4,
        79.4,
    ],
    num_classes=10,
    std=[
        90.8,
        90.8,
        90.8,
    ],
    to_rgb=False)
data_root = 'data/digits'
dataset_type = 'CustomDataset'
default_hooks = dict(
    checkpoint=dict(
        _scope_='mmpretrain',
        interval=5,
        max_keep_ckpts=2,
        save_last=True,
        type='CheckpointHook'),
    logger=dict(_scope_='mmpretrain', interval=10, type='LoggerHook'),
    param_scheduler=dict(_scope_='mmpretrain', type='ParamSchedulerHook'),
    sampler_seed=dict(_scope_='mmpretrain', type='DistSamplerSeedHook'),
    timer=dict(_scope_='mmpretrain', type='IterTimerHook'),
    visualization=dict(
        _scope_='mmpretrain', enable=False, type='VisualizationHook'))
default_scope = 'mmpretrain'
digits_train = dict(
    data_prefix='train',
    data_root='data/digits',
    pipeline=[
        dict(type='LoadImageFromFile'),
        dict(crop_size=32, padding=2, type='RandomCrop'),
        dict(policy='uniform', type='AWSPolicyAugment'),
        dict(pad_val=0, prob=1.0, shape=8, type='Cutout'),
        dict(
            meta_keys=(
                'sample_idx',
                'img_path',
                'ori_shape',
                'img_shape',
                'aws_pair',
            ),
            type='PackInputs'),
    ],
    type='CustomDataset')
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = '/work/main/work_dirs/aws-search_resnet18-tiny_1xb32-20e-8loops_digits300/epoch_15.pth'
log_level = 'INFO'
model = dict(
    backbone=dict(
        base_channels=16,
        depth=18,
        norm_cfg=dict(momentum=0.5, type='BN'),
        num_stages=4,
        out_indices=(3, ),
        stem_channels=16,
        style='pytorch',
        type='ResNet_CIFAR'),
    head=dict(
        in_channels=128,
        loss=dict(
            label_smooth_val=0.05, mode='original', type='LabelSmoothLoss'),
        num_classes=10,
        type='LinearClsHead'),
    neck=dict(type='GlobalAveragePooling'),
    type='ImageClassifier')
optim_wrapper = dict(
    clip_grad=dict(max_norm=3.0),
    optimizer=dict(
        lr=0.05, momentum=0.9, nesterov=True, type='SGD', weight_decay=0.0001),
    paramwise_cfg=dict(bias_decay_mult=0.0, norm_decay_mult=0.0))
param_scheduler = [
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=1,
        start_factor=0.25,
        type='LinearLR'),
    dict(
        T_max=19,
        begin=1,
        by_epoch=True,
        convert_to_iter_based=True,
        end=20,
        eta_min=0.005,
        type='CosineAnnealingLR'),
]
randomness = dict(deterministic=False, seed=0)
resume = True
test_cfg = dict()
test_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_prefix='val',
        data_root='data/digits',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='PackInputs'),
        ],
        type='CustomDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
train_cfg = dict(
    finetune_epochs=3,
    finetune_lr=0.005,
    loops=8,
    ppo=dict(
        adv_scale=0.5,
        baseline_mom=0.9,
        betas=(
            0.5,
            0.999,
        ),
        clip=0.2,
        kl_stop=0.002,
        lr=0.1,
        max_updates=5,
        warmup_loops=10,
        warmup_start_lr=0.0125),
    reward_topk=2,
    stage1_epochs=20,
    type='AWSSearchLoop',
    val_interval=5)
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        dataset=dict(
            data_prefix='train',
            data_root='data/digits',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(crop_size=32, padding=2, type='RandomCrop'),
                dict(policy='uniform', type='AWSPolicyAugment'),
                dict(pad_val=0, prob=1.0, shape=8, type='Cutout'),
                dict(
                    meta_keys=(
                        'sample_idx',
                        'img_path',
                        'ori_shape',
                        'img_shape',
                        'aws_pair',
                    ),
                    type='PackInputs'),
            ],
            type='CustomDataset'),
        offset=0,
        per_class=30,
        seed=0,
        type='StratifiedSubset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(crop_size=32, padding=2, type='RandomCrop'),
    dict(policy='uniform', type='AWSPolicyAugment'),
    dict(pad_val=0, prob=1.0, shape=8, type='Cutout'),
    dict(
        meta_keys=(
            'sample_idx',
            'img_path',
            'ori_shape',
            'img_shape',
            'aws_pair',
        ),
        type='PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=100,
    dataset=dict(
        dataset=dict(
            data_prefix='train',
            data_root='data/digits',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='PackInputs'),
            ],
            type='CustomDataset'),
        offset=30,
        per_class=30,
        seed=0,
        type='StratifiedSubset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend'),
]
visualizer = dict(
    _scope_='mmpretrain',
    type='UniversalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
        dict(type='TensorboardVisBackend'),
    ])
work_dir = './work_dirs/aws-search_resnet18-tiny_1xb32-20e-8loops_digits300'
