# OQA 3-bit supernet: inherits every tensor of the 4-bit supernet (load_from), re-initialises
# the LSQ steps from the first batch (step_reinit 'data'; 'rescale' and 'keep' are options).
_base_ = ['./_base_/oqa-mbv3_in1k.py', './_base_/oqa-mbv3_supernet-schedule.py']
bits = 3
model = dict(backbone=dict(bits=bits))
load_from = 'work_dirs/oqa-mbv3_4bit-supernet_8xb128-120e_in1k/epoch_120.pth'
max_epochs = 60  # [D] unknown in OQA
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [
    dict(type='OQABNRecalibHook', num_images=2000, batch_size=100),
    dict(type='LSQStepReinitHook', mode='data', from_bits=4),
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                                     save_last=True))
