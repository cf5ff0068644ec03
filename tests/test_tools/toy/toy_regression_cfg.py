# tools/train.py config of the toy regression (tests/test_tools/toy): 64 samples, batch 8,
# SGD-momentum with a step decay, a checkpoint every epoch keeping only the newest one.
custom_imports = dict(imports=['tests.test_tools.toy'], allow_failed_imports=False)
default_scope = 'mmengine'

model = dict(type='ToyRegressor', pad_numel=0)
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='ToyRegressionData', num=64))
train_cfg = dict(by_epoch=True, max_epochs=3)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
# begin/end explicit: mmengine otherwise ends the schedule at the max_epochs of the run that
# saved the checkpoint, and a run stopped early would resume a finished schedule
param_scheduler = dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=True, begin=0,
                       end=3)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
