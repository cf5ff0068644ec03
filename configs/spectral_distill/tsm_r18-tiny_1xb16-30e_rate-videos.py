# Tiny teacher on the embedded `rate-videos`: TSM-ResNet-18 from scratch (train it first; its
# last checkpoint is the teacher_ckpt of the distillation config).
_base_ = ['./_base_/rate_videos_bs16.py', './_base_/tiny_models.py']
model = {{_base_.teacher}}
