"""``AWSSearchLoop``: the two-stage AWS search as an mmengine train loop.

Paper: AWS (arXiv 2009.14737), section 3 and Algorithm 1; official ``pipeline/aws.py``.

Stage 1 (``stage1_epochs``) is mmengine's epoch-based training with every
:class:`~projects.aws.transform.AWSPolicyAugment` of the train set at the uniform policy; its
end state is the shared weights ``w_share`` and the stage-1 optimizer state. Stage 2 repeats
``loops`` times: every trajectory (``trajectories_per_rank`` on each rank, one after another)

1. reloads ``w_share`` **and** the optimizer state (momentum buffers; a deep copy, so nothing
   carries over between trajectories: the hash of both is recorded and tested); with several
   ranks, ``w_share`` is rank 0's model state, broadcast once after stage 1 (DDP does not
   synchronise BatchNorm statistics), so every rank starts from the same weights (tested),
2. fine-tunes the unwrapped model (no DDP gradient sync: each trajectory is its own model) for
   ``finetune_epochs`` on the whole train split at the constant ``finetune_lr``, with pairs
   sampled from the current policy, counting the pairs the images received,
3. evaluates top-1 on the whole val split after every epoch; reward = mean of the best
   ``reward_topk`` of the last ``candidate_ratio`` of those accuracies,

then the rewards are gathered, the agent takes one PPO step (gradients averaged over all
trajectories) and the policy is pushed into the transforms (shared memory, so DataLoader
workers see it). The policy of the loop with the highest mean reward is the result (as the
official code, not the last one). After every loop ``w_share``, the stage-1 optimizer state and
the search state (agent parameters, Adam state, baselines, loop index, best policy, history) are
checkpointed, so ``tools/train.py --resume`` continues a search where it stopped and gives the
same result as an uninterrupted one (tested). Outputs in ``<work_dir>/aws_search/``:
``best_policy.json``, ``best_policy_transform.py`` (a ready transform config),
``search_history.json`` and ``policy_evolution.png``.
"""
import copy
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.dist import get_dist_info, is_main_process
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmengine.runner.utils import set_random_seed
from mmpretrain.registry import LOOPS
from torch.utils.data import DataLoader, Sampler

from .enlarged_batch import aws_enlarged_collate
from .op_space import NUM_OPS
from .policy import AWSPolicy, reward_topk
from .ppo import AWSPPOAgent
from .transform import iter_policy_transforms, pairs_from_samples

STATE_KEY = 'aws_search'


def state_hash(model: torch.nn.Module, optimizer_state: Optional[dict] = None) -> str:
    """SHA-256 of a model's state dict and (optionally) an optimizer state dict."""
    h = hashlib.sha256()

    def feed(obj):
        if isinstance(obj, torch.Tensor):
            h.update(obj.detach().cpu().contiguous().numpy().tobytes())
        elif isinstance(obj, dict):
            for k in sorted(obj, key=str):
                h.update(str(k).encode())
                feed(obj[k])
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                feed(v)
        else:
            h.update(repr(obj).encode())
    feed(model.state_dict())
    if optimizer_state is not None:
        feed(optimizer_state)
    return h.hexdigest()


class _SeededSampler(Sampler):
    """All indices, reshuffled from ``seed`` (set before each epoch)."""

    def __init__(self, size: int) -> None:
        self.size, self.seed = size, 0

    def __iter__(self):
        g = torch.Generator().manual_seed(int(self.seed))
        return iter(torch.randperm(self.size, generator=g).tolist())

    def __len__(self) -> int:
        return self.size


def _worker_init(worker_id: int) -> None:
    # torch seeds each worker from the main process generator (seeded per trajectory)
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    import random
    random.seed(seed)


@LOOPS.register_module()
class AWSSearchLoop(EpochBasedTrainLoop):
    """Stage 1 (shared weights, uniform policy) then the PPO policy search.

    Args:
        runner: The runner.
        dataloader: The train dataloader (config or built), used by stage 1 and, with the
            same dataset object, by the fine-tunes.
        stage1_epochs: Epochs of stage 1 (``max_epochs`` of the parent loop).
        finetune_epochs: ``E``, epochs per fine-tune.
        loops: ``L``, search loops.
        reward_topk: Rewarded epochs (official ``rewarded_ep``).
        candidate_ratio: Fraction of the last epochs the top-k is taken from.
        finetune_lr: Constant fine-tune lr; None keeps the stage-1 optimizer's final lr.
        trajectories_per_rank: Trajectories each rank runs one after another per loop.
        ppo: Keyword arguments of :class:`~projects.aws.ppo.AWSPPOAgent`.
        val_dataloader: Dataloader config of the reward split; the runner's val set if None.
        max_keep_ckpts: Search checkpoints kept.
        out_dir: Output folder (default ``<work_dir>/aws_search``).
        val_begin, val_interval, dynamic_intervals: As the parent, for stage 1.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], stage1_epochs: int,
                 finetune_epochs: int = 10, loops: int = 350, reward_topk: int = 2,
                 candidate_ratio: float = 1.0, finetune_lr: Optional[float] = None,
                 trajectories_per_rank: int = 1, ppo: Optional[dict] = None,
                 val_dataloader: Optional[dict] = None, max_keep_ckpts: int = 2,
                 out_dir: Optional[str] = None, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals=None) -> None:
        super().__init__(runner, dataloader, max_epochs=stage1_epochs, val_begin=val_begin,
                         val_interval=val_interval, dynamic_intervals=dynamic_intervals)
        for name, value in (('finetune_epochs', finetune_epochs), ('loops', loops),
                            ('reward_topk', reward_topk),
                            ('trajectories_per_rank', trajectories_per_rank)):
            if int(value) != value or value < (0 if name == 'loops' else 1):
                raise ValueError(f'train_cfg.{name} must be a positive integer, got {value!r}')
        if not 0 < candidate_ratio <= 1:
            raise ValueError(f'train_cfg.candidate_ratio must be in (0, 1], got {candidate_ratio}')
        self.finetune_epochs, self.loops = int(finetune_epochs), int(loops)
        self.reward_topk, self.candidate_ratio = int(reward_topk), candidate_ratio
        self.finetune_lr, self.trajectories_per_rank = finetune_lr, int(trajectories_per_rank)
        self.agent = AWSPPOAgent(**(ppo or {}))
        self.transforms = list(iter_policy_transforms(self.dataloader.dataset))
        if not self.transforms:
            raise ValueError('train_dataloader.dataset.pipeline has no AWSPolicyAugment: the '
                             'AWS search needs one to apply and count the sampled pairs')
        self._val_cfg = val_dataloader
        self.max_keep_ckpts = max_keep_ckpts
        self.out_dir = out_dir or osp.join(runner.work_dir, 'aws_search')
        self.loop_idx = 0
        self.best: Optional[dict] = None
        self.history: List[dict] = []
        #: ``state_hash`` of model + optimizer at the start of every trajectory run here
        self.start_hashes: List[str] = []
        self.share_hash: Optional[str] = None
        self._share = None
        self._ft_loader = self._val_loader = None

    # ---- helpers -------------------------------------------------------------------------
    @property
    def model(self) -> torch.nn.Module:
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def set_policy(self, policy: AWSPolicy) -> None:
        for t in self.transforms:
            t.set_policy(policy)

    def _loader_kwargs(self, cfg: dict) -> dict:
        workers = int(cfg.get('num_workers', 0))
        return dict(batch_size=int(cfg.get('batch_size', 1)), num_workers=workers,
                    persistent_workers=bool(cfg.get('persistent_workers', False)) and workers > 0,
                    # flattens AWSEnlargedBatch's per-image lists, a no-op otherwise
                    collate_fn=aws_enlarged_collate, worker_init_fn=_worker_init,
                    pin_memory=bool(cfg.get('pin_memory', False)))

    def _build_loaders(self) -> None:
        from mmpretrain.registry import DATASETS
        dataset = self.dataloader.dataset
        cfg = self.runner.cfg.get('train_dataloader', {})
        self._ft_sampler = _SeededSampler(len(dataset))
        self._ft_loader = DataLoader(dataset, sampler=self._ft_sampler, drop_last=False,
                                     **self._loader_kwargs(cfg))
        vcfg = self._val_cfg or self.runner.cfg.get('val_dataloader')
        if not vcfg:
            raise ValueError('the AWS search needs a val_dataloader (the reward split) or '
                             'train_cfg.val_dataloader')
        vds = vcfg['dataset']
        vds = DATASETS.build(copy.deepcopy(vds)) if isinstance(vds, dict) else vds
        self._val_loader = DataLoader(vds, shuffle=False, **self._loader_kwargs(vcfg))

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> float:
        """Top-1 (%) of ``model`` on the whole reward split (this rank alone)."""
        model.eval()
        correct = total = 0
        for data in self._val_loader:
            for sample in model.val_step(data):
                correct += int(sample.pred_label.item() == sample.gt_label.item())
                total += 1
        model.train()
        return 100.0 * correct / max(total, 1)

    def _snapshot_share(self) -> None:
        _, world = get_dist_info()
        if world > 1:
            # every rank must start its trajectories from the same w_share (officially one
            # checkpoint file): DDP synchronises the gradients but not BatchNorm running
            # statistics (mmengine's default broadcast_buffers=False), so take rank 0's state
            from mmengine.dist import broadcast
            for value in self.model.state_dict().values():
                broadcast(value, src=0)
        self._share = dict(
            model={k: v.detach().clone() for k, v in self.model.state_dict().items()},
            optim=copy.deepcopy(self.runner.optim_wrapper.state_dict()))
        self.share_hash = state_hash(self.model, self._share['optim'])

    def _restore_share(self) -> None:
        self.model.load_state_dict(self._share['model'])
        # deep copy: torch aliases the loaded tensors, and momentum buffers update in place
        self.runner.optim_wrapper.load_state_dict(copy.deepcopy(self._share['optim']))

    def _gather(self, values: List[float]) -> List[float]:
        rank, world = get_dist_info()
        if world == 1:
            return list(values)
        from mmengine.dist import all_gather  # moves CPU tensors to the backend's device
        out = all_gather(torch.tensor(values, dtype=torch.float64))
        return [float(v) for o in out for v in o.cpu()]

    # ---- one trajectory ------------------------------------------------------------------
    def run_trajectory(self, traj_id: int) -> dict:
        """Reload ``w_share``, fine-tune with the current policy, return reward and counts."""
        self._restore_share()
        optim_wrapper = self.runner.optim_wrapper
        if self.finetune_lr is not None:
            for group in optim_wrapper.optimizer.param_groups:
                group['lr'] = self.finetune_lr
        self.start_hashes.append(state_hash(self.model, optim_wrapper.state_dict()))
        seed = int(self.runner.seed or 0) + 100003 * (self.loop_idx + 1) + traj_id
        set_random_seed(seed)
        model = self.model
        model.train()
        counts = torch.zeros(NUM_OPS, NUM_OPS, dtype=torch.float64)
        accs = []
        for epoch in range(self.finetune_epochs):
            self._ft_sampler.seed = seed * 31 + epoch
            for data in self._ft_loader:
                pairs = pairs_from_samples(data['data_samples'], self.transforms[0].record_key)
                if pairs is None:
                    raise ValueError("the train samples carry no 'aws_pair': add 'aws_pair' to "
                                     'the meta_keys of PackInputs in train_dataloader.pipeline')
                for i, j in pairs:
                    counts[i, j] += 1
                model.train_step(data, optim_wrapper=optim_wrapper)
            accs.append(self.evaluate(model))
        cand = max(int(round(self.finetune_epochs * self.candidate_ratio)), 1)
        reward = reward_topk(accs[-cand:], self.reward_topk)
        return dict(reward=reward, accs=accs, counts=counts)

    # ---- the loop ------------------------------------------------------------------------
    def run_search_loop(self) -> dict:
        rank, world = get_dist_info()
        policy = self.agent.policy
        theta = (policy.theta1.detach().clone(), policy.theta2.detach().clone())
        joint = policy.joint().detach().clone()
        self.set_policy(policy)
        n = self.trajectories_per_rank
        trajs = [self.run_trajectory(rank * n + t) for t in range(n)]
        rewards = self._gather([t['reward'] for t in trajs])
        mean_reward = sum(rewards) / len(rewards)
        if self.best is None or mean_reward > self.best['reward']:
            self.best = dict(reward=mean_reward, loop=self.loop_idx, theta1=theta[0],
                             theta2=theta[1], normalize=policy.normalize)
        advantages = self.agent.advantages(rewards)
        local = advantages[rank * n:(rank + 1) * n]
        info = self.agent.update([t['counts'] for t in trajs], local,
                                 num_trajectories=len(rewards))
        digest = hashlib.sha256(b''.join(t['counts'].numpy().tobytes() for t in trajs))
        entry = dict(loop=self.loop_idx, rewards=rewards, mean_reward=mean_reward,
                     counts_sha256=digest.hexdigest()[:16],
                     accs=[t['accs'] for t in trajs][0], advantages=advantages,
                     baselines=list(self.agent.running_baselines), probs=joint.float(),
                     **info)
        self.history.append(entry)
        print_log(f'AWS loop {self.loop_idx + 1}/{self.loops}: reward {mean_reward:.3f} '
                  f'(per trajectory {[round(r, 3) for r in rewards]}), best '
                  f"{self.best['reward']:.3f} @ loop {self.best['loop'] + 1}, "
                  f"advantage {advantages[0]:+.4f}, ppo steps {info['updates']}, "
                  f"kl {info['kl']:.2e}, agent lr {info['lr']:.4g}", logger='current')
        self.runner.visualizer.add_scalars(
            {'aws/reward': mean_reward, 'aws/best_reward': self.best['reward'],
             'aws/ppo_updates': info['updates'], 'aws/kl': info['kl']}, step=self.loop_idx)
        self.loop_idx += 1
        self.set_policy(self.agent.policy)
        return entry

    def search_state(self) -> dict:
        return dict(loop=self.loop_idx, agent=self.agent.state_dict(), best=self.best,
                    history=self.history, share_hash=self.share_hash)

    def load_search_state(self, state: dict) -> None:
        self.loop_idx = int(state['loop'])
        self.agent.load_state_dict(state['agent'])
        self.best, self.history = state['best'], list(state['history'])

    def run(self) -> torch.nn.Module:
        self.runner.call_hook('before_train')
        if self._epoch < self._max_epochs:
            self.set_policy(AWSPolicy())  # stage 1: the uniform shared policy
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                self.runner.val_loop.run()
        saved = self.runner.message_hub.get_info(STATE_KEY)
        if saved is not None:
            self.load_search_state(saved)
            print_log(f'AWS search resumed at loop {self.loop_idx + 1}', logger='current')
        if self.loop_idx < self.loops:
            self._build_loaders()
            self._snapshot_share()
            if saved is not None and saved.get('share_hash') not in (None, self.share_hash):
                raise ValueError('the resumed checkpoint does not hold the shared weights of '
                                 'the search it resumes (state hash differs)')
            while self.loop_idx < self.loops:
                self.run_search_loop()
                self._restore_share()
                self._save_search_checkpoint()
                self.export()
        elif is_main_process():
            self.export()
        self.set_policy(self.agent.policy)
        self.runner.call_hook('after_train')
        return self.runner.model

    # ---- outputs -------------------------------------------------------------------------
    def _save_search_checkpoint(self) -> None:
        self.runner.message_hub.update_info(STATE_KEY, self.search_state())
        name = f'search_loop_{self.loop_idx}.pth'
        # mmengine stores ``epoch + 1`` (the next epoch to run) in the meta: the search runs
        # after the last stage-1 epoch, so the stored value must stay ``stage1_epochs``
        self._epoch -= 1
        try:
            self.runner.save_checkpoint(self.runner.work_dir, name, save_optimizer=True,
                                        save_param_scheduler=True)
        finally:
            self._epoch += 1
        if not is_main_process():
            return
        from projects.common.atomic_save import AtomicTextWriter
        with AtomicTextWriter(osp.join(self.runner.work_dir, 'last_checkpoint')) as f:
            f.write(osp.join(self.runner.work_dir, name))
        old = self.loop_idx - self.max_keep_ckpts
        if old >= 1:
            path = osp.join(self.runner.work_dir, f'search_loop_{old}.pth')
            if osp.isfile(path):
                os.remove(path)

    def best_policy(self) -> AWSPolicy:
        b = self.best
        if b is None:
            return AWSPolicy(normalize=self.agent.policy.normalize)
        return AWSPolicy(b['theta1'], b['theta2'], normalize=b['normalize'])

    def export(self) -> Optional[str]:
        """Write the best policy (JSON + transform config), the history and the plot."""
        if not is_main_process():
            return None
        os.makedirs(self.out_dir, exist_ok=True)
        path = osp.join(self.out_dir, 'best_policy.json')
        self.best_policy().save(path)
        with open(osp.join(self.out_dir, 'best_policy_transform.py'), 'w') as f:
            f.write('# The searched AWS policy as a transform: put it after RandomFlip in a '
                    'train pipeline\n'
                    f"# (search: best mean reward {self.best['reward'] if self.best else 0:.3f}"
                    f" at loop {(self.best['loop'] + 1) if self.best else 0}).\n"
                    f"aws_policy = dict(type='AWSPolicyAugment', policy={osp.abspath(path)!r})\n")
        hist = [{k: (v.tolist() if isinstance(v, torch.Tensor) else v) for k, v in e.items()
                 if k != 'probs'} for e in self.history]
        summary = dict(loop_numbering='0-based (the log counts from 1)',
                       best_reward=self.best['reward'] if self.best else None,
                       best_loop=self.best['loop'] if self.best else None,
                       loops_done=self.loop_idx, history=hist,
                       best_top_pairs=self.best_policy().top_pairs(10))
        with open(osp.join(self.out_dir, 'search_history.json'), 'w') as f:
            json.dump(summary, f, indent=1)
        if self.history:
            from .plot import plot_evolution
            try:
                plot_evolution(self.history, self.best_policy(),
                               osp.join(self.out_dir, 'policy_evolution.png'))
            except Exception as exc:  # noqa: BLE001 - a plot must not stop a search
                print_log(f'policy evolution plot failed: {exc}', logger='current',
                          level=30)
        return path
