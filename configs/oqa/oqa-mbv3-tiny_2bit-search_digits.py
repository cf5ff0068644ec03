# Tiny evolutionary search on the tiny 2-bit digits supernet (end of the 4 -> 3 -> 2 chain).
_base_ = ['./oqa-mbv3-tiny_4bit-search_digits.py']
bits = 2
model = dict(backbone=dict(bits=bits))
load_from = 'work_dirs/oqa-mbv3-tiny_2bit-supernet_1xb64-1e_digits/epoch_1.pth'
