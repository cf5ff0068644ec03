# Tiny OQA 4-bit supernet on `digits`: every tensor from the tiny FP supernet, LSQ steps
# initialised from the first batch, then 2 epochs (sandwich max + min, in-place distillation,
# resolution 16/20/24 per step). Stage 1 of the tiny chain 4 -> 3 -> 2 -> search -> export ->
# test (projects/oqa/README.md).
_base_ = ['./_base_/oqa-mbv3-tiny_digits.py']
load_from = 'work_dirs/oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits/epoch_4.pth'
