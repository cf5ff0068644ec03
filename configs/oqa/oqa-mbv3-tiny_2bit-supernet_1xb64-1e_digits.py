# Tiny OQA 2-bit supernet: inherited from the tiny 3-bit stage, steps re-initialised from the
# data, then 1 epoch.
_base_ = ['./oqa-mbv3-tiny_3bit-supernet_1xb64-1e_digits.py']
bits = 2
model = dict(backbone=dict(bits=bits))
load_from = 'work_dirs/oqa-mbv3-tiny_3bit-supernet_1xb64-1e_digits/epoch_1.pth'
custom_hooks = [
    dict(type='OQABNRecalibHook', num_images=1000, batch_size=100),
    dict(type='LSQStepReinitHook', mode='data', from_bits=3),
]
