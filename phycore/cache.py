"""Disk and memory caches for per-dataset computations, as phy's ``Context``.

``context.cache(f)`` stores results on disk with joblib ``Memory``;
``context.memcache(f)`` keeps them in a bounded in-memory LRU keyed by the positional
arguments (usually a cluster id), which can be pickled under ``.phy/memcache/`` on close.

Results can never be stale, unlike phy's:

- every key includes a *fingerprint* of the input files (:func:`fingerprint_files`):
  the disk cache lives in a folder named after the fingerprint, and a pickled
  memcache is reloaded only if it was saved with the same fingerprint;
- :meth:`Context.invalidate` (or :meth:`Context.on_cluster`, to connect to the
  ``cluster`` event) drops the memcached results of clusters an action changed.

Unlike phy, cache files cannot run foreign code: both caches are pickles, so phycore
signs what it writes with a key kept in the user folder (:mod:`phycore._trust`) and
ignores (memcache) or clears (disk cache) what this user's phycore did not write, e.g.
the ``.phy/`` of a dataset received from someone else.

The disk cache is keyed by the *values* of the arguments (joblib hashes them), so a
disk-cached function must take what determines its result (e.g. spike ids), not a
cluster id whose spikes may change; per-cluster results belong in the memcache.

Setting the environment variable ``PHY_DISABLE_CACHE`` to anything but ``''``, ``0``,
``false`` or ``no`` disables both caches (the decorators return ``f`` unchanged).

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
import os
import pickle
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from phycore._lru import LRU, MISSING, first_arg_matches, fullname, has_self
from phycore._statefile import read_state_file, write_state_file
from phycore.paths import atomic_open, atomic_write_bytes, fingerprint_files, phy_dir, user_dir
from phycore._trust import sign, user_key, verify

__all__ = ["Context", "fingerprint_files", "cache_disabled"]

logger = logging.getLogger(__name__)
_memory_lock = threading.Lock()  # joblib's Memory is made once per Context, by any thread

F = TypeVar("F", bound=Callable[..., Any])

_MAGIC = b"PHYCMC1\n"  # memcache file: magic, HMAC-SHA256 of the pickle, pickle


def cache_disabled() -> bool:
    """Whether ``PHY_DISABLE_CACHE`` disables the caches.

    Returns
    -------
    bool
        True unless the variable is unset or one of ``''``, ``0``, ``false``, ``no``
        (case-insensitive).
    """
    value = os.environ.get("PHY_DISABLE_CACHE", "").strip().lower()
    return value not in ("", "0", "false", "no")


def _newest_within(items: list[tuple[Any, Any]], max_bytes: int) -> list[tuple[Any, Any]]:
    """The last (most recently used) items whose pickled values fit in ``max_bytes``, in order."""
    kept: list[tuple[Any, Any]] = []
    total = 0
    for key, value in reversed(items):
        try:
            total += len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # unpicklable: not saved, as save_memcache would fail on it
            continue
        if total > max_bytes:
            break
        kept.append((key, value))
    return kept[::-1]


class Context:
    """Disk cache (joblib) and in-memory LRU cache of one dataset.

    Parameters
    ----------
    cache_dir : str or os.PathLike
        Usually ``<data>/.phy`` (see :meth:`from_data_dir`). Created if needed; if it
        cannot be created, disk caching is off and a warning is logged.
    fingerprint : str
        Fingerprint of the input files (:func:`fingerprint_files`). Disk results are
        stored under ``cache_dir/joblib-cache/<fingerprint>/``; folders of other
        fingerprints are deleted at start-up, as they can only hold stale results.
    verbose : int
        Verbosity passed to joblib ``Memory``.
    memcache_size : int
        Maximum number of results kept per memcached function (least recently used
        ones are dropped first).
    enabled : bool
        False turns both caches off for this context, as ``PHY_DISABLE_CACHE`` does for
        all (nothing is created in ``cache_dir``): for work that reads each folder once,
        such as ``phycore batch``.

    Attributes
    ----------
    cache_limit : int
        Size in bytes the disk cache is reduced to when it is first used (2 GiB, as
        phy; joblib is imported then too, not when the Context is made: a GUI's first
        frame needs neither).
    disabled : bool
        True when ``PHY_DISABLE_CACHE`` is set: both decorators return ``f``.

    Examples
    --------
    >>> context = Context(data_dir / ".phy", fingerprint=fingerprint_files(files))  # doctest: +SKIP
    >>> get_best_channel = context.memcache(model.get_best_channel)  # doctest: +SKIP
    >>> connect(context.on_cluster, event="cluster")  # doctest: +SKIP
    """

    cache_limit: int = 2 * 1024**3

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        *,
        fingerprint: str = "",
        verbose: int = 0,
        memcache_size: int = 10_000,
        enabled: bool = True,
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self.fingerprint = fingerprint
        self.verbose = verbose
        self.memcache_size = memcache_size
        self.disabled = cache_disabled() or not enabled
        self._memcaches: dict[str, LRU] = {}
        self._memory: Any = None  # joblib's Memory, made by the first cache()
        self._location: Path | None = None  # where it goes; None: disk caching is off
        if self.disabled:
            logger.info("Caching is off (%s).", "PHY_DISABLE_CACHE is set" if enabled else "enabled=False")
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            logger.warning("Cannot create the cache folder %s (%s): disk caching is off.", self.cache_dir, exc)
            return
        self._set_memory()

    @classmethod
    def from_data_dir(cls, data_dir: str | os.PathLike[str], **kwargs: Any) -> Context:
        """Create the context of a dataset, in ``<data>/.phy`` or its fallback.

        Parameters
        ----------
        data_dir : str or os.PathLike
            The dataset folder. When it is not writable, the cache goes to the user
            folder (see :func:`phycore.paths.phy_dir`) and a warning is logged.
        **kwargs
            Passed to :class:`Context`.

        Returns
        -------
        Context
        """
        return cls(phy_dir(data_dir), **kwargs)

    @property
    def _joblib_root(self) -> Path:
        return self.cache_dir / "joblib-cache"

    def _set_memory(self) -> None:
        self._memory = self._location = None
        key = user_key()
        if key is None:
            logger.warning("Disk caching is off: no signing key (see the warnings above).")
            return
        fp = self.fingerprint or "no-fingerprint"
        if not re.fullmatch(r"[\w-]{1,64}", fp):
            fp = hashlib.blake2b(fp.encode(), digest_size=16).hexdigest()
        location = self._joblib_root / fp
        marker = location / ".signature"
        signature = sign(key, b"joblib-cache:" + fp.encode())
        try:
            self._prune_other_fingerprints(location)
            if location.exists() and not (marker.is_file() and marker.read_bytes() == signature):
                # joblib unpickles its results: never reuse a cache this user did not write.
                logger.info("Clearing the disk cache %s: not signed by this user's phycore.", location)
                shutil.rmtree(location)
            location.mkdir(parents=True, exist_ok=True)
            if not marker.exists():
                atomic_write_bytes(marker, signature)
            self._location = location
        except OSError as exc:
            logger.warning("Cannot use the disk cache in %s (%s): disk caching is off.", location, exc)

    def _joblib_memory(self) -> Any:
        """joblib's ``Memory`` of :meth:`cache`, made on first use (None: caching is off)."""
        with _memory_lock:
            if self._memory is None and self._location is not None:
                from joblib import Memory

                try:
                    memory = Memory(location=str(self._location), mmap_mode=None, verbose=self.verbose)
                    memory.reduce_size(bytes_limit=self.cache_limit)
                except OSError as exc:
                    logger.warning("Cannot use the disk cache in %s (%s): disk caching is off.",
                                   self._location, exc)
                    self._location = None
                else:
                    self._memory = memory
            return self._memory

    def _prune_other_fingerprints(self, keep: Path) -> None:
        if not self._joblib_root.is_dir():
            return
        for sub in self._joblib_root.iterdir():
            if sub.is_dir() and sub != keep:
                logger.debug("Remove the stale disk cache %s.", sub)
                shutil.rmtree(sub, ignore_errors=True)

    def cache(self, f: F) -> F:
        """Cache ``f`` on disk with joblib; a first parameter named ``self`` is ignored.

        Parameters
        ----------
        f : callable
            A function whose arguments determine its result and can be hashed by
            joblib (numbers, strings, numpy arrays...).

        Returns
        -------
        callable
            The joblib-cached function, or ``f`` itself when caching is off.
        """
        memory = self._joblib_memory()
        if memory is None:
            return f
        # joblib passes a bound method's instance as ``self``: never hash the model.
        try:
            has_self = "self" in inspect.getfullargspec(f).args
        except TypeError:
            has_self = False
        ignore = ["self"] if has_self else None
        return cast(F, memory.cache(f, ignore=ignore))  # joblib is untyped

    def _memcache_path(self, name: str) -> Path:
        safe = re.sub(r"[^\w.-]", "_", name)  # <locals>, <lambda>: fine on every OS
        return self.cache_dir / "memcache" / f"{safe}.pkl"

    def memcache(self, f: F) -> F:
        """Cache ``f`` in memory, keyed by its positional arguments.

        The first positional argument (after ``self`` for a plain function taking
        ``self``) is what :meth:`invalidate` matches, so it should be the cluster id
        (or a tuple of cluster ids). Keyword arguments are part of the key too.
        ``None`` results are cached. Calls with unhashable arguments are not cached.
        Results saved by :meth:`save_memcache` under the same fingerprint are reloaded.

        Parameters
        ----------
        f : callable
            Function or bound method to cache.

        Returns
        -------
        callable
            The cached function (``f`` itself when caching is off). Its ``cache_clear()``
            empties its cache; its ``peek(*args)`` returns a cached result or None,
            without computing.
        """
        if self.disabled:
            return f
        name = fullname(f)
        lru = self._memcaches.get(name)
        if lru is None:
            lru = LRU(self.memcache_size, self._load_memcache_file(name))
            self._memcaches[name] = lru
        skip = 1 if has_self(f) else 0

        @functools.wraps(f)
        def memcached(*args: Any, **kwargs: Any) -> Any:
            key: Any = tuple(args[skip:])
            if kwargs:
                key = key + (("__kwargs__", tuple(sorted(kwargs.items()))),)
            try:
                out = lru.get(key)
            except TypeError:  # unhashable arguments
                return f(*args, **kwargs)
            if out is MISSING:
                out = f(*args, **kwargs)
                lru.put(key, out)
            return out

        setattr(memcached, "cache_clear", lambda: lru.data.clear())  # a new function attribute

        def peek(*args: Any) -> Any:
            # The cached result of these positional arguments, or None: never computes.
            out = lru.get(tuple(args))
            return None if out is MISSING else out

        setattr(memcached, "peek", peek)
        return cast(F, memcached)  # functools.wraps kept f's name and signature

    def invalidate(self, cluster_ids: Iterable[int]) -> int:
        """Drop the memcached results whose first argument is one of ``cluster_ids``.

        Parameters
        ----------
        cluster_ids : iterable of int
            Clusters whose results must be recomputed. A first argument that is a
            tuple or frozenset of ids is dropped if it contains any of them.

        Returns
        -------
        int
            The number of results dropped.
        """
        ids = frozenset(int(i) for i in cluster_ids)
        if not ids:
            return 0
        return sum(lru.drop(ids) for lru in self._memcaches.values())

    def on_cluster(self, sender: object, up: object) -> None:
        """Handler for the ``cluster`` event: invalidate ``up.added`` and ``up.deleted``.

        Parameters
        ----------
        sender : object
            The emitter (unused).
        up : UpdateInfo
            What the action changed. Metadata-only changes (labels) keep the results,
            since memcached functions compute from spikes, not labels.
        """
        ids = list(getattr(up, "added", None) or []) + list(getattr(up, "deleted", None) or [])
        self.invalidate(ids)

    def _load_memcache_file(self, name: str) -> dict[Any, Any]:
        path = self._memcache_path(name)
        if not path.exists():
            return {}
        key = user_key()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            logger.warning("Ignoring the unreadable memcache file %s: %s", path, exc)
            return {}
        header, signature, body = raw[:len(_MAGIC)], raw[len(_MAGIC):len(_MAGIC) + 32], raw[len(_MAGIC) + 32:]
        if key is None or header != _MAGIC or not verify(key, body, signature):
            # Never unpickle what this user did not write (phy's files, a copied dataset).
            logger.info("Ignoring the memcache file %s: not signed by this user's phycore.", path)
            return {}
        try:
            payload = pickle.loads(body)
        except Exception as exc:  # e.g. a result class that no longer exists
            logger.warning("Ignoring the unreadable memcache file %s: %s", path, exc)
            return {}
        if not (isinstance(payload, dict) and isinstance(payload.get("entries"), dict)):
            return {}
        if payload.get("fingerprint") != self.fingerprint:
            logger.debug("Ignoring %s: the input files changed since it was saved.", path)
            return {}
        logger.debug("Loaded %d memcached results from %s.", len(payload["entries"]), path)
        return dict(payload["entries"])

    def load_memcache(self, name: str) -> dict[Any, Any]:
        """Return the saved memcache of function ``name`` (``module.qualname``).

        Parameters
        ----------
        name : str
            Full name of the memcached function.

        Returns
        -------
        dict
            Argument tuple -> result; empty if nothing valid was saved for the current
            fingerprint.
        """
        if name in self._memcaches:
            return dict(self._memcaches[name].data)
        return self._load_memcache_file(name)

    def save_memcache(self, *, fingerprint: str | None = None, cluster_ids: Sequence[int] | None = None,
                      max_bytes: int | None = None) -> None:
        """Pickle every memcache to ``cache_dir/memcache/<module.qualname>.pkl``.

        Each file is written atomically. Errors are logged, never raised.

        Parameters
        ----------
        fingerprint : str, optional
            Fingerprint to store, if the input files changed during the session (e.g.
            ``spike_clusters.npy`` was saved). Defaults to :attr:`fingerprint`.
        cluster_ids : sequence of int, optional
            Keep only results whose first argument is one of these ids, e.g. the
            clusters of the ``spike_clusters.npy`` on disk, so results of unsaved
            clusters are never reloaded for a reused id.
        max_bytes : int, optional
            Per function, keep only the most recently used results whose pickles add up
            to at most this many bytes (e.g. so that closing a session stays quick).
        """
        if self.disabled or not self._memcaches:
            return
        key = user_key()
        if key is None:
            logger.warning("The memcache is not saved: no signing key (see the warnings above).")
            return
        keep = frozenset(int(i) for i in cluster_ids) if cluster_ids is not None else None
        folder = self.cache_dir / "memcache"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            logger.warning("Cannot save the memcache in %s: %s", folder, exc)
            return
        for name, lru in self._memcaches.items():
            with lru.lock:
                items = [(k, v) for k, v in lru.data.items() if keep is None or first_arg_matches(k, keep)]
            if max_bytes is not None:
                items = _newest_within(items, max_bytes)
            entries = dict(items)
            payload = {"fingerprint": fingerprint if fingerprint is not None else self.fingerprint,
                       "entries": entries}
            path = self._memcache_path(name)
            try:
                body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
                with atomic_open(path) as f:
                    f.write(_MAGIC + sign(key, body) + body)
            except Exception as exc:  # unpicklable results or a full disk: skip this one
                logger.warning("Cannot save the memcache file %s: %s", path, exc)

    # Small named files, as phy's ``Context.save`` / ``Context.load`` ------------------

    def _path(self, name: str, location: str, ext: str) -> Path:
        if location not in ("local", "global"):
            raise ValueError(f"location must be 'local' or 'global', not {location!r}.")
        return (self.cache_dir if location == "local" else user_dir()) / f"{name}{ext}"

    def save(self, name: str, data: Any, location: str = "local", kind: str = "json") -> None:
        """Save ``data`` to ``<cache_dir>/<name>.json`` (or ``.pkl``), as phy's ``Context.save``.

        Parameters
        ----------
        name : str
            File name without extension (may contain ``/`` for a sub-folder).
        data : dict or object
            A dict of JSON values and numpy arrays for ``kind='json'`` (integer keys are
            written as strings and read back as ints, arrays as phy encodes them); any
            picklable object for ``kind='pickle'``.
        location : {'local', 'global'}
            ``'local'``: the dataset's ``.phy`` folder (:attr:`cache_dir`); ``'global'``:
            the user folder (``~/.phy``, see :func:`phycore.paths.user_dir`).
        kind : {'json', 'pickle'}
            File format. Pickles are signed (a ``.<name>.pkl.sig`` file next to them) so
            that :meth:`load` never unpickles a file this user's phycore did not write.

        Raises
        ------
        OSError
            The file cannot be written (phy raises too).
        """
        if kind == "json":
            write_state_file(self._path(name, location, ".json"), data)
            return
        if kind != "pickle":
            raise ValueError(f"kind must be 'json' or 'pickle', not {kind!r}.")
        path = self._path(name, location, ".pkl")
        body = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        key = user_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, body)  # a plain pickle: phy's load (joblib.load) reads it
        if key is not None:
            atomic_write_bytes(path.with_name(f".{path.name}.sig"), sign(key, body))

    def load(self, name: str, location: str = "local") -> Any:
        """Load what :meth:`save` wrote: ``<name>.json`` first, then ``<name>.pkl``.

        Parameters
        ----------
        name : str
        location : {'local', 'global'}

        Returns
        -------
        object
            The saved data; ``{}`` when there is no file (as phy), when the JSON file is
            corrupt, or when the pickle was not signed by this user's phycore (e.g.
            written by phy or received with a dataset), which is never unpickled.
        """
        path = self._path(name, location, ".json")
        if path.exists():
            try:
                return read_state_file(path)
            except (OSError, ValueError) as exc:  # StateFileError is a ValueError
                logger.warning("Ignoring %s: %s", path, exc)
                return {}
        path = self._path(name, location, ".pkl")
        if not path.exists():
            logger.debug("The file %s does not exist.", path)
            return {}
        key = user_key()
        try:
            body = path.read_bytes()
            signature = path.with_name(f".{path.name}.sig").read_bytes()
        except OSError:
            signature, body = b"", b""
        if key is None or not verify(key, body, signature):
            logger.warning("Ignoring %s: not signed by this user's phycore, so never unpickled.", path)
            return {}
        return pickle.loads(body)

    def clear(self) -> None:
        """Empty both caches, in memory and on disk (phy's ``--clear-cache``)."""
        for lru in self._memcaches.values():
            with lru.lock:
                lru.data.clear()
        for sub in ("memcache", "joblib-cache", "templates"):  # templates: TemplateModel.prefetch_templates
            shutil.rmtree(self.cache_dir / sub, ignore_errors=True)
        if not self.disabled and self._location is not None:
            with contextlib.suppress(OSError):
                self._set_memory()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable as phy's (e.g. sent to a worker process): without the memory caches
        # (they hold locks) and with the joblib cache re-opened on the other side.
        state = self.__dict__.copy()
        state["_memcaches"], state["_memory"], state["_location"] = {}, None, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if not self.disabled and self.cache_dir.is_dir():
            self._set_memory()

    def __repr__(self) -> str:
        state = "disabled" if self.disabled else f"fingerprint={self.fingerprint[:8] or '-'}"
        return f"<Context {self.cache_dir} {state}>"

