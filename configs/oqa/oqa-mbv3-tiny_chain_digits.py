# The whole tiny OQA chain on `digits`, run by
#   python tools/oqa_chain.py configs/oqa/oqa-mbv3-tiny_chain_digits.py [--work-dir DIR]
# FP supernet -> 4-bit -> 3-bit -> 2-bit (each stage load_from the previous one's last
# checkpoint), then a search on the 4-bit and on the 2-bit supernet under the FP-MACs limit of
# the search configs, export of each search's best subnet (BN re-calibrated) and tools/test.py
# of the exported static model. Writes <work_dir>/pipeline_results.json. As a config it is the
# 2-bit search config (so it builds like one); `chain` is what the tool reads.
_base_ = ['./oqa-mbv3-tiny_2bit-search_digits.py']
work_dir = 'work_dirs/oqa-mbv3-tiny_chain_digits'
chain = dict(
    stages=[
        dict(name='fp', config='configs/oqa/oqa-mbv3-tiny_fp-supernet_1xb64-4e_digits.py',
             load_from=None),
        dict(name='4bit', config='configs/oqa/oqa-mbv3-tiny_4bit-supernet_1xb64-2e_digits.py',
             load_from='fp'),
        dict(name='3bit', config='configs/oqa/oqa-mbv3-tiny_3bit-supernet_1xb64-1e_digits.py',
             load_from='4bit'),
        dict(name='2bit', config='configs/oqa/oqa-mbv3-tiny_2bit-supernet_1xb64-1e_digits.py',
             load_from='3bit'),
    ],
    searches=[
        dict(name='search4bit', config='configs/oqa/oqa-mbv3-tiny_4bit-search_digits.py',
             supernet='4bit'),
        dict(name='search2bit', config='configs/oqa/oqa-mbv3-tiny_2bit-search_digits.py',
             supernet='2bit'),
    ])
# not a training config itself (tools/train.py runs the stage and search configs above)
optim_wrapper = None
