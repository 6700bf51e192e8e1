"""phy's ``supervisor.task_logger``, for a Supervisor whose actions are synchronous (private).

phy queues each action and the table updates that follow it (the Qt tables answer
asynchronously) in a ``TaskLogger``, and ``Supervisor.block()`` waits for that queue. In
phycore an action has finished, tables included, when its call returns: there is never
a pending task, so this logger only keeps phy's names and a history of what ran.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["TaskLogger"]


class TaskLogger:
    """phy's ``TaskLogger`` over synchronous actions: a task runs when it is enqueued.

    Parameters
    ----------
    cluster_view, similarity_view : object, optional
        phy's tables (phycore: the Supervisor's ``cluster_view`` and ``similarity_view``).
    supervisor : Supervisor, optional
        Whose selection :meth:`last_state` reports.

    Attributes
    ----------
    history : list of tuple
        ``(sender, name, args, kwargs, output)`` of every task run or logged, without
        successive duplicates (phy's ``_history``).
    auto_select_after_action : bool
        phy's flag; phycore's Supervisor selects after its actions itself.
    """

    auto_select_after_action = False

    def __init__(self, cluster_view: Any = None, similarity_view: Any = None, supervisor: Any = None) -> None:
        self.cluster_view, self.similarity_view, self.supervisor = cluster_view, similarity_view, supervisor
        self.history: list[tuple[Any, str, tuple[Any, ...], dict[str, Any], Any]] = []
        self._states: list[tuple[Any, Any, Any, Any]] = []

    def enqueue(self, sender: Any, name: str, *args: Any, output: Any = None, **kwargs: Any) -> Any:
        """Run ``getattr(sender, name)(*args, **kwargs)`` now (phy queues it), log it, return its output."""
        state = self.last_state()
        out = getattr(sender, name)(*args, **kwargs)
        self._log(sender, name, args, kwargs, out, state)
        return out

    def dequeue(self) -> None:
        """The oldest pending task: None, as none is ever pending."""
        return None

    def enqueue_after(self, task: tuple[Any, ...], output: Any) -> None:
        """phy's follow-up selections after ``task``: none to add, the Supervisor's action made them."""

    def process(self) -> None:
        """Run the queued tasks: there are none (tasks run when enqueued)."""

    def has_finished(self) -> bool:
        """Whether every task has run: always True."""
        return True

    def _log(self, sender: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any,
             state: tuple[Any, Any, Any, Any]) -> None:
        args = tuple(a.tolist() if isinstance(a, np.ndarray) else a for a in args)
        task = (sender, name, args, kwargs, output)
        if not self.history or self.history[-1][1:] != task[1:]:
            self.history.append(task)
            self._states.append(state)

    def log(self, sender: Any, name: str, *args: Any, output: Any = None, **kwargs: Any) -> None:
        """Add a task that has run (with its ``output``) to the history."""
        self._log(sender, name, args, kwargs, output, self.last_state())

    def last_task(self, name: str | None = None, name_not_in: tuple[str, ...] = ()) -> tuple[Any, ...] | None:
        """The last task named ``name``, or whose name is not in ``name_not_in`` (None if none)."""
        for task in reversed(self.history):
            if (name and task[1] == name) or (name_not_in and task[1] not in name_not_in):
                return tuple(task)
        return None

    def last_state(self, task: tuple[Any, ...] | None = None) -> tuple[Any, Any, Any, Any]:
        """``(cluster_ids, next_cluster, similar, next_similar)``: the selection now, or just before ``task``.

        ``next_cluster`` and ``next_similar`` are None (phycore's wizard picks the next
        cluster when it moves); without a supervisor every item is None.
        """
        if task is not None:
            return self._states[self.history.index(task)]
        s = self.supervisor
        if s is None:
            return (None, None, None, None)
        return (list(s.selected_clusters) or None, None, list(s.selected_similar) or None, None)

    def show_history(self) -> None:
        """Print the history, one task a line."""
        print("=== History ===")
        for sender, name, args, kwargs, output in self.history:
            print(f"{sender.__class__.__name__: <24} {name: <8}", *args, output, kwargs)
