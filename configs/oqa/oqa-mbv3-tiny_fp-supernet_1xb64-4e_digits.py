# Tiny full-precision supernet on `digits` (bits=None: the quantizers are identities, their
# state-dict keys exist): the stand-in for the FP OFA supernet OQA starts from [R]. AdamW
# because a from-scratch MobileNetV3 learns the small set much faster with it than with SGD.
_base_ = ['./_base_/oqa-mbv3-tiny_digits.py']
bits = None
model = dict(backbone=dict(bits=bits))
max_epochs = 4
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=3e-3, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={
        '.step': dict(decay_mult=0.0), '_matrix': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
