# Supernet schedule [D]: OQA's epochs, LR and batch size are not in the released code; SGD with
# momentum 0.9 and cosine decay as the spec's default, 8 GPUs x 128 images.
max_epochs = 120
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=3e-5, nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={
        '.step': dict(decay_mult=0.0), '_matrix': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 3, by_epoch=True, begin=3,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=1024)
