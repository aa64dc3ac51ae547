"""Tests of the bundle generator, with an independent checker of the spec's section 8 rules."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scoring_service.synth import FIXTURES_DIR, main, synth_bundle, write_demo_fixtures

CRITERIA = frozenset(
    [f"1.{i}" for i in range(1, 5)]
    + [f"2.{i}" for i in range(1, 10)]
    + [f"3.{i}" for i in range(1, 4)]
    + [f"4.{i}" for i in range(1, 4)]
    + ["E.1", "E.2"]
    + [f"5.{i}" for i in range(1, 5)]
    + [f"6.{i}" for i in range(1, 4)]
    + [f"7.{i}" for i in range(1, 5)]
)
TOP_KEYS = {"format", "year", "units", "pairings", "groups", "inspections", "events"}
UNIT_KEYS = {"code", "name", "kind"}
INSPECTION_KEYS = {
    "code",
    "group",
    "county",
    "start_date",
    "end_date",
    "letter_date",
    "sample",
    "findings",
}
FINDING_KEYS = {"code", "unit", "criterion", "severity", "description", "deadline"}
# type -> (required fields, optional fields), besides finding/type/date.
EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "extension": ({"new_deadline", "reason"}, set()),
    "rectified": (set(), {"note"}),
    "lookback_failed": ({"note"}, set()),
    "lookback_passed": (set(), set()),
    "escalated": (set(), {"to"}),
}
REAL_GROUPS = [
    ("G1", "张翼", ["441602", "441624"]),
    ("G2", "邓春华", ["441625", "441699"]),
    ("G3", "李进强", ["441622"]),
    ("G4", "林焕谊", ["441621"]),
    ("G5", "陈秀英", ["441623"]),
]
REAL_COUNTIES = {
    "441602": "源城区",
    "441625": "东源县",
    "441624": "和平县",
    "441622": "龙川县",
    "441621": "紫金县",
    "441623": "连平县",
    "441699": "江东新区",
}
DEMO = [("demo-2018.bundle.json", 2018, 0.25, 2018), ("demo-2019.bundle.json", 2019, 0.25, 2019)]


def _day(value: Any) -> date | None:
    """A strict ISO date, or None when malformed."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_bundle(b: dict[str, Any]) -> list[str]:
    """Every section 8 problem of a bundle, as readable messages (empty when valid)."""
    errors: list[str] = []
    err = errors.append
    if set(b) != TOP_KEYS:
        err(f"top-level keys {sorted(set(b) ^ TOP_KEYS)}")
        return errors
    if b["format"] != "assessment-bundle/1":
        err("format")
    year = b["year"]
    units: dict[str, dict[str, Any]] = {}
    for i, u in enumerate(b["units"]):
        where = f"/units/{i}"
        extra = set(u) - UNIT_KEYS - {"parent", "village_type"}
        if extra or not set(u) >= UNIT_KEYS:
            err(f"{where} fields {sorted(u)}")
        code = u.get("code")
        if not isinstance(code, str) or not 1 <= len(code) <= 64 or any(c.isspace() for c in code):
            err(f"{where} bad code {code!r}")
        if not isinstance(u.get("name"), str) or not u.get("name"):
            err(f"{where} bad name")
        if code in units:
            err(f"{where} duplicate code {code}")
        units[code] = u
    for i, u in enumerate(b["units"]):
        where = f"/units/{i}"
        kind = u["kind"]
        parent_kind = {"town": "county", "village": "town"}.get(kind)
        if kind not in ("county", "town", "village", "helping_unit"):
            err(f"{where} kind {kind}")
        if parent_kind is None:
            if "parent" in u:
                err(f"{where} {kind} with a parent")
        elif units.get(u.get("parent"), {}).get("kind") != parent_kind:
            err(f"{where} parent {u.get('parent')} is not a {parent_kind}")
        if kind == "village":
            if u.get("village_type") not in ("poor", "ordinary"):
                err(f"{where} village_type")
        elif "village_type" in u:
            err(f"{where} village_type on a {kind}")

    def county_of(code: str) -> str | None:
        u = units.get(code)
        while u is not None and u["kind"] != "county":
            u = units.get(u.get("parent"))
        return None if u is None else u["code"]

    seen_pairs = set()
    for i, p in enumerate(b["pairings"]):
        if set(p) != {"helping_unit", "village"}:
            err(f"/pairings/{i} fields")
            continue
        if units.get(p["helping_unit"], {}).get("kind") != "helping_unit":
            err(f"/pairings/{i} helping_unit")
        if units.get(p["village"], {}).get("kind") != "village":
            err(f"/pairings/{i} village")
        key = (p["helping_unit"], p["village"])
        if key in seen_pairs:
            err(f"/pairings/{i} duplicate")
        seen_pairs.add(key)

    groups: dict[str, dict[str, Any]] = {}
    for i, g in enumerate(b["groups"]):
        if set(g) != {"code", "name", "leader", "counties"}:
            err(f"/groups/{i} fields")
        if g["code"] in groups:
            err(f"/groups/{i} duplicate code")
        groups[g["code"]] = g
        if len(set(g["counties"])) != len(g["counties"]):
            err(f"/groups/{i} county listed twice")
        for c in g["counties"]:
            if units.get(c, {}).get("kind") != "county":
                err(f"/groups/{i} unknown county {c}")

    findings: dict[str, tuple[date, str]] = {}  # code -> (found_on, severity)
    deadlines: dict[str, date] = {}
    inspection_codes: set[str] = set()
    for i, ins in enumerate(b["inspections"]):
        where = f"/inspections/{i}"
        if set(ins) != INSPECTION_KEYS:
            err(f"{where} fields {sorted(ins)}")
            continue
        if ins["code"] in inspection_codes:
            err(f"{where} duplicate code")
        inspection_codes.add(ins["code"])
        group = groups.get(ins["group"])
        if group is None:
            err(f"{where} unknown group")
        elif ins["county"] not in group["counties"]:
            err(f"{where} county outside the group's list")
        if units.get(ins["county"], {}).get("kind") != "county":
            err(f"{where} unknown county")
        start, end = _day(ins["start_date"]), _day(ins["end_date"])
        if start is None or end is None:
            err(f"{where} malformed dates")
            continue
        if start.year != year or end.year != year:
            err(f"{where} dates outside the year")
        if end < start:
            err(f"{where} end before start")
        if ins["letter_date"] is not None:
            letter = _day(ins["letter_date"])
            if letter is None or letter < end:
                err(f"{where} letter_date")
        sample = ins["sample"]
        if set(sample) != {"towns", "villages", "households"}:
            err(f"{where}/sample fields")
            continue
        for t in sample["towns"]:
            if units.get(t, {}).get("kind") != "town" or county_of(t) != ins["county"]:
                err(f"{where}/sample town {t} outside the county")
        for v in sample["villages"]:
            if units.get(v, {}).get("kind") != "village" or county_of(v) != ins["county"]:
                err(f"{where}/sample village {v} outside the county")
        for name in ("towns", "villages"):
            if len(set(sample[name])) != len(sample[name]):
                err(f"{where}/sample {name} listed twice")
        hh_codes = [h["code"] for h in sample["households"]]
        if len(set(hh_codes)) != len(hh_codes):
            err(f"{where}/sample household listed twice")
        for h in sample["households"]:
            if set(h) != {"code", "village", "status"}:
                err(f"{where}/sample household fields")
            if h["village"] not in sample["villages"]:
                err(f"{where}/sample household {h['code']} outside the sample's villages")
            if h["status"] not in ("pre_exit", "not_exited"):
                err(f"{where}/sample household status")
        for j, f in enumerate(ins["findings"]):
            fw = f"{where}/findings/{j}"
            if not set(f) >= FINDING_KEYS or set(f) - FINDING_KEYS - {"responsible"}:
                err(f"{fw} fields {sorted(f)}")
                continue
            if f["code"] in findings:
                err(f"{fw} duplicate code")
            if f["unit"] not in units:
                err(f"{fw} unknown unit")
            if f["criterion"] not in CRITERIA:
                err(f"{fw} unknown criterion")
            if f["severity"] not in ("general", "major"):
                err(f"{fw} severity")
            if not isinstance(f["description"], str) or not f["description"]:
                err(f"{fw} description")
            deadline = _day(f["deadline"])
            if deadline is None or deadline < end:
                err(f"{fw} deadline before found_on")
                continue
            resp = f.get("responsible", [])
            if "responsible" in f and not resp:
                err(f"{fw} empty responsible")
            if len(set(resp)) != len(resp) or any(r not in units for r in resp):
                err(f"{fw} responsible")
            findings[f["code"]] = (end, f["severity"])
            deadlines[f["code"]] = deadline

    # State machine: apply each finding's events in date order, same-date in listed order.
    by_finding: dict[str, list[tuple[date, int, dict[str, Any]]]] = {}
    for i, e in enumerate(b["events"]):
        where = f"/events/{i}"
        kind = e.get("type")
        if kind not in EVENT_FIELDS:
            err(f"{where} type {kind}")
            continue
        required, optional = EVENT_FIELDS[kind]
        keys = set(e) - {"finding", "type", "date"}
        if not required <= keys or keys - required - optional or "finding" not in e:
            err(f"{where} fields {sorted(e)}")
            continue
        day = _day(e.get("date"))
        if day is None:
            err(f"{where} date")
            continue
        if e["finding"] not in findings:
            err(f"{where} unknown finding")
            continue
        if day < findings[e["finding"]][0]:
            err(f"{where} before found_on")
        by_finding.setdefault(e["finding"], []).append((day, i, e))
    for code, events in by_finding.items():
        events.sort(key=lambda x: (x[0], x[1]))
        effective = deadlines[code]
        rectified = False
        for day, i, e in events:
            kind = e["type"]
            if kind == "extension":
                new = _day(e["new_deadline"])
                if rectified or day > effective or new is None or new <= effective:
                    err(f"/events/{i} extension not allowed")
                elif not e["reason"]:
                    err(f"/events/{i} empty reason")
                else:
                    effective = new
            elif kind == "rectified":
                if rectified:
                    err(f"/events/{i} rectified twice")
                rectified = True
            elif kind in ("lookback_failed", "lookback_passed"):
                if not rectified:
                    err(f"/events/{i} look-back of an unrectified finding")
                if kind == "lookback_failed":
                    rectified = False
            elif kind == "escalated" and findings[code][1] != "major":
                err(f"/events/{i} escalation of a general finding")
    return errors


def _all_findings(b: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(inspection, finding) pairs."""
    return [(ins, f) for ins in b["inspections"] for f in ins["findings"]]


def history_features(b: dict[str, Any]) -> Counter[str]:
    """Counts of the history and process situations the bundle shows as of its year end."""
    cutoff = date(b["year"], 12, 31)
    found = {f["code"]: (date.fromisoformat(ins["end_date"]), f) for ins, f in _all_findings(b)}
    events: dict[str, list[dict[str, Any]]] = {}
    for e in b["events"]:
        events.setdefault(e["finding"], []).append(e)
    c: Counter[str] = Counter()
    rectified_at: dict[tuple[str, str], list[tuple[date, date]]] = {}
    for code, (found_on, f) in found.items():
        evs = sorted(events.get(code, []), key=lambda e: e["date"])  # stable: same-date order
        evs = [e for e in evs if date.fromisoformat(e["date"]) <= cutoff]
        effective = date.fromisoformat(f["deadline"])
        done: date | None = None
        for e in evs:
            c[e["type"]] += 1
            if e["type"] == "extension":
                effective = date.fromisoformat(e["new_deadline"])
            elif e["type"] == "rectified":
                done = date.fromisoformat(e["date"])
                rectified_at.setdefault((f["unit"], f["criterion"]), []).append((found_on, done))
            elif e["type"] == "lookback_failed":
                done = None
        if done is not None:
            c["on_time" if done <= effective else "late"] += 1
        elif effective < cutoff:
            c["overdue"] += 1
        if f["severity"] == "major":
            esc = [date.fromisoformat(e["date"]) for e in evs if e["type"] == "escalated"]
            if not esc:
                c["unescalated"] += 1
            elif (min(esc) - found_on).days > 1:
                c["escalated_late"] += 1
        if f.get("responsible"):
            c["responsible"] += 1
    for found_on, f in found.values():
        earlier = rectified_at.get((f["unit"], f["criterion"]), [])
        if any(fo < found_on and done < found_on for fo, done in earlier):
            c["repeat"] += 1
    for ins in b["inspections"]:
        start, end = date.fromisoformat(ins["start_date"]), date.fromisoformat(ins["end_date"])
        if (end - start).days >= 2:
            c["long_inspection"] += 1
        if ins["letter_date"] is None:
            c["no_letter"] += 1
        elif (date.fromisoformat(ins["letter_date"]) - end).days > 3:
            c["late_letter"] += 1
        s = ins["sample"]
        per_village = Counter((h["village"], h["status"]) for h in s["households"])
        if any(
            per_village[(v, "pre_exit")] < 2 or per_village[(v, "not_exited")] < 1
            for v in s["villages"]
        ):
            c["incomplete_sample"] += 1
    vtype = {u["code"]: u.get("village_type") for u in b["units"]}
    for ins in b["inspections"]:
        kinds = {vtype[v] for v in ins["sample"]["villages"]}
        if kinds != {"poor", "ordinary"} or not ins["sample"]["towns"]:
            c["incomplete_sample"] += 1
    first = 7 if b["year"] == 2018 else 1
    started = {(ins["group"], int(ins["start_date"][5:7])) for ins in b["inspections"]}
    for g in b["groups"]:
        c["missed_month"] += sum((g["code"], m) not in started for m in range(first, 13))
    return c


@pytest.fixture(scope="module")
def city() -> dict[int, dict[str, Any]]:
    """Scale-1 bundles of both years, generated once."""
    return {year: synth_bundle(year, 1, 0) for year in (2018, 2019)}


def test_deterministic_by_seed() -> None:
    a = synth_bundle(2019, 0.2, 3)
    assert a == synth_bundle(2019, 0.2, 3)
    other = synth_bundle(2019, 0.2, 4)
    assert a["inspections"] != other["inspections"]
    # The territory depends on the scale only, so years and seeds share it.
    assert a["units"] == other["units"] == synth_bundle(2018, 0.2, 9)["units"]


@pytest.mark.parametrize("year", [2018, 2019])
@pytest.mark.parametrize("scale", [0.2, 1, pytest.param(5, marks=pytest.mark.slow)])
def test_valid(year: int, scale: float) -> None:
    b = synth_bundle(year, scale, 11)
    assert check_bundle(b) == []
    assert json.loads(json.dumps(b, ensure_ascii=False)) == b  # JSON-ready
    first = date(year, 7 if year == 2018 else 1, 1)
    assert min(date.fromisoformat(i["start_date"]) for i in b["inspections"]) >= first


def test_checker_catches_problems() -> None:
    b = synth_bundle(2018, 0.2, 0)
    assert check_bundle(b) == []
    broken = json.loads(json.dumps(b))
    broken["units"][0]["extra"] = 1
    ins = broken["inspections"][0]
    ins["end_date"] = "2018-06-30"
    ins["sample"]["households"].append(dict(ins["sample"]["households"][0]))
    first_rectified = next(i for i, e in enumerate(broken["events"]) if e["type"] == "rectified")
    broken["events"].insert(first_rectified + 1, dict(broken["events"][first_rectified]))
    text = "\n".join(check_bundle(broken))
    for expected in (
        "/units/0 fields",
        "end before start",
        "household listed twice",
        "rectified twice",
    ):
        assert expected in text


@pytest.mark.parametrize("name,year,scale,seed", DEMO)
def test_demo_fixtures_match_generator(name: str, year: int, scale: float, seed: int) -> None:
    with (FIXTURES_DIR / name).open(encoding="utf-8") as f:
        assert json.load(f) == synth_bundle(year, scale, seed)


def test_write_demo_fixtures_reproduces_files(tmp_path: Path) -> None:
    for path in write_demo_fixtures(tmp_path):
        assert path.read_bytes() == (FIXTURES_DIR / path.name).read_bytes()


def test_demo_command_needs_a_file_for_one_year(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--year", "2019"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "python -m scoring_service.synth: error: --output is required with --year" in err


@pytest.mark.parametrize("name,year,scale,seed", DEMO)
def test_demo_fixtures_are_valid_and_real(name: str, year: int, scale: float, seed: int) -> None:
    with (FIXTURES_DIR / name).open(encoding="utf-8") as f:
        b = json.load(f)
    assert check_bundle(b) == []
    assert b["year"] == year
    counties = {u["code"]: u["name"] for u in b["units"] if u["kind"] == "county"}
    assert counties == REAL_COUNTIES
    assert [(g["code"], g["leader"], g["counties"]) for g in b["groups"]] == REAL_GROUPS
    assert 200 <= len(_all_findings(b)) <= 800
    features = history_features(b)
    for key in (
        "late",
        "overdue",
        "extension",
        "lookback_failed",
        "lookback_passed",
        "escalated",
        "repeat",
    ):
        assert features[key] > 0, key


@pytest.mark.parametrize("year", [2018, 2019])
def test_city_proportions(city: dict[int, dict[str, Any]], year: int) -> None:
    b = city[year]
    kinds = Counter(u["kind"] for u in b["units"])
    assert kinds["county"] == 7
    assert 80 <= kinds["town"] <= 120
    assert 800 <= kinds["village"] <= 1200
    villages = [u for u in b["units"] if u["kind"] == "village"]
    poor = {u["code"] for u in villages if u["village_type"] == "poor"}
    assert 0.18 <= len(poor) / len(villages) <= 0.32
    paired = Counter(p["village"] for p in b["pairings"])
    assert set(paired) == poor  # every poor village is helped, no ordinary one
    assert any(n == 2 for n in paired.values())
    helpers = {p["helping_unit"] for p in b["pairings"]}
    assert 2 <= len(poor) / len(helpers) <= 4
    assert [(g["code"], g["leader"], g["counties"]) for g in b["groups"]] == REAL_GROUPS
    pairs = _all_findings(b)
    assert 1500 <= len(pairs) <= 2500
    majors = sum(f["severity"] == "major" for _, f in pairs)
    assert 0.06 <= majors / len(pairs) <= 0.14
    found_kinds = Counter(
        next(u["kind"] for u in b["units"] if u["code"] == f["unit"]) for _, f in pairs[:300]
    )
    assert {"county", "town", "village", "helping_unit"} <= set(found_kinds)
    for ins, f in pairs:
        days = (date.fromisoformat(f["deadline"]) - date.fromisoformat(ins["end_date"])).days
        assert 15 <= days <= 60
    months = 6 if year == 2018 else 12
    assert 0.75 * 7 * months <= len(b["inspections"]) <= 7 * months
    on_time_letters = sum(
        i["letter_date"] is not None
        and (date.fromisoformat(i["letter_date"]) - date.fromisoformat(i["end_date"])).days <= 3
        for i in b["inspections"]
    )
    assert on_time_letters / len(b["inspections"]) >= 0.75
    assert 1.5 <= len(b["events"]) / len(pairs) <= 3.0


@pytest.mark.parametrize("year", [2018, 2019])
def test_every_history_type_present(city: dict[int, dict[str, Any]], year: int) -> None:
    features = history_features(city[year])
    for key in (
        "on_time",
        "late",
        "overdue",
        "extension",
        "lookback_failed",
        "lookback_passed",
        "escalated",
        "escalated_late",
        "unescalated",
        "repeat",
        "responsible",
        "long_inspection",
        "late_letter",
        "incomplete_sample",
    ):
        assert features[key] > 0, key
    assert features["on_time"] > features["late"] > 0
    # A re-rectified fake: rectified, failed, rectified again.
    seq: dict[str, list[str]] = {}
    for e in city[year]["events"]:
        seq.setdefault(e["finding"], []).append(e["type"])
    shapes = {tuple(t for t in s if t in ("rectified", "lookback_failed")) for s in seq.values()}
    assert ("rectified", "lookback_failed", "rectified") in shapes
    assert ("rectified", "lookback_failed") in shapes


def test_process_lapses_present(city: dict[int, dict[str, Any]]) -> None:
    # Few inspections a year, so count the lapses over both years.
    features = history_features(city[2018]) + history_features(city[2019])
    for key in ("long_inspection", "late_letter", "no_letter", "incomplete_sample", "missed_month"):
        assert features[key] > 0, key
    assert features["long_inspection"] + features["late_letter"] <= 0.2 * sum(
        len(b["inspections"]) for b in city.values()
    )


def test_larger_scale_adds_groups_covering_each_county_once() -> None:
    b = synth_bundle(2019, 5, 1)
    counties = [u["code"] for u in b["units"] if u["kind"] == "county"]
    covered = [c for g in b["groups"] for c in g["counties"]]
    assert sorted(covered) == sorted(counties)
    assert len(counties) > 7
    assert [(g["code"], g["leader"], g["counties"]) for g in b["groups"][:5]] == REAL_GROUPS


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        synth_bundle(2018, 0)
    with pytest.raises(ValueError):
        synth_bundle(1900)
