"""Evolutionary search over (ks, e, d, resolution) of a trained OQA supernet.

OQA searches each b-bit supernet under a compute budget with no retraining [ABS]. The
algorithm and defaults are OFA's ``EvolutionFinder`` [OFA]: population 100, 500 generations,
parent ratio 0.25, mutation ratio 0.5, per-gene mutation probability 0.1, resolution mutation
probability 0.5; crossover takes each gene from either parent; children that break the
constraint are redrawn. Fitness is the top-1 accuracy of the subnet on a held-out split after BN
re-calibration [D: direct evaluation; OFA's accuracy predictor is not implemented].

:class:`EvolutionSearcher` is the algorithm (no runner), resumable through ``state_dict``;
:class:`OQAEvolutionSearchLoop` is the mmengine loop (``train_cfg=dict(type=...)``) that
evaluates subnets, saves ``search_state.json`` after every generation (and resumes from it),
logs the Pareto front, and writes ``pareto_<bits>bit.json`` and ``.png`` in the work dir.
"""
import json
import os.path as osp
import random
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.logging import print_log
from mmengine.runner import BaseLoop
from mmpretrain.registry import LOOPS

from .arch import MAX_DEPTH, arch_to_str
from .bn_calib import recalibrate_bn
from .counter import count_subnet

METRICS = dict(flops='fp_macs', bitops='bitops', eq_flops='eq_flops')


def arch_key(arch: dict) -> str:
    return arch_to_str(arch)


def _tupled(x):
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


class EvolutionSearcher:
    """OFA's evolution finder over a supernet's space.

    Args:
        space: ``dict(ks, e, d, resolution)`` lists of choices.
        cost_fn: ``arch -> cost`` (compared with ``max_cost``).
        score_fn: ``arch -> fitness`` (higher is better); results are cached by arch.
        max_cost: Constraint.
        population, generations, parent_ratio, mutation_ratio, mutate_prob,
            resolution_mutate_prob: OFA's defaults.
        seed: Seed of the search RNG.
        max_tries: Redraws per child before giving up with a ValueError.
    """

    def __init__(self, space: dict, cost_fn: Callable[[dict], float],
                 score_fn: Callable[[dict], float], max_cost: float,
                 population: int = 100, generations: int = 500, parent_ratio: float = 0.25,
                 mutation_ratio: float = 0.5, mutate_prob: float = 0.1,
                 resolution_mutate_prob: float = 0.5, seed: int = 0,
                 max_tries: int = 10000) -> None:
        if population < 2 or generations < 0:
            raise ValueError(f'population must be >= 2 and generations >= 0, got {population}, '
                             f'{generations}')
        if not 0 < parent_ratio <= 1 or not 0 <= mutation_ratio <= 1:
            raise ValueError(f'parent_ratio must be in (0, 1] and mutation_ratio in [0, 1], got '
                             f'{parent_ratio}, {mutation_ratio}')
        self.space, self.cost_fn, self.score_fn = space, cost_fn, score_fn
        self.max_cost = max_cost
        self.population_size, self.generations = population, generations
        self.num_parents = max(1, int(round(parent_ratio * population)))
        self.num_mutations = int(round(mutation_ratio * population))
        self.mutate_prob, self.resolution_mutate_prob = mutate_prob, resolution_mutate_prob
        self.max_tries = max_tries
        self.rng = random.Random(seed)
        self.population: List[dict] = []
        self.scores: Dict[str, float] = {}
        self.archs: Dict[str, dict] = {}
        self.generation = 0  # generations finished
        self.history: List[dict] = []

    # ------------------------------------------------------------ genes
    def random_arch(self) -> dict:
        n, s = 5 * MAX_DEPTH, 5
        r = self.rng
        return dict(ks=[r.choice(self.space['ks']) for _ in range(n)],
                    e=[r.choice(self.space['e']) for _ in range(n)],
                    d=[r.choice(self.space['d']) for _ in range(s)],
                    resolution=r.choice(self.space['resolution']))

    def valid(self, arch: dict) -> bool:
        return self.cost_fn(arch) <= self.max_cost

    def _draw(self, make: Callable[[], dict]) -> dict:
        for _ in range(self.max_tries):
            arch = make()
            if self.valid(arch):
                return arch
        raise ValueError(f'search: no subnet under the constraint {self.max_cost:g} after '
                         f'{self.max_tries} draws (the budget is below the smallest subnet?)')

    def mutate(self, parent: dict) -> dict:
        r, p = self.rng, self.mutate_prob
        child = dict(ks=[r.choice(self.space['ks']) if r.random() < p else v
                         for v in parent['ks']],
                     e=[r.choice(self.space['e']) if r.random() < p else v for v in parent['e']],
                     d=[r.choice(self.space['d']) if r.random() < p else v for v in parent['d']],
                     resolution=parent['resolution'])
        if r.random() < self.resolution_mutate_prob:
            child['resolution'] = r.choice(self.space['resolution'])
        return child

    def crossover(self, a: dict, b: dict) -> dict:
        r = self.rng
        return dict(ks=[r.choice(pair) for pair in zip(a['ks'], b['ks'])],
                    e=[r.choice(pair) for pair in zip(a['e'], b['e'])],
                    d=[r.choice(pair) for pair in zip(a['d'], b['d'])],
                    resolution=r.choice([a['resolution'], b['resolution']]))

    # ------------------------------------------------------------ search
    def score(self, arch: dict) -> float:
        key = arch_key(arch)
        if key not in self.scores:
            self.scores[key] = float(self.score_fn(arch))
            self.archs[key] = arch
        return self.scores[key]

    def _ranked(self) -> List[dict]:
        return sorted(self.population, key=lambda a: -self.score(a))

    def init_population(self) -> None:
        self.population = [self._draw(self.random_arch) for _ in range(self.population_size)]
        for a in self.population:
            self.score(a)
        self._log_generation()

    def step(self) -> None:
        """One generation: keep the parents, add mutated and crossed-over children."""
        parents = self._ranked()[:self.num_parents]
        children = []
        for _ in range(self.num_mutations):
            children.append(self._draw(lambda: self.mutate(self.rng.choice(parents))))
        for _ in range(self.population_size - self.num_parents - self.num_mutations):
            children.append(self._draw(
                lambda: self.crossover(self.rng.choice(parents), self.rng.choice(parents))))
        self.population = parents + children
        for a in children:
            self.score(a)
        self.generation += 1
        self._log_generation()

    def _log_generation(self) -> None:
        best = self._ranked()[0]
        self.history.append(dict(generation=self.generation, best_score=self.score(best),
                                 best=arch_key(best)))

    def run(self, after_generation: Optional[Callable[['EvolutionSearcher'], None]] = None
            ) -> dict:
        if not self.population:
            self.init_population()
            if after_generation:
                after_generation(self)
        while self.generation < self.generations:
            self.step()
            if after_generation:
                after_generation(self)
        return self._ranked()[0]

    def pareto_front(self, cost_fn: Optional[Callable[[dict], float]] = None) -> List[dict]:
        """Evaluated subnets not dominated in (cost lower, score higher), by cost."""
        cost_fn = cost_fn or self.cost_fn
        items = sorted(((cost_fn(a), -self.scores[k], k) for k, a in self.archs.items()))
        front, best = [], float('-inf')
        for cost, neg_score, key in items:
            if -neg_score > best:
                front.append(self.archs[key])
                best = -neg_score
        return front

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict:
        return dict(population=self.population, scores=self.scores, archs=self.archs,
                    generation=self.generation, history=self.history,
                    rng=self.rng.getstate())

    def load_state_dict(self, state: dict) -> None:
        self.population = state['population']
        self.scores = {k: float(v) for k, v in state['scores'].items()}
        self.archs = state['archs']
        self.generation = int(state['generation'])
        self.history = state['history']
        self.rng.setstate(_tupled(state['rng']))


def plot_pareto(json_paths: Sequence[str], out_png: str) -> None:
    """Accuracy vs FP MACs of the Pareto fronts in ``json_paths`` (one curve per bit-width)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for path in json_paths:
        with open(path) as f:
            data = json.load(f)
        pts = [(p['fp_macs_M'], p['score']) for p in data['pareto']]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], 'o-', label=f"{data['bits']}-bit")
    ax.set_xlabel('FP MACs (M)')
    ax.set_ylabel('top-1 (%)')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


@LOOPS.register_module()
class OQAEvolutionSearchLoop(BaseLoop):
    """Evolutionary search on a trained supernet as the runner's train loop.

    Use it with ``load_from=<supernet checkpoint>`` and ``tools/train.py``.

    Args:
        runner: The runner.
        dataloader: Loader for BN re-calibration (the runner passes ``train_dataloader``).
        eval_dataloader: Held-out split for the fitness (default: ``val_dataloader``).
        evaluator: Fitness evaluator (default: ``val_evaluator``).
        score_key: Metric used as fitness.
        constraint: ``dict(metric='flops'|'bitops'|'eq_flops', max=<MACs/BitOPs/FLOPs>)``.
        population, generations, parent_ratio, mutation_ratio, mutate_prob,
            resolution_mutate_prob: OFA's defaults.
        calib_images: Images per BN re-calibration (OQA: 2000).
        seed: Seed of the search.
        resume: Continue from ``<work_dir>/search_state.json`` if it exists.
    """

    def __init__(self, runner, dataloader, eval_dataloader=None, evaluator=None,
                 score_key: str = 'accuracy/top1', constraint: Optional[dict] = None,
                 population: int = 100, generations: int = 500, parent_ratio: float = 0.25,
                 mutation_ratio: float = 0.5, mutate_prob: float = 0.1,
                 resolution_mutate_prob: float = 0.5, calib_images: int = 2000,
                 seed: int = 0, resume: bool = True) -> None:
        super().__init__(runner, dataloader)
        constraint = dict(constraint or dict(metric='flops', max=300e6))
        if constraint.get('metric') not in METRICS or not isinstance(constraint.get('max'),
                                                                     (int, float)):
            raise ValueError(f"train_cfg.constraint must be dict(metric='flops'|'bitops'|"
                             f"'eq_flops', max=<number>), got {constraint}")
        self.constraint = constraint
        eval_dataloader = eval_dataloader or runner.cfg.get('val_dataloader')
        evaluator = evaluator or runner.cfg.get('val_evaluator')
        if eval_dataloader is None or evaluator is None:
            raise ValueError('OQAEvolutionSearchLoop needs eval_dataloader and evaluator (or '
                             'val_dataloader and val_evaluator in the config)')
        self.eval_loader = runner.build_dataloader(eval_dataloader) \
            if isinstance(eval_dataloader, dict) else eval_dataloader
        self.evaluator = runner.build_evaluator(evaluator)
        self.score_key, self.calib_images, self.resume = score_key, calib_images, resume
        self.search_cfg = dict(population=population, generations=generations,
                               parent_ratio=parent_ratio, mutation_ratio=mutation_ratio,
                               mutate_prob=mutate_prob,
                               resolution_mutate_prob=resolution_mutate_prob, seed=seed)
        self._iter = 0

    # mmengine's Runner.train reads these
    @property
    def max_iters(self) -> int:
        return self.search_cfg['generations']

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def max_epochs(self) -> int:
        return 1

    @property
    def epoch(self) -> int:
        return 0

    @property
    def model(self):
        m = self.runner.model
        return m.module if hasattr(m, 'module') else m

    def counts(self, arch: dict) -> dict:
        bb = self.model.backbone
        return count_subnet(arch, bits=bb.bits, num_classes=self.model.head.num_classes,
                            ks_list=bb.ks_list, expand_list=bb.expand_list,
                            depth_list=bb.depth_list, **bb.widths)

    def cost(self, arch: dict) -> float:
        return self.counts(arch)[METRICS[self.constraint['metric']]]

    def evaluate(self, arch: dict) -> float:
        """Set the subnet, re-calibrate BN, evaluate on the held-out split."""
        model = self.model
        model.set_eval_subnet(arch)
        recalibrate_bn(model, self.dataloader, self.calib_images)
        for batch in self.eval_loader:
            outputs = model.val_step(batch)
            self.evaluator.process(data_samples=outputs, data_batch=batch)
        metrics = self.evaluator.evaluate(len(self.eval_loader.dataset))
        if self.score_key not in metrics:
            raise ValueError(f'train_cfg.score_key {self.score_key!r} is not a metric of the '
                             f'evaluator (got {sorted(metrics)})')
        return float(metrics[self.score_key])

    def _state_path(self) -> str:
        return osp.join(self.runner.work_dir, 'search_state.json')

    def _save(self, searcher: EvolutionSearcher) -> None:
        self._iter = searcher.generation
        best = searcher._ranked()[0]
        print_log(f'search generation {searcher.generation}/{searcher.generations}: best '
                  f'{searcher.score(best):.2f} at {self.cost(best) / 1e6:.2f}M '
                  f"{self.constraint['metric']} ({len(searcher.scores)} subnets evaluated)",
                  logger='current')
        if is_main_process():
            state = dict(searcher.state_dict(), config=self._fingerprint())
            tmp = self._state_path() + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(state, f)
            import os
            os.replace(tmp, self._state_path())

    def _fingerprint(self) -> dict:
        return dict(self.search_cfg, constraint=self.constraint,
                    bits=self.model.backbone.bits)

    def run(self):
        space = self.model.backbone.arch_space()
        searcher = EvolutionSearcher(space, self.cost, self.evaluate, self.constraint['max'],
                                     **self.search_cfg)
        if self.resume and osp.isfile(self._state_path()):
            with open(self._state_path()) as f:
                state = json.load(f)
            saved = state.get('config')
            if saved != json.loads(json.dumps(self._fingerprint())):
                raise ValueError(f'{self._state_path()}: saved by a search with different '
                                 f'settings ({saved}); delete it or use another work_dir')
            searcher.load_state_dict(state)
            print_log(f'search resumed at generation {searcher.generation}', logger='current')
        import time
        start, before = time.perf_counter(), len(searcher.scores)
        best = searcher.run(self._save)
        self.timing = dict(seconds=time.perf_counter() - start,
                           evaluated_this_run=len(searcher.scores) - before)
        result = self.write_results(searcher)
        self.model.set_eval_subnet(best)
        print_log(f"search done: best {result['best']['score']:.2f} ({result['best']['arch']})",
                  logger='current')
        return self.model

    def _row(self, searcher, arch) -> dict:
        c = self.counts(arch)
        return dict(arch=arch_to_str(arch), score=searcher.scores[arch_key(arch)],
                    fp_macs_M=c['fp_macs'] / 1e6, params_M=c['params'] / 1e6,
                    bitops_G=c['bitops'] / 1e9, eq_flops_M=c['eq_flops'] / 1e6)

    def write_results(self, searcher: EvolutionSearcher) -> dict:
        bits = self.model.backbone.bits
        front = searcher.pareto_front()
        result = dict(bits=bits, constraint=self.constraint, score_key=self.score_key,
                      search=self.search_cfg, evaluated=len(searcher.scores),
                      best=self._row(searcher, searcher._ranked()[0]),
                      pareto=[self._row(searcher, a) for a in front],
                      history=searcher.history, timing=getattr(self, 'timing', None))
        print_log(f"Pareto front ({self.constraint['metric']} vs {self.score_key}):\n" +
                  '\n'.join(f"  FP MACs {r['fp_macs_M']:8.3f}M  BitOPs {r['bitops_G']:7.3f}G  "
                             f"eq FLOPs {r['eq_flops_M']:7.3f}M  {r['score']:6.2f}  {r['arch']}"
                             for r in result['pareto']), logger='current')
        if is_main_process():
            path = osp.join(self.runner.work_dir, f'pareto_{bits}bit.json')
            with open(path, 'w') as f:
                json.dump(result, f, indent=1)
            plot_pareto([path], path[:-5] + '.png')
        obj = [result]
        broadcast_object_list(obj)
        return obj[0]
