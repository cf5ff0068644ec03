# As the 4-bit config, at 2 bits.
_base_ = ['./resnet18-tiny-lsq-4bit_1xb64-10e_digits.py']
model = dict(bits=2)
