"""Evolution search: constraint, parents kept, resume gives the same population, Pareto front."""
import json

import pytest

from projects.oqa.search import EvolutionSearcher, arch_key

SPACE = dict(ks=[3, 5, 7], e=[3, 4, 6], d=[2, 3, 4], resolution=[128, 160, 192, 224])


def cost(a):
    return sum(a['ks']) + 2 * sum(a['e']) + 10 * sum(a['d']) + a['resolution'] / 4


def score(a):  # distinct, arch-dependent, cheap
    return (sum(k * (i + 1) for i, k in enumerate(a['ks'])) % 97 + sum(a['d']) * 3 +
            a['resolution'] / 50)


def _searcher(generations=3, **kw):
    return EvolutionSearcher(SPACE, cost, score, max_cost=470.0, population=12,
                             generations=generations, seed=3, **kw)


def test_every_member_meets_the_constraint_and_parents_survive():
    s = _searcher(generations=0)
    s.run()
    for _ in range(3):
        parents = [arch_key(a) for a in s._ranked()[:s.num_parents]]
        s.generations += 1
        s.step()
        keys = [arch_key(a) for a in s.population]
        assert keys[:s.num_parents] == parents
        assert all(cost(a) <= 470.0 for a in s.population)
        assert len(s.population) == 12


def test_best_score_never_decreases():
    s = _searcher(generations=5)
    s.run()
    best = [h['best_score'] for h in s.history]
    assert best == sorted(best) and len(best) == 6


def test_resume_gives_the_same_population():
    full = _searcher(generations=3)
    full.run()
    saved = {}

    class Stop(Exception):
        pass

    def stop_after_one(searcher):
        if searcher.generation == 1:
            saved['state'] = json.loads(json.dumps(searcher.state_dict()))  # as on disk
            raise Stop

    first = _searcher(generations=3)
    with pytest.raises(Stop):
        first.run(stop_after_one)
    resumed = _searcher(generations=3)
    resumed.rng.seed(999)  # the state must restore the RNG
    resumed.load_state_dict(saved['state'])
    resumed.run()
    assert [arch_key(a) for a in resumed.population] == [arch_key(a) for a in full.population]
    assert resumed.scores == full.scores


def test_pareto_front_is_not_dominated():
    s = _searcher(generations=2)
    s.run()
    front = s.pareto_front()
    costs = [cost(a) for a in front]
    scores = [s.scores[arch_key(a)] for a in front]
    assert costs == sorted(costs) and scores == sorted(scores)
    for k, a in s.archs.items():
        assert not any(cost(a) < c and s.scores[k] > sc for c, sc in zip(costs, scores))


def test_impossible_constraint_is_one_line():
    s = EvolutionSearcher(SPACE, cost, score, max_cost=1.0, population=4, generations=1,
                          max_tries=50)
    with pytest.raises(ValueError, match='no subnet under the constraint'):
        s.run()


def test_crossover_and_mutation_use_only_space_values():
    s = _searcher()
    a, b = s.random_arch(), s.random_arch()
    for child in (s.crossover(a, b), s.mutate(a)):
        assert set(child['ks']) <= set(SPACE['ks']) and set(child['e']) <= set(SPACE['e'])
        assert set(child['d']) <= set(SPACE['d'])
    c = s.crossover(a, b)
    assert all(x in (y, z) for x, y, z in zip(c['ks'], a['ks'], b['ks']))
