"""Budgets for symbolic work: every step ends in a result, an error or "undecided (budget exceeded)", never a hang.

SymPy has no time limit of its own, and a short valid string (``sin(x)**64*cos(x)**64``, thirty nested
``exp``) can keep ``simplify``, ``function_range`` or ``solveset`` busy for minutes.  Two budgets bound it:

* **time** -- :func:`time_limit` interrupts the work inside it after ``seconds`` (a ``SIGALRM`` timer, so it
  applies in the main thread of a process: the CLI, scripts, notebooks, ``python -m paper_checks`` and its
  worker processes).  In another thread it cannot interrupt and only the size budget applies.
* **size** -- :func:`check_size` refuses expressions with more than ``BUDGET["ops"]`` operations before the
  expensive steps start, and a sum over a product is multiplied out only up to ``BUDGET["terms"]`` terms
  (the derivative of thirty nested ``tanh`` is a 30-fold product: 2^30 terms).

``BUDGET`` holds the defaults; change them for a session with :func:`set_budget` (e.g.
``set_budget(seconds=60)`` for a patient certificate), or per call where a function takes ``budget=``.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sympy as sp

__all__ = ["BUDGET", "BudgetExceeded", "time_limit", "attempt", "deadline", "check_size", "set_budget", "budgets", "simplify"]

#: ``seconds``: a whole certificate; ``step_seconds``: one rewrite or solver call inside it;
#: ``ops``: the largest expression (``sympy.count_ops``) a symbolic step accepts;
#: ``terms``: the most terms a sum of a product is multiplied out to (``VSum`` splits sums by linearity);
#: ``derive_seconds``: all budgeted steps of one ``amwb derive`` together (:func:`deadline`).
BUDGET = {"seconds": 5.0, "step_seconds": 1.5, "ops": 5000, "terms": 256, "derive_seconds": 5.0}

_DEADLINE: list = [None]  # monotonic time by which every budgeted step must have ended (see deadline())


class BudgetExceeded(BaseException):  # noqa: N818 - reads as what happened
    """A symbolic step ran past its time or size budget.

    A ``BaseException``, so that the ``except Exception`` of a rule that "just tries the next rewrite" cannot
    swallow an *outer* budget and run on without one; :func:`attempt` catches only its own.
    """

    def __init__(self, message: str, owner: object = None):
        super().__init__(message)
        self.owner = owner


def set_budget(**values: float) -> dict:
    """Change the default budgets (``seconds``, ``step_seconds``, ``ops``, ``terms``); returns the previous ones."""
    bad = set(values) - set(BUDGET)
    if bad:
        raise ValueError(f"set_budget takes {sorted(BUDGET)}; got unexpected {sorted(bad)}.")
    for k, v in values.items():
        if not (isinstance(v, (int, float)) and v > 0):
            raise ValueError(f"Argument `{k}` must be a positive number; got {v!r}.")
    old = dict(BUDGET)
    BUDGET.update(values)
    return old


@contextmanager
def budgets(**values: float) -> Iterator[None]:
    """:func:`set_budget` for the block only: the previous budgets come back on leaving it, also on an error."""
    old = set_budget(**values)
    try:
        yield
    finally:
        BUDGET.update(old)


def _can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _in_finalizer(frame) -> bool:
    """The alarm interrupted a weakref callback or a ``__del__`` (run by the collector inside the budgeted code): an
    exception raised there is printed as "Exception ignored" and lost, and the budget with it."""
    if frame is None:
        return False
    code = frame.f_code
    return code.co_name == "__del__" or code.co_filename.endswith(("weakref.py", "_weakrefset.py"))


@contextmanager
def time_limit(seconds: float, what: str, owner: object = None) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` (tagged ``owner``) in the block after ``seconds``; nested limits: the
    earliest deadline fires, as the exception of the limit it belongs to."""
    if not _can_interrupt() or seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    prev_handler = signal.getsignal(signal.SIGALRM)
    prev_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    prev_deadline = time.monotonic() + prev_remaining if prev_remaining > 0 else None
    fire_at = min(deadline, prev_deadline) if prev_deadline else deadline
    mine = fire_at == deadline

    def on_alarm(signum, frame):
        if mine:
            if _in_finalizer(frame):  # Python would print the exception there and go on without a budget: try again soon
                signal.setitimer(signal.ITIMER_REAL, 0.01)
                return
            raise BudgetExceeded(f"{what}: over the {seconds:g} s budget", owner)
        if callable(prev_handler):  # an outer limit fired first: let it raise
            prev_handler(signum, frame)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(fire_at - time.monotonic(), 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, prev_handler)
        if prev_deadline is not None:
            signal.setitimer(signal.ITIMER_REAL, max(prev_deadline - time.monotonic(), 1e-3))


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, every :func:`attempt` ends by ``seconds`` from now (steps shrink as it nears), so a
    whole derivation -- energy, dynamics, checks, certificates -- stays within one budget."""
    prev = _DEADLINE[0]
    mine = time.monotonic() + seconds
    _DEADLINE[0] = mine if prev is None else min(prev, mine)
    try:
        yield
    finally:
        _DEADLINE[0] = prev


def attempt(seconds: float, what: str, fn, *args, **kw) -> tuple[bool, object]:
    """``(True, fn(...))``, or ``(False, reason)`` when ``fn`` runs past ``seconds`` (or past the
    :func:`deadline` in force); an outer budget that fires meanwhile propagates."""
    if _DEADLINE[0] is not None:
        left = _DEADLINE[0] - time.monotonic()
        if left <= 0.05:
            return False, f"{what}: the derivation's deadline has passed (budget exceeded)"
        seconds = min(seconds, left)
    token = object()
    try:
        with time_limit(seconds, what, token):
            return True, fn(*args, **kw)
    except BudgetExceeded as exc:
        if exc.owner is not token:
            raise
        return False, str(exc)


def check_size(e: sp.Basic, what: str, ops: int | None = None) -> None:
    """Raise :class:`BudgetExceeded` if ``e`` has more than ``ops`` operations (default ``BUDGET["ops"]``)."""
    limit = BUDGET["ops"] if ops is None else ops
    n = sp.count_ops(e, visual=False) if isinstance(e, sp.Basic) else 0
    if n > limit:
        raise BudgetExceeded(f"{what}: {n} operations, over the budget of {limit}")


def simplify(e: sp.Expr, what: str = "simplify") -> sp.Expr:
    """``sympy.simplify(e)`` within the step budget, else ``e`` unchanged (a derivation stays correct, only
    less tidy).  Expressions over ``BUDGET["ops"]`` operations are returned as they are."""
    if not isinstance(e, sp.Basic) or sp.count_ops(e, visual=False) > BUDGET["ops"]:
        return e
    done, out = attempt(BUDGET["step_seconds"], what, sp.simplify, e)
    return out if done else e
