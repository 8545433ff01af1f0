"""What Rasa hands a graph component when it creates one (as in Rasa's own component tests)."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource


@pytest.fixture
def component_args(tmp_path):
    """model_storage, resource and execution_context for `Component.create(config, *component_args)`."""
    return (
        LocalModelStorage(tmp_path / "model_storage"),
        Resource("component"),
        ExecutionContext(GraphSchema({}), "123"),
    )
