# Tiny student alone on the embedded `rate-videos`: TSM-MobileNetV2 (width 0.5) from scratch,
# same data, schedule and seed as the distillation config. A plain recognizer config: the
# checkpoint of tools/model_converters/export_student.py tests through it.
_base_ = ['./_base_/rate_videos_bs16.py', './_base_/tiny_models.py']
model = {{_base_.student}}
