"""Deterministic generator of valid assessment bundles (spec section 8) and the shipped demo data.

``synth_bundle(year, scale, seed)`` returns a JSON-ready bundle dict. Scale 1 is about a
city (the 7 counties of 河源市, ~100 towns, ~1,000 villages, ~2,000 findings a year);
scale 50 is about a province (~20,000 units, ~100,000 findings). The territory (units,
pairings, groups) depends on ``scale`` only, so bundles of different years or seeds at
one scale describe the same counties, towns and villages; the year's activity
(inspections, findings, events) depends on ``year``, ``scale`` and ``seed``.

Real: the counties' names and division codes (江东新区's code 441699 is synthetic), the
five inspection groups, their leaders and coverage (work plan 河扶〔2018〕23号).
Synthetic: every town, village, helping unit, household, finding and event.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

FORMAT = "assessment-bundle/1"

# (code, name, town weight). The weights are the rough number of towns/streets of each
# county in 2018 (they sum to ~100), so scale 1 has a realistic spread of towns.
REAL_COUNTIES: tuple[tuple[str, str, int], ...] = (
    ("441602", "源城区", 8),
    ("441625", "东源县", 21),
    ("441624", "和平县", 17),
    ("441622", "龙川县", 24),
    ("441621", "紫金县", 18),
    ("441623", "连平县", 13),
    ("441699", "江东新区", 3),  # synthetic code: the new district has no division code of its own
)

# The work plan's five groups (the text says six but lists five).
REAL_GROUPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("G1", "第一组", "张翼", ("441602", "441624")),
    ("G2", "第二组", "邓春华", ("441625", "441699")),
    ("G3", "第三组", "李进强", ("441622",)),
    ("G4", "第四组", "林焕谊", ("441621",)),
    ("G5", "第五组", "陈秀英", ("441623",)),
)

# Sizes at scale 1; units grow as scale**0.75 (a province has ~20x a city's villages)
# while findings grow linearly, so a province's problem lists are longer.
TOWNS_AT_SCALE_1 = 100
FINDINGS_PER_YEAR_AT_SCALE_1 = 2000
UNIT_EXPONENT = 0.75
POOR_SHARE = 0.25
VILLAGES_PER_HELPING_UNIT = 3
SECOND_HELPER_SHARE = 0.10

# Events later than this many days after the year end are not yet known when the
# bundle is exported (rectification goes on after the year ends).
EVENT_HORIZON_DAYS = 31

# Items of the criteria catalogue (spec section 6) with short problem descriptions.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "1.1": ("党委会议未专题研究扶贫工作", "扶贫工作目标责任制落实不到位"),
    "1.2": ("驻村第一书记未全脱产驻村", "驻村工作队吃住在村落实不到位"),
    "1.3": ("市直部门扶贫责任清单未落实", "行业部门责任清单任务推进滞后"),
    "1.4": ("扶贫领域作风问题专项治理推进不力", "扶贫领域腐败问题线索未及时核查"),
    "2.1": ("低保五保政策未应保尽保", "低保对象动态管理不规范"),
    "2.2": ("危房改造未按期完成", "危房改造补助资金未足额发放"),
    "2.3": ("教育补助未发放到位", "贫困学生生活费补助漏发"),
    "2.4": ("贫困人口医疗保险未全员参保", "医疗保险个人缴费补贴未落实"),
    "2.5": ("养老保险代缴政策未落实", "养老保险参保信息不准确"),
    "2.6": ("大病救助未及时办理", "大病救助台账不完整"),
    "2.7": ("扶贫小额贷款发放审核不规范", "小额贷款贴息未及时兑现"),
    "2.8": ("扶贫保险未按要求投保", "扶贫保险理赔未跟进"),
    "2.9": ("光伏扶贫项目收益分配不到位", "光伏扶贫项目建设进度滞后"),
    "3.1": ("贫困户识别存疑未核实", "存在疑似不符合条件的建档立卡户"),
    "3.2": ("预脱贫户“八有”指标未达标", "预脱贫户住房安全未保障"),
    "3.3": ("识别退出程序不规范", "退出公示材料不完整"),
    "4.1": ("帮扶干部对贫困户情况不熟悉", "致贫原因分析不准确"),
    "4.2": ("帮扶措施针对性不强", "未做到因户施策"),
    "4.3": ("帮扶措施未落实到户", "贫困户对帮扶措施知晓率低"),
    "E.1": ("已脱贫户返贫风险未跟踪", "往年预脱贫户巩固措施不到位"),
    "E.2": ("年度计划脱贫户“八有”指标落实滞后", "年度脱贫任务进度滞后"),
    "5.1": ("新农村建设组织机构不健全", "村庄规划编制滞后"),
    "5.2": ("项目审批手续不完整", "项目库管理不规范"),
    "5.3": ("项目建设进度滞后于时间节点", "示范村创建指标未达标"),
    "5.4": ("新农村建设数据填报不及时", "项目进度数据不准确"),
    "6.1": ("扶贫资金未及时足额拨付", "新农村建设资金下达滞后"),
    "6.2": ("扶贫资金滞留闲置", "资金支出进度偏慢"),
    "6.3": ("资金项目实地核查与账目不符", "资金使用凭证不完整"),
    "7.1": ("扶贫大数据平台信息录入不准确", "项目进度未及时录入系统"),
    "7.2": ("户有卡、村有册档案不完整", "分散贫困户档案缺失"),
    "7.3": ("上月数据未在4日前推送三保障部门", "三保障数据推送不及时"),
    "7.4": ("未定期开展数据核查", "系统数据与台账不一致"),
}

_POLICY = ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9")
# Which items an inspector can find at each kind of unit.
CRITERIA_BY_KIND: dict[str, tuple[str, ...]] = {
    "county": ("1.1", "1.3", "1.4", *_POLICY, "5.1", "5.2", "6.1", "6.2", "7.1", "7.3", "7.4"),
    "town": (
        "1.1",
        "1.4",
        *_POLICY,
        "3.3",
        "4.2",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "6.1",
        "6.2",
        "6.3",
        "7.1",
        "7.2",
        "7.3",
        "7.4",
    ),
    "village": (
        "1.2",
        *_POLICY,
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "E.1",
        "E.2",
        "5.3",
        "5.4",
        "6.3",
        "7.1",
        "7.2",
    ),
    "helping_unit": ("1.2", "4.1", "4.2", "4.3", "E.1", "E.2", "6.2"),
}
# Categories a helping unit may be named `responsible` for at a village it helps.
_RESPONSIBLE_CATEGORIES = frozenset("12567")

REASONS = ("资金待拨付", "项目施工周期长", "需协调相关部门", "待上级审批", "受汛期天气影响")
RECTIFY_NOTES = ("已整改销号", "已提交整改佐证材料", "经县扶贫办核实已整改")
LOOKBACK_NOTES = ("回头看发现整改不实", "虚假整改，问题仍存在", "整改材料与实际不符")
ESCALATE_TO = ("市督查工作领导小组", "市扶贫办")

_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """Chinese numeral for 1 <= n < 1000 (group names: 第十二组)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = (
        ""
        if rest == 0
        else ("零" if rest < 10 else "")
        + ("一" + _cn_number(rest) if 10 <= rest < 20 else _cn_number(rest))
    )
    return _CN_DIGITS[n // 100] + "百" + tail


class _Territory:
    """Units, pairings and groups of one scale, plus the look-ups the activity needs."""

    __slots__ = (
        "county_towns",
        "departments",
        "groups",
        "helpers",
        "pairings",
        "poor",
        "town_villages",
        "units",
        "village_town",
    )

    def __init__(self) -> None:
        self.units: list[dict[str, Any]] = []
        self.pairings: list[dict[str, str]] = []
        self.groups: list[dict[str, Any]] = []
        self.county_towns: dict[str, list[str]] = {}
        self.town_villages: dict[str, list[str]] = {}
        self.village_town: dict[str, str] = {}
        self.poor: dict[str, bool] = {}
        self.helpers: dict[str, list[str]] = {}  # village -> helping units paired with it
        self.departments: list[str] = []  # city departments: helping units with no pairing


def _territory(scale: float) -> _Territory:
    """Build the counties, towns, villages, helping units, pairings and groups of a scale."""
    rng = random.Random(f"territory/{scale!r}")
    t = _Territory()
    size = scale**UNIT_EXPONENT
    if scale <= 1:
        counties = [(code, name, w) for code, name, w in REAL_COUNTIES]
    else:
        counties = list(REAL_COUNTIES)
        n_extra = max(0, round(len(REAL_COUNTIES) * size) - len(REAL_COUNTIES))
        # Synthetic counties get codes under the unused prefix 49 so they never clash
        # with a real division code.
        counties += [
            (f"49{i:04d}", f"示例县{i:03d}", rng.randint(8, 22)) for i in range(1, n_extra + 1)
        ]
    total_weight = sum(w for _, _, w in counties)
    n_towns_target = max(len(counties), round(TOWNS_AT_SCALE_1 * size))

    county_units: list[dict[str, Any]] = []
    town_units: list[dict[str, Any]] = []
    village_units: list[dict[str, Any]] = []
    town_no = village_no = 0
    poor_by_county: dict[str, list[str]] = {}
    for code, name, weight in counties:
        county_units.append({"code": code, "name": name, "kind": "county"})
        n_towns = max(1, round(weight * n_towns_target / total_weight))
        towns: list[str] = []
        for ti in range(n_towns):
            town_no += 1
            town = f"{code}{101 + ti:03d}"
            towns.append(town)
            town_units.append(
                {"code": town, "name": f"示例镇{town_no:03d}", "kind": "town", "parent": code}
            )
            villages: list[str] = []
            for vi in range(rng.randint(5, 15)):
                village_no += 1
                village = f"{town}{201 + vi:03d}"
                is_poor = rng.random() < POOR_SHARE
                villages.append(village)
                t.village_town[village] = town
                t.poor[village] = is_poor
                village_units.append(
                    {
                        "code": village,
                        "name": f"示例村{village_no:04d}",
                        "kind": "village",
                        "parent": town,
                        "village_type": "poor" if is_poor else "ordinary",
                    }
                )
            t.town_villages[town] = villages
        # Every county needs a poor and an ordinary village so that a complete sample is
        # possible (a town has at least 5 villages, so one flip cannot remove the other kind).
        all_villages = [v for town in towns for v in t.town_villages[town]]
        for want in (True, False):
            if not any(t.poor[v] == want for v in all_villages):
                t.poor[rng.choice(all_villages)] = want
        poor_here = [v for v in all_villages if t.poor[v]]
        poor_by_county[code] = poor_here
        t.county_towns[code] = towns
    for row in village_units:
        row["village_type"] = "poor" if t.poor[row["code"]] else "ordinary"

    # Helping units are paired with the poor villages of one county, about three each;
    # some villages get a second helping unit of the same county.
    helper_units: list[dict[str, Any]] = []
    helper_no = 0
    for code, _, _ in counties:
        poor_here = poor_by_county[code][:]
        rng.shuffle(poor_here)
        n_helpers = max(1, round(len(poor_here) / VILLAGES_PER_HELPING_UNIT))
        local: list[str] = []
        for _ in range(n_helpers):
            helper_no += 1
            hu = f"BF{helper_no:04d}"
            local.append(hu)
            helper_units.append(
                {"code": hu, "name": f"示例帮扶单位{helper_no:03d}", "kind": "helping_unit"}
            )
        for i, village in enumerate(poor_here):
            first = local[i % n_helpers]
            t.helpers[village] = [first]
            if n_helpers > 1 and rng.random() < SECOND_HELPER_SHARE:
                second = rng.choice([h for h in local if h != first])
                t.helpers[village].append(second)
        for village in sorted(poor_here):
            for hu in t.helpers[village]:
                t.pairings.append({"helping_unit": hu, "village": village})
    for i in range(1, max(3, round(10 * size)) + 1):
        dept = f"BM{i:03d}"
        t.departments.append(dept)
        helper_units.append({"code": dept, "name": f"示例市直部门{i:03d}", "kind": "helping_unit"})
    t.units = county_units + town_units + village_units + helper_units

    # Groups: the real five for the real counties, then groups of 1-3 synthetic counties.
    for code, name, leader, covered in REAL_GROUPS:
        t.groups.append({"code": code, "name": name, "leader": leader, "counties": list(covered)})
    extra = [code for code, _, _ in counties[len(REAL_COUNTIES) :]]
    i = 0
    while i < len(extra):
        n = len(t.groups) + 1
        take = rng.choice((1, 2, 2, 2, 3))
        t.groups.append(
            {
                "code": f"G{n}",
                "name": f"第{_cn_number(n)}组",
                "leader": f"示例组长{n:03d}",
                "counties": extra[i : i + take],
            }
        )
        i += take
    return t


class _Activity:
    """Generates one year's inspections, findings and events over a territory."""

    def __init__(self, t: _Territory, year: int, scale: float, seed: int) -> None:
        self.t = t
        self.year = year
        self.rng = random.Random(f"activity/{year}/{scale!r}/{seed}")
        self.horizon = date(year, 12, 31).toordinal() + EVENT_HORIZON_DAYS
        self._iso: dict[int, str] = {}
        # (unit, criterion) -> earliest date a finding there was rectified (repeats).
        self.first_rectified: dict[tuple[str, str], int] = {}
        # county -> [(unit, criterion, rectified ordinal)] for deliberate repeats.
        self.county_rectified: dict[str, list[tuple[str, str, int]]] = {}
        # county -> villages where something was found, for look-back visits (a dict
        # as an insertion-ordered set, so that choices stay deterministic).
        self.county_problem_villages: dict[str, dict[str, None]] = {}
        self.inspections: list[dict[str, Any]] = []
        self.events: list[tuple[int, dict[str, Any]]] = []
        first_month = 7 if year == 2018 else 1
        self.months = list(range(first_month, 13))
        n_visits = sum(len(g["counties"]) for g in t.groups) * len(self.months)
        # Missed visits thin the schedule; correct for them so the yearly total holds.
        self.mean_findings = FINDINGS_PER_YEAR_AT_SCALE_1 * scale / (n_visits * 0.95)
        # How badly each unit rectifies (multiplies the odds of late, overdue and fake
        # rectification): counties differ a lot, towns vary around their county, so
        # scores spread over every grade instead of bunching at the average.
        quality = random.Random(f"quality/{year}/{scale!r}/{seed}")
        self.laxity: dict[str, float] = {}
        for county, towns in t.county_towns.items():
            lax = quality.choice((0.15, 0.3, 0.5, 0.8, 1.0, 1.3, 1.8, 2.5))
            self.laxity[county] = lax
            for town in towns:
                self.laxity[town] = lax * quality.uniform(0.6, 1.6)
        for hu in sorted({h for hs in t.helpers.values() for h in hs}) + t.departments:
            self.laxity[hu] = quality.choice((0.3, 0.6, 1.0, 1.0, 1.5, 2.0))

    def iso(self, ordinal: int) -> str:
        """ISO date of an ordinal, cached so that equal dates share one string."""
        s = self._iso.get(ordinal)
        if s is None:
            s = self._iso[ordinal] = date.fromordinal(ordinal).isoformat()
        return s

    def run(self) -> None:
        """Generate every group's monthly inspections in date order."""
        rng = self.rng
        for month in self.months:
            for group in self.t.groups:
                # Now and then a whole group misses a month (the missed_month alert).
                if rng.random() < 0.03:
                    continue
                counties = group["counties"][:]
                rng.shuffle(counties)
                last = (
                    date(self.year, month + 1, 1) - timedelta(days=1)
                    if month < 12
                    else date(self.year, 12, 31)
                )
                # Avoid the first week of October (national holiday).
                cursor = date(
                    self.year, month, rng.randint(8, 12) if month == 10 else rng.randint(2, 8)
                )
                for county in counties:
                    start = cursor + timedelta(days=rng.randint(0, 3))
                    while start.weekday() >= 5:  # inspections start on working days
                        start += timedelta(days=1)
                    r = rng.random()
                    days = 1 if r < 0.35 else 2 if r < 0.95 else 3
                    end = start + timedelta(days=days - 1)
                    if end > last:
                        end = last
                        start = min(start, end)
                    cursor = end + timedelta(days=2)
                    # A single county visit is skipped now and then.
                    if rng.random() < 0.02:
                        continue
                    self._inspection(group["code"], county, month, start, end)

    def _inspection(self, group: str, county: str, month: int, start: date, end: date) -> None:
        """One visit: sample, letter, problem list and each finding's history."""
        rng = self.rng
        t = self.t
        code = f"{self.year}-{group}-{county}-{month:02d}"
        r = rng.random()
        if r < 0.89:
            letter: date | None = end + timedelta(days=rng.randint(0, 3))
        elif r < 0.97:
            letter = end + timedelta(days=rng.randint(4, 10))
        else:
            letter = None
        n_findings = max(0, round(rng.gauss(self.mean_findings, self.mean_findings * 0.3)))
        villages = self._sample_villages(county, n_findings)
        incomplete = rng.random() < 0.06
        if incomplete and rng.random() < 0.4:
            # A visit that never reached an ordinary village.
            kept = [v for v in villages if t.poor[v]]
            villages = kept or villages
            incomplete = False
        towns: list[str] = []
        for v in villages:
            town = t.village_town[v]
            if town not in towns:
                towns.append(town)
        households: list[dict[str, str]] = []
        short_village = rng.choice(villages) if incomplete else None
        for v in villages:
            n_pre = 2 + (rng.random() < 0.1)
            n_not = 1 + (rng.random() < 0.05)
            if v == short_village:
                if rng.random() < 0.5:
                    n_pre = 1
                else:
                    n_not = 0
            numbers = rng.sample(range(1, 400), n_pre + n_not)
            for i, num in enumerate(numbers):
                households.append(
                    {
                        "code": f"{v}-{num:03d}",
                        "village": v,
                        "status": "pre_exit" if i < n_pre else "not_exited",
                    }
                )
        found_on = end.toordinal()
        findings = self._findings(code, county, towns, villages, found_on, n_findings)
        self.inspections.append(
            {
                "code": code,
                "group": group,
                "county": county,
                "start_date": self.iso(start.toordinal()),
                "end_date": self.iso(found_on),
                "letter_date": None if letter is None else self.iso(letter.toordinal()),
                "sample": {"towns": towns, "villages": villages, "households": households},
                "findings": findings,
            }
        )

    def _sample_villages(self, county: str, n_findings: int) -> list[str]:
        """At least one poor and one ordinary village, more for long problem lists."""
        rng = self.rng
        t = self.t
        towns = t.county_towns[county]
        # Visits concentrate on one or two towns, as groups travel by car.
        focus = rng.sample(towns, min(len(towns), rng.choice((1, 2, 2, 3))))
        near = [v for town in focus for v in t.town_villages[town]]
        every = [v for town in towns for v in t.town_villages[town]]
        want = max(2, min(8, round(n_findings / 8))) + rng.randint(0, 1)
        chosen: list[str] = []
        for poor in (True, False):
            pool = [v for v in near if t.poor[v] == poor] or [v for v in every if t.poor[v] == poor]
            chosen.append(rng.choice(pool))
        spare = [v for v in near if v not in chosen]
        rng.shuffle(spare)
        chosen += spare[: max(0, want - len(chosen))]
        # Look-back visits: go back to a village where problems were found before.
        earlier = self.county_problem_villages.get(county)
        if earlier and rng.random() < 0.35:
            v = rng.choice(list(earlier))
            if v not in chosen:
                chosen.append(v)
        return chosen

    def _findings(
        self,
        inspection: str,
        county: str,
        towns: list[str],
        villages: list[str],
        found_on: int,
        n: int,
    ) -> list[dict[str, Any]]:
        """The problem list of one inspection, with each finding's events."""
        rng = self.rng
        t = self.t
        helpers = [h for v in villages for h in t.helpers.get(v, ())]
        pool = {county, *towns, *villages, *helpers}
        used: set[tuple[str, str]] = set()
        out: list[dict[str, Any]] = []
        problem_villages = self.county_problem_villages.setdefault(county, {})
        for k in range(1, n + 1):
            # Problems come back more where rectification is lax.
            comeback = 0.02 * self.laxity[county]
            pick = self._repeat(county, pool, used, found_on) if rng.random() < comeback else None
            if pick is None:
                pick = self._fresh(county, towns, villages, helpers, used, found_on)
            if pick is None:
                continue
            unit, kind, criterion = pick
            used.add((unit, criterion))
            major = rng.random() < 0.10
            deadline = found_on + rng.choice(
                (15, 15, 20, 30) if major else (15, 20, 30, 30, 30, 45, 60)
            )
            finding: dict[str, Any] = {
                "code": f"{inspection}-{k:02d}",
                "unit": unit,
                "criterion": criterion,
                "severity": "major" if major else "general",
                "description": rng.choice(DESCRIPTIONS[criterion]),
                "deadline": self.iso(deadline),
            }
            responsible = self._responsible(unit, kind, criterion)
            if responsible:
                finding["responsible"] = responsible
            out.append(finding)
            if kind == "village":
                problem_villages[unit] = None
            lax = self.laxity[t.village_town[unit] if kind == "village" else unit]
            rectified = self._history(finding["code"], found_on, deadline, major, lax)
            if rectified is not None:
                key = (unit, criterion)
                if rectified < self.first_rectified.get(key, rectified + 1):
                    self.first_rectified[key] = rectified
                self.county_rectified.setdefault(county, []).append((unit, criterion, rectified))
        return out

    def _repeat(
        self, county: str, pool: set[str], used: set[tuple[str, str]], found_on: int
    ) -> tuple[str, str, str] | None:
        """A problem that was rectified at a visited unit and is found again."""
        rng = self.rng
        done = self.county_rectified.get(county)
        if not done:
            return None
        start = rng.randrange(len(done))
        for i in range(len(done)):
            unit, criterion, when = done[(start + i) % len(done)]
            if when < found_on and unit in pool and (unit, criterion) not in used:
                return unit, self._kind(unit, county), criterion
        return None

    def _kind(self, unit: str, county: str) -> str:
        """The kind of a unit of the county's pool."""
        if unit == county:
            return "county"
        if unit in self.t.town_villages:
            return "town"
        return "village" if unit in self.t.village_town else "helping_unit"

    def _fresh(
        self,
        county: str,
        towns: list[str],
        villages: list[str],
        helpers: list[str],
        used: set[tuple[str, str]],
        found_on: int,
    ) -> tuple[str, str, str] | None:
        """A new problem at a visited unit, mostly not one rectified there before."""
        rng = self.rng
        for _ in range(6):
            r = rng.random()
            if r < 0.10:
                kind, unit = "county", county
            elif r < 0.35:
                kind, unit = "town", rng.choice(towns)
            elif r < 0.42 and helpers:
                kind, unit = "helping_unit", rng.choice(helpers)
            else:
                kind, unit = "village", rng.choice(villages)
            criterion = rng.choice(CRITERIA_BY_KIND[kind])
            if (unit, criterion) in used:
                continue
            # Inspectors mostly report new problems; deliberate repeats come from _repeat.
            earlier = self.first_rectified.get((unit, criterion))
            if earlier is not None and earlier < found_on and rng.random() < 0.9:
                continue
            return unit, kind, criterion
        return None

    def _responsible(self, unit: str, kind: str, criterion: str) -> list[str]:
        """Extra units that answer for a finding: a paired helping unit or a department."""
        rng = self.rng
        category = criterion.split(".", 1)[0]
        if kind == "village" and category in _RESPONSIBLE_CATEGORIES:
            paired = self.t.helpers.get(unit)
            if paired and rng.random() < 0.2:
                return [rng.choice(paired)]
        if kind in ("county", "town") and category == "2" and rng.random() < 0.1:
            return [rng.choice(self.t.departments)]
        return []

    def _history(self, finding: str, f: int, d: int, major: bool, lax: float) -> int | None:
        """Append a finding's events; return the date of its first rectification, if any."""
        rng = self.rng
        iso = self.iso
        chain: list[tuple[int, dict[str, Any]]] = []

        def add(day: int, kind: str, **extra: str) -> None:
            chain.append((day, {"finding": finding, "type": kind, "date": iso(day), **extra}))

        def rectify(day: int) -> None:
            if rng.random() < 0.3:
                add(day, "rectified", note=rng.choice(RECTIFY_NOTES))
            else:
                add(day, "rectified")

        def extend(day: int, deadline: int, longer: int) -> int:
            new = deadline + longer
            add(day, "extension", new_deadline=iso(new), reason=rng.choice(REASONS))
            return new

        if major:
            r = rng.random()
            # Majors are reported at once (within a day), some late, a few never.
            day = (
                f + rng.randint(0, 1) if r < 0.85 else f + rng.randint(2, 10) if r < 0.95 else None
            )
            if day is not None:
                if rng.random() < 0.8:
                    add(day, "escalated", to=rng.choice(ESCALATE_TO))
                else:
                    add(day, "escalated")
        eff = d
        final: int | None = None  # the last rectification, followed by look-backs
        # Outcome odds at average laxity: late 0.08, extended 0.12, never rectified 0.06,
        # fake 0.03, else on time; lax units are likelier to go wrong.
        p_late, p_never, p_fake = (min(0.3, p * lax) for p in (0.08, 0.06, 0.03))
        r = rng.random()
        if r < p_late:  # late
            final = eff + rng.randint(1, 40)
            rectify(final)
        elif r < p_late + 0.12:  # extended before the deadline, then mostly in time
            x = rng.randint(max(f, eff - 20), eff)
            eff = extend(x, eff, rng.randint(15, 45))
            if rng.random() < 0.15:
                x = rng.randint(x + 1, eff)
                eff = extend(x, eff, rng.randint(10, 30))
            s = rng.random()
            if s < 1 - 0.3 * min(2.0, lax):
                final = rng.randint(x + 1, eff)
            elif s < 1 - 0.15 * min(2.0, lax):
                final = eff + rng.randint(1, 30)
            if final is not None:
                rectify(final)
        elif r < p_late + 0.12 + p_never:  # never rectified: overdue, or open at the year end
            pass
        elif r < p_late + 0.12 + p_never + p_fake:  # a look-back finds it not really fixed
            first = rng.randint(f + 2, max(f + 2, eff - 5))
            rectify(first)
            failed = first + rng.randint(5, 40)
            add(failed, "lookback_failed", note=rng.choice(LOOKBACK_NOTES))
            s = rng.random()
            if s < 0.2 and failed <= eff:
                x = rng.randint(failed, min(failed + 5, eff))
                eff = extend(x, eff, rng.randint(15, 30))
                final = rng.randint(x + 1, eff)
                rectify(final)
            elif s < 0.65:
                final = failed + rng.randint(3, 30)
                rectify(final)
        else:  # on time
            final = rng.randint(f + 2, eff)
            rectify(final)
        if final is not None and rng.random() < 0.75:
            passed = final + rng.randint(10, 60)
            add(passed, "lookback_passed")
            if rng.random() < 0.55:
                add(passed + rng.randint(20, 90), "lookback_passed")
        # The chain is in intended order with non-decreasing dates, except the
        # escalation, which any state allows; a stable sort keeps same-date order.
        chain.sort(key=itemgetter(0))
        first_rect: int | None = None
        for day, event in chain:
            if day > self.horizon:
                break  # not yet known at export; dropping a suffix keeps the chain valid
            if first_rect is None and event["type"] == "rectified":
                first_rect = day
            self.events.append((day, event))
        return first_rect


def synth_bundle(year: int, scale: float = 1, seed: int = 0) -> dict[str, Any]:
    """Return a valid, deterministic bundle of a year at a scale (1 is a city, 50 a province)."""
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")
    if not scale > 0:
        raise ValueError(f"scale must be positive: {scale}")
    territory = _territory(scale)
    activity = _Activity(territory, year, scale, seed)
    activity.run()
    # Events are listed in date order like a log; the sort is stable, so same-date
    # events of one finding stay in their intended order.
    activity.events.sort(key=itemgetter(0))
    return {
        "format": FORMAT,
        "year": year,
        "units": territory.units,
        "pairings": territory.pairings,
        "groups": territory.groups,
        "inspections": activity.inspections,
        "events": [event for _, event in activity.events],
    }


# The shipped demo data: the real counties and groups at a small scale.
DEMO_FIXTURES: tuple[tuple[str, int, float, int], ...] = (
    ("demo-2018.bundle.json", 2018, 0.25, 2018),
    ("demo-2019.bundle.json", 2019, 0.25, 2019),
)
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"


def dump_bundle(bundle: dict[str, Any], path: Path) -> None:
    """Write a bundle as the fixtures are written (UTF-8, readable Chinese, indent 1)."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(bundle, out, ensure_ascii=False, indent=1)
        out.write("\n")


def write_demo_fixtures(directory: Path | None = None) -> list[Path]:
    """Regenerate fixtures/demo-2018.bundle.json and fixtures/demo-2019.bundle.json."""
    target = directory or FIXTURES_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, year, scale, seed in DEMO_FIXTURES:
        path = target / name
        dump_bundle(synth_bundle(year, scale, seed), path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: write the demo fixtures, or one bundle of a year and scale."""
    parser = argparse.ArgumentParser(description="Generate synthetic assessment bundles.")
    parser.add_argument("--year", type=int, help="write one bundle of this year")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, help="file to write (with --year)")
    args = parser.parse_args(argv)
    if args.year is None:
        for path in write_demo_fixtures():
            print(path)
        return
    bundle = synth_bundle(args.year, args.scale, args.seed)
    if args.output is None:
        parser.error("--output is required with --year")
    dump_bundle(bundle, args.output)


if __name__ == "__main__":
    main()
