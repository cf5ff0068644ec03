"""Stop when a checkpoint does not fit the model, instead of evaluating a half-random network.

mmengine loads checkpoints with ``strict=False``: a file of another model loads with every key
missing, logs a long warning, and ``tools/test.py`` then reports the metrics of a randomly
initialised network with exit code 0. :class:`CheckpointFitHook` runs in mmengine's
``after_load_checkpoint`` stage (after :func:`~mmengine.runner.checkpoint._load_checkpoint`,
before the weights are copied into the model) of the runners ``tools/train.py`` and
``tools/test.py`` start, and raises a one-line :class:`~projects.common.errors.MMPapersError`
that names the file, how much of the model it provides and a few missing or mismatched keys.
``--allow-partial-checkpoint`` turns the error into a warning.

What counts. A checkpoint must provide, with the model's shapes, every tensor of the model's
state dict it could plausibly hold; a shape mismatch always stops. It is not blamed for:

* ``num_batches_tracked`` counters (mmengine ignores them too);
* keys under the prefixes its ``meta['removed_prefixes']`` lists: converters that strip
  weights on purpose record them there (``tools/model_converters/mimicdet_deploy.py``);
* when training starts from it (``load_from`` in ``tools/train.py``, ``purpose='init'``), the
  parameters of modules a method adds to a base network that the file has none of: the graph
  edge sources of DG-Net/TopoNet (:data:`ADDON_MODULES`). A static ResNet's checkpoint cannot
  hold routers or edge weights, and training learns them from their initialisation, so a
  static checkpoint starts a DG-Net without ``--allow-partial-checkpoint``.

The threshold is therefore "all of the tensors counted above" and not a fraction of the model:
a fraction lets the tiny parts that decide the output through (a classifier's last FC is 0.2 %
of the tiny ResNet-18), and a wrong file provides almost nothing anyway. Evaluating
(``tools/test.py``) and resuming count the routers too: a DG-Net with untrained routers is not
the network that was trained (with a static checkpoint its routers weight every edge about 0.5,
sigmoid of an FC initialised near 0, and issue #13 saw chance accuracy on digits), and a
resumed run must continue the same model.

A classifier checkpoint given as ``load_from`` to a detector stops as well: ``load_from`` means
"this model's weights", the neck and head would stay random, and OpenMMLab starts a detector
from classifier weights with the backbone's
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``, which mmengine loads
through its weight initialisation, a path this module does not touch (tested).
"""
import logging
import re
from typing import Any, Dict, List, NamedTuple, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper

from .errors import MMPapersError

PURPOSES = ('evaluate', 'init', 'resume')

#: (module path, class name) of modules a method adds to a base network; a checkpoint of the
#: base network cannot hold their parameters (used for ``purpose='init'`` only). Matched by name
#: along the MRO, so that ``projects.common`` does not import mmpretrain.
ADDON_MODULES: Tuple[Tuple[str, str], ...] = (
    ('projects.common.graph.edge_source', 'EdgeSource'),  # DG-Net routers, TopoNet edges
)

#: How many keys an error message names.
NUM_KEYS_SHOWN = 3

ALLOW_FLAG = '--allow-partial-checkpoint'


class CheckpointFit(NamedTuple):
    """How a state dict fits a model (counts are tensor elements).

    Attributes:
        provided: Elements of the required tensors that the checkpoint provides with the
            model's shape.
        required: Elements of the tensors the checkpoint is expected to provide.
        total: Elements of the model's whole state dict.
        missing: Required keys the checkpoint lacks, in model order.
        mismatched: ``(key, checkpoint shape, model shape)`` of every shape mismatch.
        unexpected: Checkpoint keys the model does not have.
        exempt: Model keys not required (see the module docstring).
    """
    provided: int
    required: int
    total: int
    missing: List[str]
    mismatched: List[Tuple[str, tuple, tuple]]
    unexpected: List[str]
    exempt: List[str]

    @property
    def fits(self) -> bool:
        return not self.missing and not self.mismatched


def _is_addon(module: Any) -> bool:
    return any((cls.__module__, cls.__name__) in ADDON_MODULES for cls in type(module).__mro__)


def addon_prefixes(model: Any) -> List[str]:
    """State-dict prefixes (``'backbone.layer1.edge_source.'``) of the add-on modules."""
    return [name + '.' for name, module in model.named_modules() if name and _is_addon(module)]


def state_dict_of(checkpoint: Any) -> Dict[str, Any]:
    """The state dict of a loaded checkpoint (mmengine's rule: ``'state_dict'`` or itself)."""
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('state_dict'), dict):
        return checkpoint['state_dict']
    if isinstance(checkpoint, dict):
        return checkpoint
    raise MMPapersError(f'a checkpoint must be a dict, got {type(checkpoint).__name__}')


def checkpoint_fit(model: Any,
                   state_dict: Dict[str, Any],
                   purpose: str = 'evaluate',
                   removed_prefixes: Sequence[str] = (),
                   revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )
                   ) -> CheckpointFit:
    """Compare ``state_dict`` with ``model.state_dict()``.

    Args:
        model: The (unwrapped) model.
        state_dict: The checkpoint's state dict (keys as saved).
        purpose: ``'evaluate'`` (tools/test.py), ``'init'`` (load_from in training) or
            ``'resume'``; only ``'init'`` exempts the add-on modules.
        removed_prefixes: Key prefixes the checkpoint's converter stripped on purpose.
        revise_keys: ``(pattern, replacement)`` applied to checkpoint keys, as mmengine does.
    """
    if purpose not in PURPOSES:
        raise ValueError(f'purpose must be one of {PURPOSES}, got {purpose!r}')
    ckpt = {}
    for key, value in state_dict.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        ckpt[key] = value
    own = model.state_dict()
    addons = addon_prefixes(model) if purpose == 'init' else []
    # an add-on is exempt only when the file has none of its keys (a base-network checkpoint)
    addons = [p for p in addons if not any(k.startswith(p) for k in ckpt)]
    removed = tuple(removed_prefixes)
    provided = required = total = 0
    missing, mismatched, exempt = [], [], []
    for key, tensor in own.items():
        numel = int(tensor.numel())
        total += numel
        theirs = ckpt.get(key)
        if theirs is not None and hasattr(theirs, 'shape') and \
                tuple(theirs.shape) != tuple(tensor.shape):
            mismatched.append((key, tuple(theirs.shape), tuple(tensor.shape)))
        if key.endswith('num_batches_tracked') or (removed and key.startswith(removed)) or \
                any(key.startswith(p) for p in addons):
            exempt.append(key)
            continue
        required += numel
        if theirs is None:
            missing.append(key)
        elif hasattr(theirs, 'shape') and tuple(theirs.shape) == tuple(tensor.shape):
            provided += numel
    unexpected = [k for k in ckpt if k not in own]
    return CheckpointFit(provided, required, total, missing, mismatched, unexpected, exempt)


def _some(keys: Sequence[str]) -> str:
    shown = ', '.join(keys[:NUM_KEYS_SHOWN])
    return shown + (f' (+{len(keys) - NUM_KEYS_SHOWN} more)' if len(keys) > NUM_KEYS_SHOWN else '')


def _hint(fit: CheckpointFit, model: Any, purpose: str) -> str:
    addons = addon_prefixes(model)
    if fit.missing and addons and all(any(k.startswith(p) for p in addons) for k in fit.missing):
        return ('only the dynamic-graph edge sources (routers/edge weights) are missing: this is '
                "a static network's checkpoint; evaluate it with the static config, or train "
                'from it with load_from')
    given = {k.split('.', 1)[0] for k, _ in model.state_dict().items()
             if k not in fit.missing and not k.endswith('num_batches_tracked')}
    if purpose == 'init' and given == {'backbone'}:
        return ("it holds only the backbone: start from it with model.backbone.init_cfg="
                "dict(type='Pretrained', checkpoint=..., prefix='backbone.')")
    return ''


def describe_misfit(filename: str, fit: CheckpointFit, model: Any, purpose: str) -> str:
    """The one-line message for a checkpoint that does not fit."""
    pct = 100.0 * fit.provided / fit.required if fit.required else 100.0
    parts = [f'{filename}: does not fit the model: it provides {fit.provided:,} of the '
             f'{fit.required:,} weights (parameter and buffer values) the model needs from it '
             f'({pct:.1f}%)']
    if fit.missing:
        parts.append(f'{len(fit.missing)} keys missing, e.g. {_some(fit.missing)}')
    if fit.mismatched:
        shown = [f'{k} {tuple(a)} vs model {tuple(b)}' for k, a, b in fit.mismatched]
        parts.append(f'{len(fit.mismatched)} shape mismatches, e.g. {_some(shown)}')
    if fit.unexpected:
        parts.append(f'{len(fit.unexpected)} keys the model lacks, e.g. {_some(fit.unexpected)}')
    hint = _hint(fit, model, purpose)
    if hint:
        parts.append(hint)
    return '; '.join(parts) + f'; pass {ALLOW_FLAG} to load it partially anyway'


def check_checkpoint(model: Any,
                     checkpoint: Any,
                     filename: str,
                     purpose: str = 'evaluate',
                     allow_partial: bool = False,
                     revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )
                     ) -> CheckpointFit:
    """Raise :class:`MMPapersError` (or warn, with ``allow_partial``) if ``checkpoint``
    does not fit ``model``; see the module docstring for what is required.

    Args:
        model: The model (DDP wrappers and test-time-augmentation models are unwrapped).
        checkpoint: The loaded checkpoint dict.
        filename: Named in the message.
        purpose: ``'evaluate'``, ``'init'`` or ``'resume'``.
        allow_partial: Warn instead of raising.
        revise_keys: As mmengine's ``Runner.load_checkpoint``.
    """
    # DDP wrappers and --tta's BaseTTAModel load into .module, as mmengine's load_state_dict
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    removed = tuple(meta.get('removed_prefixes') or ()) if isinstance(meta, dict) else ()
    fit = checkpoint_fit(model, state_dict_of(checkpoint), purpose, removed, revise_keys)
    if not fit.fits:
        message = describe_misfit(filename, fit, model, purpose)
        if not allow_partial:
            raise MMPapersError(message)
        print_log(f'{ALLOW_FLAG}: ' + message.rsplit('; pass ', 1)[0], logger='current',
                  level=logging.WARNING)
    return fit


class CheckpointFitHook(Hook):
    """Check every checkpoint a runner loads against its model (``after_load_checkpoint``).

    Registered by :func:`guard_runner`, which also tells it the file name (mmengine's hook
    receives only the loaded dict).

    Args:
        purpose: ``'evaluate'``, ``'init'`` or ``'resume'``.
        allow_partial: Warn instead of stopping.
    """

    priority = 'LOWEST'  # after hooks that rewrite the checkpoint (e.g. EMAHook)

    def __init__(self, purpose: str = 'evaluate', allow_partial: bool = False) -> None:
        if purpose not in PURPOSES:
            raise ValueError(f'purpose must be one of {PURPOSES}, got {purpose!r}')
        self.purpose = purpose
        self.allow_partial = allow_partial
        self.filename = '<checkpoint>'
        self.revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        check_checkpoint(runner.model, checkpoint, self.filename, self.purpose,
                         self.allow_partial, self.revise_keys)


def guard_runner(runner: Any, purpose: str, allow_partial: bool = False) -> CheckpointFitHook:
    """Make ``runner`` stop on checkpoints that do not fit its model.

    Registers a :class:`CheckpointFitHook` and wraps the runner's ``load_checkpoint`` (used by
    both ``load_from`` and ``resume``) so that the hook knows the file it checks.

    Args:
        runner: An mmengine ``Runner``.
        purpose: ``'evaluate'`` (tools/test.py), ``'init'`` (load_from) or ``'resume'``.
        allow_partial: Warn instead of stopping (``--allow-partial-checkpoint``).
    """
    hook = CheckpointFitHook(purpose, allow_partial)
    runner.register_hook(hook)
    original = runner.load_checkpoint

    def load_checkpoint(filename: str, *args, **kwargs):
        hook.filename = str(filename)
        revise = kwargs.get('revise_keys', args[2] if len(args) > 2 else None)
        if revise is not None:
            hook.revise_keys = revise
        return original(filename, *args, **kwargs)

    runner.load_checkpoint = load_checkpoint
    return hook


__all__ = ['ADDON_MODULES', 'CheckpointFit', 'CheckpointFitHook', 'addon_prefixes',
           'check_checkpoint', 'checkpoint_fit', 'describe_misfit', 'guard_runner',
           'state_dict_of']
