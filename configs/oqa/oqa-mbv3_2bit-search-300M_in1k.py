# Evolutionary search on the 2-bit supernet under 300 M FP MACs (the README's "FLOPs"), OFA's
# defaults (population 100, 500 generations, parent ratio 0.25, mutation ratio 0.5, mutate
# probability 0.1, resolution mutate probability 0.5). Fitness: top-1 on 10,000 held-out
# train images after BN re-calibration on 2,000 others [D]. Run with tools/train.py; it writes
# pareto_2bit.json/.png and search_state.json (resumed automatically) in the work dir.
_base_ = ['./oqa-mbv3_2bit-supernet_8xb128-60e_in1k.py']
load_from = 'work_dirs/oqa-mbv3_2bit-supernet_8xb128-60e_in1k/epoch_60.pth'
custom_hooks = []
heldout_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_cfg = dict(
    _delete_=True,
    type='OQAEvolutionSearchLoop',
    constraint=dict(metric='flops', max=300e6),  # 'bitops' and 'eq_flops' also work
    population=100, generations=500, parent_ratio=0.25, mutation_ratio=0.5,
    mutate_prob=0.1, resolution_mutate_prob=0.5, calib_images=2000,
    score_key='accuracy/top1',
    eval_dataloader=dict(
        batch_size=100, num_workers=8,
        sampler=dict(type='DefaultSampler', shuffle=False),
        # the last 10,000 images of the train list as the held-out split
        dataset=dict(type='ImageNet', data_root='data/imagenet', split='train',
                     indices=list(range(1271167, 1281167)), pipeline=heldout_pipeline)),
    evaluator=dict(type='Accuracy', topk=(1, )))
train_dataloader = dict(batch_size=100)
