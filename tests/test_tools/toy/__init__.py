"""A toy regression model and data set registered in mmengine, for fast runner-level tests of
tools/train.py (checkpoint saving, killing and resuming) in a few seconds."""
from .toy_regression import ToyMSE, ToyRegressionData, ToyRegressor

__all__ = ['ToyMSE', 'ToyRegressionData', 'ToyRegressor']
