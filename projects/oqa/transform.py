"""LSQ quantization as a model transform for any mmpretrain classifier (or mmdet backbone).

The official OQA code only quantizes its own supernet; this applies the same LSQ rule (section 3
of the spec) to any model: every ``nn.Conv2d`` except the first one (the stem, in module
registration order) becomes an :class:`LSQConv2d` with the same weights; Linear layers (the
classifier) stay FP. Switch it on from a config by wrapping the model dict::

    model = dict(type='LSQQuantizedModel', bits=4, grad_scale='batch',
                 model=dict(type='ImageClassifier', ...))

``LSQQuantizedModel`` is a builder registered in ``MODELS``: it returns the inner model itself
(same class, same state-dict keys plus the ``weight_quantizer``/``act_quantizer`` steps).
"""
from typing import Optional, Sequence

from mmpretrain.registry import MODELS
from torch import nn

from .lsq import LSQConv2d


def quantize_convs(model: nn.Module, bits: Optional[int] = 4, grad_scale: str = 'batch',
                   skip_first: bool = True, skip: Sequence[str] = (),
                   signed_act: bool = False) -> nn.Module:
    """Replace the convs of ``model`` in place by :class:`LSQConv2d` copies.

    Args:
        model: Any module.
        bits: Weight and activation bits.
        grad_scale: LSQ step-gradient convention.
        skip_first: Keep the first conv (in ``named_modules`` order) in FP.
        skip: Names of further convs (``named_modules`` names) to keep FP.
        signed_act: Signed input quantizers (ours; default ``False``: unsigned, official).

    Returns:
        ``model`` (modified).
    """
    if not isinstance(bits, int) or bits < 1:
        raise ValueError(f'quantize_convs: bits must be a positive int, got {bits!r}')
    convs = [(name, m) for name, m in model.named_modules()
             if isinstance(m, nn.Conv2d) and not isinstance(m, LSQConv2d)]
    if not convs:
        raise ValueError(f'quantize_convs: {type(model).__name__} has no nn.Conv2d to quantize')
    unknown = set(skip) - {n for n, _ in convs}
    if unknown:
        raise ValueError(f'quantize_convs: skip names {sorted(unknown)} are not convs of '
                         f'{type(model).__name__}')
    for i, (name, conv) in enumerate(convs):
        if (skip_first and i == 0) or name in skip:
            continue
        parent_name, _, attr = name.rpartition('.')
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, LSQConv2d.from_conv(conv, bits, grad_scale, signed_act))
    return model


@MODELS.register_module()
def LSQQuantizedModel(model: dict, bits: int = 4, grad_scale: str = 'batch',
                      skip_first: bool = True, skip: Sequence[str] = (),
                      data_preprocessor: Optional[dict] = None,
                      signed_act: bool = False) -> nn.Module:
    """Build ``model`` and quantize its convs (see :func:`quantize_convs`).

    ``data_preprocessor`` (which the runner fills in from the config's top-level
    ``data_preprocessor``) goes to the inner model unless that sets its own.
    """
    if isinstance(model, dict):
        model = dict(model)
        if data_preprocessor is not None:
            model.setdefault('data_preprocessor', data_preprocessor)
        built = MODELS.build(model)
    else:
        built = model
    return quantize_convs(built, bits, grad_scale, skip_first, skip, signed_act)
