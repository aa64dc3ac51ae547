"""The durable_rules adapter: one engine host per process, behind one lock.

durable_rules keeps a module-global host, starts timer threads per ``Host``, refuses a
ruleset name twice, is not thread-safe and caps live sessions at 1,024 per ruleset
(see docs on the engine). So: one ``Host`` subclass per process with its timer loop
off, rulesets registered once under a name made of year, content hash and compiled
form, every call serialised by a lock, each distinct unit asserted as a fact in its
own session and the session deleted at once. Actions only record the rule id in a
collector outside the engine (writing ``c.s`` would re-assert state).
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from scoring_service.domain.ruleset import MetricValue, Ruleset
from scoring_service.engine.durable_compile import SEEN_RULE, CompiledRuleset, compile_ruleset
from scoring_service.engine.port import group_inputs

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

    def _assert_json(self, ruleset_name: str, text: str) -> None:
        """``Host.assert_fact`` for a fact already written as JSON, actions run at once.

        ``Host.assert_fact`` writes the fact with ``json.dumps``, which gives small doubles
        an exponent the engine refuses; this does what it does (durable_rules 2.0.28) on
        text written by ``number_text``.
        """
        rules = self.get_ruleset(ruleset_name)
        result = durable_rules_engine.assert_fact(rules._handle, text)
        state_handle = rules._handle_result(result, text)  # raises MessageNotHandledException
        failures: list[BaseException] = []

        def complete(error: BaseException | None, state: Any) -> None:
            if error:
                failures.append(error)

        rules.do_actions(state_handle, complete)
        if failures:
            raise failures[0]

    def fire(self, compiled: CompiledRuleset, values: Mapping[str, MetricValue]) -> frozenset[str]:
        """Assert one unit's metrics in a fresh session; the ids of the rules that fired."""
        sid = f"u{next(self._sids)}"
        self.fired, self.errors = [], []
        try:
            self._assert_json(compiled.name, compiled.fact_json(values, sid))
        except MessageNotHandledException:
            # Normal in durable_rules for a fact no rule matches (#286); the sentinel rule
            # matches every fact, so here the session must not be deleted (that crashes).
            raise RuntimeError(f"rule engine did not handle the facts of {sid}") from None
        self.delete_state(compiled.name, sid)  # frees one of the 1,024 live sessions
        if self.errors:
            raise self.errors[0]
        if SEEN_RULE not in self.fired:
            raise RuntimeError(f"rule engine did not run the actions of {sid}")
        return frozenset(self.fired) - {SEEN_RULE}


_host: _ScoringHost | None = None
_lock = threading.RLock()


def _shared_host() -> _ScoringHost:
    global _host
    with _lock:
        if _host is None:
            _host = _ScoringHost()
        return _host


class DurableRulesEngine:
    """Evaluates rules with durable_rules; every instance shares the process's one host."""

    def evaluate(
        self, ruleset: Ruleset, values: Sequence[Mapping[str, MetricValue]]
    ) -> list[frozenset[str]]:
        """The ids of the rules that fire for each input, in input order."""
        compiled = compile_ruleset(ruleset)
        keys, distinct = group_inputs(values, compiled.metrics)
        fired: dict[tuple[MetricValue, ...], frozenset[str]] = {}
        if ruleset.rules:
            with _lock:  # the engine's C core has no locks of its own
                host = _shared_host()
                host.ensure(compiled)
                for key, item in distinct.items():
                    fired[key] = host.fire(compiled, item)
        return [fired.get(key, frozenset()) for key in keys]
