"""The served model's graph is run node after node in the order it needs them, without dask.

Rasa runs its prediction graph (the NLU pipeline for each message, the policies for each
prediction, three or four runs a turn) with dask's synchronous scheduler: one thread, one node
at a time. Dask's bookkeeping around that (ordering the graph, a queue and a future per node,
the minimal graph worked out again for each run) was a tenth of the Rasa server's time per turn
under py-spy, more than any one component but the classifier. `InOrderGraphRunner` runs the same
nodes with the same inputs, each once, a node after the nodes it needs: what dask's synchronous
scheduler does, without the bookkeeping. Only the served model uses it (the Rasa server's
MessageProcessor); training keeps dask.

Once its nodes are loaded, everything the server has built is frozen out of the garbage
collector's reach (`gc.freeze`): the model lives as long as the server, and a full collection
walked its half a million objects, a pause of about 0.25 s for every committee whose turn was
under way (measured 2026-12-07; in the benchmark, one such pause during an export doubled the
others' p95). The action server does the same once its Planner is loaded (rasa_sdk_plugins).
"""

from __future__ import annotations

import gc
from typing import Any, cast

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphNodeHook, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelStorage


class InOrderGraphRunner(DaskGraphRunner):
    def __init__(
        self,
        graph_schema: GraphSchema,
        model_storage: ModelStorage,
        execution_context: ExecutionContext,
        hooks: list[GraphNodeHook] | None = None,
    ) -> None:
        super().__init__(graph_schema, model_storage, execution_context, hooks)
        gc.collect()  # what loading left behind is let go, not frozen
        gc.freeze()

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        given = inputs or {}
        nodes = self._graph_schema.nodes
        for value in given.values():
            if isinstance(value, str) and value in nodes:  # Rasa's own check (DaskGraphRunner)
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the "
                    f"input names passed to the `run` method are the same as node names in the graph schema."
                )
        done: dict[str, tuple[str, Any] | str] = {}

        def output(name: str) -> tuple[str, Any] | str:
            # Each node gets what dask gives it: its needs' (name, output) pairs, in order, and
            # the bare name of a need nobody provides (the node says so, or fails for want of it).
            if name in given:
                return name, given[name]
            if name not in nodes:
                return name
            if name not in done:
                needs = nodes[name].needs.values()
                done[name] = self._instantiated_nodes[name](*(output(need) for need in needs))
            return done[name]

        try:
            return dict(cast(tuple[str, Any], output(target)) for target in targets or self._graph_schema.target_names)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error


def run_the_served_graph_in_order() -> None:
    rasa.core.processor.DaskGraphRunner = InOrderGraphRunner
