_base_ = '../../_base_/default_runtime_mmpretrain.py'
# The released recipe (issues #5, #8): SGD lr 5e-3, 50 epochs. Momentum, weight decay and the
# constant lr are not stated [D]; the author later found Adam lr 1e-3 slightly better.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=5e-3, momentum=0.9, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                                     save_best='spoof/ACER', rule='less'))
