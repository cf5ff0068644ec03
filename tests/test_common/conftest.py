"""Fixtures shared by the tests of projects/common."""
import logging

import pytest
from mmengine.logging import MMLogger


@pytest.fixture
def warnings_logged():
    """Messages of the WARNING records mmengine's current logger emits during the test."""
    logger, records = MMLogger.get_current_instance(), []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
