# The tiny MimicDet of mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py with one change: the
# refinement objectness uses the BCE loss of the COCO configs (MimicRefineHead's default, as in
# the paper's notes) instead of the tiny config's focal loss. benchmarks/mimicdet_bench.py
# trains both; projects/mimicdet/README.md reports the result.
_base_ = './mimicdet_r18-tiny_fpn_1xb16-6e_digits-det.py'

model = dict(
    refine_head=dict(
        loss_obj=dict(_delete_=True, type='CrossEntropyLoss', use_sigmoid=True,
                      loss_weight=1.0)))
