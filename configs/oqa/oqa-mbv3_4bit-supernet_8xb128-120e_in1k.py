# OQA 4-bit MobileNetV3 supernet on ImageNet (sandwich rule, 4 subnets per step, in-place
# distillation, resolution 128-224 step 4 per step). OQA starts it from the FP OFA supernet
# (ofa_mbv3_d234_e346_k357_w1.0) [R]; set load_from to that checkpoint converted to our keys
# (no converter is provided yet; see projects/oqa/README.md). The LSQ steps are initialised
# from the first batch.
_base_ = ['./_base_/oqa-mbv3_in1k.py', './_base_/oqa-mbv3_supernet-schedule.py']
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                                     save_last=True))
