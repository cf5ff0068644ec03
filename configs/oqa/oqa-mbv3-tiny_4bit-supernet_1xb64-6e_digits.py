# Tiny OQA 4-bit supernet on `digits`, trained from scratch (sandwich rule, 4 subnets per step,
# in-place distillation, random resolution 16/20/24 per step). First stage of the tiny chain
# 4 -> 3 -> 2 -> search -> export -> test (projects/oqa/README.md).
_base_ = ['./_base_/oqa-mbv3-tiny_digits.py']
