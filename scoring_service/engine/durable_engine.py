"""The durable_rules adapter: one engine host per process, behind one lock.

durable_rules keeps a module-global host, starts timer threads per ``Host``, refuses a
ruleset name twice, is not thread-safe and caps live sessions at 1,024 per ruleset
(see docs on the engine). So: one ``Host`` subclass per process with its timer loop
off, rulesets registered once under a name made of year, content hash and compiled
form, every call serialised by a lock, each distinct unit asserted as a fact in its
own session and the session deleted at once. Actions only record the rule id in a
collector outside the engine (writing ``c.s`` would re-assert state). The rules that
fired for a metric key are kept (``_fired``, bounded): the next evaluation of the same key
under the same compiled rule set does not reach the engine.

Time limit. The engine's C core cannot be interrupted from Python (a watchdog thread
would wait for the lock the stuck call holds), but it does not loop inside one call:
durable_rules runs actions in a Python loop, asking the core for the next action after
each one. That loop is written here (``_run_actions``, as ``Ruleset.do_actions`` does it)
so that it stops past the evaluation's deadline, and at once when a rule fires for one
fact more often than it has branches (``CompiledRuleset.branches``), which a rule set
compiled here never does: the action is abandoned, the unit's session deleted and
``RuleEvaluationStopped`` raised; the host and its rulesets stay registered for the next
request. Waiting for the lock counts against the same deadline. What is left inside one
C call (registering a ruleset, asserting a fact) is bounded by the rule file checks
instead: the size of each condition and the branches of a year's rules (``rules.checks``).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from scoring_service.domain.ruleset import MetricValue, Rule, Ruleset
from scoring_service.engine.durable_compile import SEEN_RULE, CompiledRuleset, compile_ruleset
from scoring_service.engine.port import (
    DEFAULT_TIME_LIMIT,
    Clock,
    Deadline,
    MetricKey,
    RuleEvaluationStopped,
    group_inputs,
)
from scoring_service.i18n import gettext as _

Action = Callable[[Any], None]


class _ScoringHost(Host):  # type: ignore[misc]
    """A host whose actions come from a whitelist and whose timer threads never start."""

    def __init__(self) -> None:
        self._whitelist: dict[str, Action] = {}
        self._registered: set[str] = set()
        self._sids = itertools.count()
        self.fired: list[str] = []
        self.errors: list[BaseException] = []
        super().__init__()

    def _run(self) -> None:
        # The base class starts two immortal timer threads for timers and asynchronous
        # actions; every action here is synchronous, so none is needed.
        return None

    def get_action(self, action_name: str) -> Action:
        try:
            return self._whitelist[action_name]
        except KeyError:
            raise LookupError(f"no rule engine action named {action_name!r}") from None

    def _recorder(self, rule_id: str) -> Action:
        """The action of one rule: note its id in the collector."""

        def record(c: Any) -> None:  # one parameter: durable runs it synchronously
            self.fired.append(rule_id)

        return record

    def _guarded(self, action: Action) -> Action:
        """``action``, its exceptions kept for re-raising (the engine would swallow them, #305)."""

        def run(c: Any) -> None:
            try:
                action(c)
            except BaseException as error:
                self.errors.append(error)

        return run

    def ensure(self, compiled: CompiledRuleset) -> None:
        """Register a compiled ruleset unless this host already has it."""
        if compiled.name in self._registered:
            return
        for action, rule_id in compiled.actions.items():
            self._whitelist[action] = self._guarded(self._recorder(rule_id))
        # Registration deletes "run" from the dict it is given: give it a copy.
        self.set_rulesets({compiled.name: copy.deepcopy(compiled.definition)})
        self._registered.add(compiled.name)

    def _assert_json(self, compiled: CompiledRuleset, text: str, deadline: Deadline) -> None:
        """``Host.assert_fact`` for a fact already written as JSON, actions run at once.

        ``Host.assert_fact`` writes the fact with ``json.dumps``, which gives small doubles
        an exponent the engine refuses; this does what it does (durable_rules 2.0.28) on
        text written by ``number_text``.
        """
        rules = self.get_ruleset(compiled.name)
        result = durable_rules_engine.assert_fact(rules._handle, text)
        state_handle = rules._handle_result(result, text)  # raises MessageNotHandledException
        self._run_actions(compiled, rules, state_handle, deadline)

    def _run_actions(
        self, compiled: CompiledRuleset, rules: Any, state_handle: Any, deadline: Deadline
    ) -> None:
        """``Ruleset.do_actions`` (durable_rules 2.0.28) for synchronous actions that leave
        the state alone, stopped past the deadline or when a rule fires more often than
        it has branches."""
        handle = rules._handle
        started = durable_rules_engine.start_action_for_state(handle, state_handle)
        if not started:
            return
        state_text, message_text = started[0], started[1]
        while message_text:
            rule_id = _rule_of(message_text)
            if self.fired.count(rule_id) >= compiled.branches.get(rule_id, 1):
                durable_rules_engine.abandon_action(handle, state_handle)
                raise RuleEvaluationStopped(
                    _(
                        "the rule engine kept firing rule %(rule)s of %(year)s for one unit and "
                        "was stopped; nothing was stored. The rule's condition needs checking",
                        rule=rule_id,
                        year=deadline.ruleset.year,
                    )
                )
            if deadline.clock() > deadline.end:
                durable_rules_engine.abandon_action(handle, state_handle)
                raise deadline.expired()
            # The rule's action records its id; it reads no context.
            self._whitelist[f"{compiled.name}/{rule_id}"](None)
            durable_rules_engine.update_state(handle, state_text)
            message_text = durable_rules_engine.complete_and_start_action(handle, state_handle)

    def fire(
        self, compiled: CompiledRuleset, values: Mapping[str, MetricValue], deadline: Deadline
    ) -> frozenset[str]:
        """Assert one unit's metrics in a fresh session; the ids of the rules that fired."""
        sid = f"u{next(self._sids)}"
        self.fired, self.errors = [], []
        try:
            self._assert_json(compiled, compiled.fact_json(values, sid), deadline)
        except MessageNotHandledException:
            # Normal in durable_rules for a fact no rule matches (#286); the sentinel rule
            # matches every fact, so here the session must not be deleted (that crashes).
            raise RuntimeError(f"rule engine did not handle the facts of {sid}") from None
        except RuleEvaluationStopped:
            self.delete_state(compiled.name, sid)  # the session is not left to the next unit
            raise
        self.delete_state(compiled.name, sid)  # frees one of the 1,024 live sessions
        if self.errors:
            raise self.errors[0]
        if SEEN_RULE not in self.fired:
            raise RuntimeError(f"rule engine did not run the actions of {sid}")
        return frozenset(self.fired) - {SEEN_RULE}


def _rule_of(message_text: str) -> str:
    """The rule an action message is for: its one key, ``{"R1":{...the facts it matched}}``,
    read without parsing the facts (ids are letters, digits, ``_`` and ``-``: no character
    JSON escapes)."""
    end = message_text.find('"', 2)
    if message_text.startswith('{"') and end > 2 and "\\" not in message_text[2:end]:
        return message_text[2:end]
    message: dict[str, Any] = json.loads(message_text)
    return next(iter(message))


_host: _ScoringHost | None = None
_lock = threading.RLock()

# Compiled rule sets by year and content hash, each beside the rules and categories it was
# compiled from: a process compiles a rule set once however often it evaluates it (a rule
# set that reuses a hash for other rules, as tests make, is compiled anew).
_compiled: dict[tuple[int, str], tuple[tuple[Rule, ...], tuple[str, ...], CompiledRuleset]] = {}
COMPILED_KEPT = 64


def compiled_form(ruleset: Ruleset) -> CompiledRuleset:
    """``compile_ruleset(ruleset)``, once per rule set and process."""
    key = (ruleset.year, ruleset.content_hash)
    categories = tuple(ruleset.catalogue.categories)
    with _lock:
        held = _compiled.get(key)
    if held is not None and held[0] == ruleset.rules and held[1] == categories:
        return held[2]
    compiled = compile_ruleset(ruleset)
    with _lock:
        if key not in _compiled and len(_compiled) >= COMPILED_KEPT:
            del _compiled[next(iter(_compiled))]  # the oldest
        _compiled[key] = (ruleset.rules, categories, compiled)
    return compiled


# Metric keys kept with the rules they fired, over every compiled rule set, the least
# recently used first out. At scale 50 (a province) the year's score rows and month ends
# hold some 7,000 distinct keys, which the pages evaluate again after every write, and the
# way up of its county with most findings some 63,000, each used once: 100,000 keys keep
# the former while such a way up passes through, in some 34 MiB (about 350 bytes a key,
# measured with tracemalloc). A larger year's keys would not all stay: those evaluated
# again then cost what they cost without the memo.
FIRED_KEPT = 100_000


class _FiredMemo:
    """The rules that fired, by compiled rule set name and metric key; at most ``size``
    keys. Callers hold ``_lock``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[str, MetricKey], frozenset[str]] = OrderedDict()
        # Thousands of keys fire one of a few sets of rules: equal sets are kept once.
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    def get(self, name: str, key: MetricKey) -> frozenset[str] | None:
        """The ids kept for ``key`` under rule set ``name``, or None."""
        found = self._kept.get((name, key))
        if found is not None:
            self._kept.move_to_end((name, key))
        return found

    def put(self, name: str, key: MetricKey, fired: frozenset[str]) -> None:
        """Keep ``fired`` for ``key``; past ``size`` keys the least recently used goes."""
        if len(self._sets) >= self.size:
            self._sets.clear()
        self._kept[(name, key)] = self._sets.setdefault(fired, fired)
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()
        self._sets.clear()

    def __len__(self) -> int:
        return len(self._kept)


_fired = _FiredMemo(FIRED_KEPT)


def forget_evaluations() -> None:
    """Forget the evaluations kept, so that the next ones go to the engine (to time it)."""
    with _lock:
        _fired.clear()


def _shared_host() -> _ScoringHost:
    global _host
    with _lock:
        if _host is None:
            _host = _ScoringHost()
        return _host


class DurableRulesEngine:
    """Evaluates rules with durable_rules; every instance shares the process's one host.
    Each evaluation is stopped (``RuleEvaluationStopped``) past ``time_limit`` seconds."""

    def __init__(
        self, time_limit: float = DEFAULT_TIME_LIMIT, clock: Clock = time.monotonic
    ) -> None:
        self.time_limit = time_limit
        self.clock = clock

    def evaluate(
        self, ruleset: Ruleset, values: Sequence[Mapping[str, MetricValue]]
    ) -> list[frozenset[str]]:
        """The ids of the rules that fire for each input, in input order.

        Rules are pure functions of the metrics they read, and the compiled rule set's name
        identifies them: a key the process evaluated before is answered from ``_fired``
        (scores after a write differ from the last ones in a few units). A key whose
        evaluation fails is not kept."""
        deadline = Deadline(ruleset, self.time_limit, self.clock)
        compiled = compiled_form(ruleset)
        keys, distinct = group_inputs(values, compiled.metrics)
        fired: dict[MetricKey, frozenset[str]] = {}
        if ruleset.rules:
            # The engine's C core has no locks of its own; waiting counts against the limit.
            if not _lock.acquire(timeout=deadline.remaining()):
                raise deadline.expired()
            try:
                host = _shared_host()
                host.ensure(compiled)
                for key, item in distinct.items():
                    deadline.check()
                    known = _fired.get(compiled.name, key)
                    if known is None:
                        known = host.fire(compiled, item, deadline)
                        _fired.put(compiled.name, key, known)
                    fired[key] = known
            finally:
                _lock.release()
        return [fired.get(key, frozenset()) for key in keys]
