"""The fixed tables of the generator: real counties and groups, sizes, problem texts.

Real: the counties' names and division codes (江东新区's code 441699 is synthetic), the
five inspection groups, their leaders and coverage (work plan 河扶〔2018〕23号).
Synthetic: the problem descriptions, reasons and notes the findings and events draw from.
"""

from __future__ import annotations

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
RESPONSIBLE_CATEGORIES = frozenset("12567")

REASONS = ("资金待拨付", "项目施工周期长", "需协调相关部门", "待上级审批", "受汛期天气影响")
RECTIFY_NOTES = ("已整改销号", "已提交整改佐证材料", "经县扶贫办核实已整改")
LOOKBACK_NOTES = ("回头看发现整改不实", "虚假整改，问题仍存在", "整改材料与实际不符")
ESCALATE_TO = ("市督查工作领导小组", "市扶贫办")

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
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
        + ("一" + cn_number(rest) if 10 <= rest < 20 else cn_number(rest))
    )
    return _CN_DIGITS[n // 100] + "百" + tail
