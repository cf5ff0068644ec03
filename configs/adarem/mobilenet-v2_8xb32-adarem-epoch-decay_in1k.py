# mobilenet-v2_8xb32-adarem_in1k.py with the adaptation strength decaying per epoch instead of per
# iteration: lam**t with t = completed epochs. The paper's unit of t is unknown (see
# projects/adarem/README.md): per iteration, lam=0.999 leaves less than 1 % of the adaptation
# after the first epoch; per epoch, about 90 % after 100 epochs.
# iters_per_epoch: 1,281,167 training images on 8 GPUs x 32 = 5005 optimizer steps per epoch
# (mmengine's DefaultSampler gives each GPU ceil(1281167 / 8) images). Change it with the number
# of GPUs or the batch size.
_base_ = './mobilenet-v2_8xb32-adarem_in1k.py'

optim_wrapper = dict(optimizer=dict(decay_unit='epoch', iters_per_epoch=5005))
