"""Rewrite imports for the moves to edge/, server/ and scoring_service/assessment/.

Re-runnable and idempotent: python rewrite_imports.py [ROOT] (default: the current folder).
Rewrites `from X import ...` (splitting names that moved to different modules), `import X`,
`from PKG import module` and any dotted path in text (strings, docs, Makefile)."""

import re
import sys
from pathlib import Path

# old module -> new module (the module moved whole)
MODULES = {
    "api.context": "edge.context",
    "api.auth": "edge.auth",
    "api.throttle": "edge.throttle",
    "api.errors": "edge.errors",
    "api.request_id": "edge.request_id",
    "api.language": "edge.language",
    "api.compression": "edge.compression",
    "api.cors": "edge.cors",
    "web.screenshots": "server.screenshots",
    "scoring_service.services": "scoring_service.assessment.services",
    "scoring_service.trend": "scoring_service.assessment.trend",
    "scoring_service.rules_in_force": "scoring_service.assessment.rules_in_force",
    "scoring_service.results": "scoring_service.assessment.results",
    "scoring_service.due": "scoring_service.assessment.due",
    "scoring_service.way_up": "scoring_service.assessment.way_up",
}
# (old module, name) -> (new module, new name): names that left a module that stays
SYMBOLS = {
    ("api", "create_app"): ("server", "create_app"),
    ("api.auth", "current"): ("edge.context", "current"),
    ("api.context", "Services"): ("scoring_service.bootstrap", "Wiring"),
    ("scoring_service.records.year", "held_year"): (
        "scoring_service.assessment.rules_in_force",
        "held_year",
    ),
    **{
        ("api.routing", n): ("edge.converters", n)
        for n in ("AsciiInteger", "register_converters", "MAX_ID")
    },
    **{("api.routing", n): ("edge.files", n) for n in ("attachment", "CSV", "XLSX")},
    **{
        ("api.schemas", n): ("edge.bodies", n)
        for n in (
            "BodyModel",
            "ExtensionCreate",
            "RectifiedCreate",
            "LookbackFailedCreate",
            "LookbackPassedCreate",
            "EscalatedCreate",
            "EventCreate",
        )
    },
}
# attributes renamed: the app's services are bootstrap.Wiring (settings, sessions)
ATTRIBUTES = [
    (r"\bservices\(\)\.config\b", "services().settings"),
    (r"\bservices\(\)\.db\b", "services().sessions"),
    (r"\bs\.db\b", "s.sessions"),
    (r"\bs\.config\b", "s.settings"),
    (r"\bctx\.config\b", "ctx.settings"),
    (r"\.services\.db\b", ".services.sessions"),
    (r"\.services\.config\b", ".services.settings"),
]

FROM = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<module>[\w.]+) import "
    r"(?:\((?P<paren>[^)]*)\)|(?P<line>[^\n#]*[^\s#]))(?P<comment>[ \t]*#[^\n]*)?$",
    re.M,
)


def _target(module: str, name: str) -> tuple[str, str]:
    if (module, name) in SYMBOLS:
        return SYMBOLS[(module, name)]
    if f"{module}.{name}" in MODULES:  # from PKG import module
        new = MODULES[f"{module}.{name}"]
        parent, _, leaf = new.rpartition(".")
        return parent, leaf if leaf == name else f"{leaf} as {name}"
    return MODULES.get(module, module), name


def _from(match: re.Match[str], renamed: dict[str, str]) -> str:
    module = match["module"]
    names = [
        n.strip()
        for n in (match["paren"] or match["line"]).replace("\n", " ").split(",")
        if n.strip() and not n.strip().startswith("#")
    ]
    groups: dict[str, list[str]] = {}
    for entry in names:
        name, _, alias = entry.partition(" as ")
        new_module, new_name = _target(module, name.strip())
        if " as " in new_name:
            new_name, _, alias2 = new_name.partition(" as ")
            alias = alias or alias2
        elif new_name != name.strip() and not alias:
            renamed[name.strip()] = new_name
        groups.setdefault(new_module, []).append(
            f"{new_name} as {alias.strip()}" if alias else new_name
        )
    if list(groups) == [module] and groups[module] == names:
        return match[0]
    indent = match["indent"]
    lines = []
    for new_module, group in groups.items():
        text = f"{indent}from {new_module} import {', '.join(group)}"
        if len(text) > 100:
            inner = "".join(f"{indent}    {n},\n" for n in group)
            text = f"{indent}from {new_module} import (\n{inner}{indent})"
        lines.append(text)
    return "\n".join(lines) + (match["comment"] or "")


def rewrite(text: str, python: bool) -> str:
    renamed: dict[str, str] = {}
    if python:
        text = FROM.sub(lambda m: _from(m, renamed), text)
        for old, new in renamed.items():
            text = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, text)
        if "services()" in text or ".services" in text or "s.evaluator" in text:
            for pattern, new in ATTRIBUTES:
                text = re.sub(pattern, new, text)
    for (module, name), (new_module, new_name) in SYMBOLS.items():
        text = re.sub(rf"(?<![\w.]){re.escape(module)}\.{name}\b", f"{new_module}.{new_name}", text)
        text = re.sub(rf"(?<![\w.]){re.escape(module)}:{name}\b", f"{new_module}:{new_name}", text)
    for old in sorted(MODULES, key=len, reverse=True):
        text = re.sub(rf"(?<![\w./]){re.escape(old)}(?!\w)", MODULES[old], text)
        old_path, new_path = old.replace(".", "/"), MODULES[old].replace(".", "/")
        text = re.sub(rf"(?<![\w./]){re.escape(old_path)}(?=\.py\b|/)", new_path, text)
    return text


def main(root: Path) -> None:
    skip = {".venv", ".git", "node_modules", "var", "__pycache__"}
    for path in root.rglob("*"):
        if not path.is_file() or skip & set(path.relative_to(root).parts):
            continue
        if (
            path.suffix not in (".py", ".md", ".toml", ".cfg", ".ini", ".txt")
            and path.name != "Makefile"
        ):
            continue
        if path.resolve() == Path(__file__).resolve():
            continue
        old = path.read_text(encoding="utf-8")
        new = rewrite(old, path.suffix == ".py")
        if new != old:
            path.write_text(new, encoding="utf-8")
            print("rewrote", path.relative_to(root))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
