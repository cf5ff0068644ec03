# Tiny OQA 3-bit supernet: every tensor inherited from the tiny 4-bit stage, LSQ steps
# re-initialised from the data on the first batch, then 1 epoch.
_base_ = ['./_base_/oqa-mbv3-tiny_digits.py']
bits = 3
model = dict(backbone=dict(bits=bits))
load_from = 'work_dirs/oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits/epoch_2.pth'
max_epochs = 1
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [
    dict(type='OQABNRecalibHook', num_images=1000, batch_size=100),
    dict(type='LSQStepReinitHook', mode='data', from_bits=4),
]
