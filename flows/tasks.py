"""A run's tasks as a stream: read from their sources a task at a time, each once (by id), so a
task file of millions of lines is never a list in memory. Every pass over them (the check before
the run's lock, the commit, the pending scan, the programs) reads the sources again, in the same
order; a run of at most `keep` tasks (`engine.tasks_in_memory`) keeps the list its first whole
pass read and replays it, since an importer's parse costs more per task than a run's
bookkeeping."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from assay.schemas.records import Task


def id_key(task_id: str) -> int:
    """A task id as a compact set member: the hex content id as an int (exact, ~40 bytes)."""
    return int(task_id, 16)


class Tasks:
    """The run's tasks, iterable any number of times, each pass in the same order. `count` is
    known once a pass has gone to the end."""

    def __init__(self, read: Callable[[], Iterable[Task]], keep: int = 0) -> None:
        self._read = read
        self._keep = keep
        self._held: list[Task] | None = None
        self._repeats: set[int] | None = None  # places in the sources of ids seen before
        self.count: int | None = None

    @classmethod
    def of(cls, tasks: Iterable[Task]) -> Tasks:
        """Tasks already in memory (a test's, a caller's list), held as they are."""
        held = list(tasks)
        out = cls(lambda: held, keep=len(held))
        out._held, out.count = held, len(held)
        return out

    def extend(self, tasks: Iterable[Task]) -> None:
        """Add `tasks` to a held list, in place (a domain whose programs add tasks, as the
        proofs domain adds conjectures, keeps its list)."""
        if self._held is None:
            raise TypeError("only tasks held in memory can be extended")
        self._held.extend(tasks)
        self.count = len(self._held)

    def map(self, change: Callable[[Task], Task]) -> Tasks:
        """These tasks, each as `change` makes it (a task as the run sees it), lazily."""
        return Tasks(lambda: (change(t) for t in self), self._keep)

    @property
    def held(self) -> bool:
        """Whether a pass replays a list in memory rather than reading the sources."""
        return self._held is not None

    def __iter__(self) -> Iterator[Task]:
        return self.walk()

    def walk(self, ids: set[int] | None = None) -> Iterator[Task]:
        """Each task once, in source order, gathering their ids (`id_key`) into `ids` where
        given. The first whole pass drops repeated ids with a set of them and notes where in
        the sources the repeats were; later passes skip those places and hold no set."""
        if self._held is not None:
            for task in self._held:
                if ids is not None:
                    ids.add(id_key(task.id))
                yield task
            return
        if self._repeats is not None:
            for place, task in enumerate(self._read()):
                if place not in self._repeats:
                    if ids is not None:
                        ids.add(id_key(task.id))
                    yield task
            return
        seen: set[int] = set() if ids is None else ids
        repeats: set[int] = set()
        held: list[Task] | None = [] if self._keep else None
        count = 0
        for place, task in enumerate(self._read()):
            key = id_key(task.id)
            if key in seen:
                repeats.add(place)
                continue
            seen.add(key)
            count += 1
            if held is not None:
                held.append(task)
                if len(held) > self._keep:
                    held = None
            yield task
        self.count, self._repeats, self._held = count, repeats, held
