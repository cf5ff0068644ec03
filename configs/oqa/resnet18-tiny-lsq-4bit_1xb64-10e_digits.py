# LSQ quantization switched on for an arbitrary mmpretrain classifier: the baseline ResNet-18
# (1/4 width) on `digits`, every conv but the stem at 4 bits (weights and inputs), the classifier
# FP, trained from scratch with the baseline's schedule. The official OQA code only quantizes its
# own supernet; this is our transform (projects/oqa/transform.py).
_base_ = ['../baselines/resnet18-tiny_1xb64-10e_digits.py']
custom_imports = dict(imports=['projects.oqa'], allow_failed_imports=False)
_fp_model = {{_base_.model}}
model = dict(_delete_=True, type='LSQQuantizedModel', bits=4, grad_scale='batch',
             model=_fp_model)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.step': dict(decay_mult=0.0)}))
