# OQA 2-bit supernet: inherits the 3-bit supernet, steps re-initialised from the first batch.
_base_ = ['./oqa-mbv3_3bit-supernet_8xb128-60e_in1k.py']
bits = 2
model = dict(backbone=dict(bits=bits))
load_from = 'work_dirs/oqa-mbv3_3bit-supernet_8xb128-60e_in1k/epoch_60.pth'
custom_hooks = [
    dict(type='OQABNRecalibHook', num_images=2000, batch_size=100),
    dict(type='LSQStepReinitHook', mode='data', from_bits=3),
]
