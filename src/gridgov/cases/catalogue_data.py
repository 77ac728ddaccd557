"""The default catalogue of matters (事项清单) for a county command centre — pure data.

Eight boards: the six of the 舒兰 platform (民生事项、信访诉求、社会治安、矛盾纠纷、疫情防控 — here
公共卫生 — and 营商环境) plus 城市管理 and 安全隐患. Each item carries its default handling level
(小事不出村、难事不出乡、大事不出市), the department that normally acts on it (by short name, as in
:mod:`gridgov.demo.departments`; "" when the village or township centre handles it itself), a
difficulty for the per-case subsidy (以案定补), the time limits of the three timed steps and a
relative frequency used to generate demo volume.

Time limits follow public practice (12345 hotlines and county event lists): emergencies in
2 calendar hours, utilities in 24 calendar hours, consultations in 1 working day, help and
suggestions in 5 working days, complaints in 10 working days, complex matters in 15 working days;
the heaviest petition matters (信访) get 30 working days, inside the 60 calendar days of the
信访工作条例. Sign-for is 2 working hours (utilities 1 calendar hour, emergencies half an hour);
verification 1–3 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# --- vocabularies -------------------------------------------------------------------------------

WORKING_DAYS: Final = "working_days"
WORKING_HOURS: Final = "working_hours"
CALENDAR_HOURS: Final = "calendar_hours"
UNITS: Final[tuple[str, ...]] = (WORKING_DAYS, WORKING_HOURS, CALENDAR_HOURS)

LEVELS: Final[tuple[str, ...]] = ("village", "township", "county")
DIFFICULTIES: Final[tuple[str, ...]] = ("simple", "ordinary", "difficult")
#: Per-case subsidy in yuan by difficulty (以案定补: 简单 ¥50, 一般 ¥120, 疑难 ¥300).
SUBSIDY_YUAN: Final[dict[str, int]] = {"simple": 50, "ordinary": 120, "difficult": 300}

#: Short names of the demo county's departments an item may name (see gridgov.demo.departments).
DEPARTMENT_SHORT_NAMES: Final[tuple[str, ...]] = (
    "市委政法委",
    "市纪委监委",
    "信访局",
    "公安局",
    "交警大队",
    "司法局",
    "民政局",
    "人社局",
    "自然资源局",
    "生态环境局",
    "住建局",
    "城管局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文广旅局",
    "卫健局",
    "退役军人事务局",
    "应急管理局",
    "市场监管局",
    "医保局",
    "林业局",
    "教育局",
    "财政局",
    "发改局",
    "工信局",
    "政数局",
    "乡村振兴局",
    "统计局",
    "公积金中心",
    "不动产登记中心",
    "消防救援大队",
    "税务局",
    "残联",
    "妇联",
    "总工会",
    "团市委",
    "法院",
    "供电公司",
    "自来水公司",
    "供热公司",
    "燃气公司",
    "联通公司",
)

BOARDS: Final[tuple[tuple[str, str], ...]] = (
    ("MS", "民生事项"),
    ("XF", "信访诉求"),
    ("ZA", "社会治安"),
    ("JF", "矛盾纠纷"),
    ("WS", "公共卫生"),
    ("YS", "营商环境"),
    ("CG", "城市管理"),
    ("AQ", "安全隐患"),
)

#: (amount, unit) — the plain-data form of gridgov.cases.calendar.Limit.
LimitSpec = tuple[float, str]


@dataclass(frozen=True)
class ItemSpec:
    """One matter on the list (事项): who handles it, how hard it is, how fast it must go."""

    code: str
    name: str
    board: str
    level: str
    department: str
    difficulty: str
    sign: LimitSpec
    handle: LimitSpec
    verify: LimitSpec
    weight: float
    description: str


# --- time limits --------------------------------------------------------------------------------

SIGN: Final[LimitSpec] = (2.0, WORKING_HOURS)  # 签收: usual
SIGN_UTILITY: Final[LimitSpec] = (1.0, CALENDAR_HOURS)  # 停水停电停暖, 积雪, 井盖
SIGN_URGENT: Final[LimitSpec] = (0.5, CALENDAR_HOURS)  # emergencies

EMERGENCY: Final[LimitSpec] = (2.0, CALENDAR_HOURS)
UTILITY: Final[LimitSpec] = (24.0, CALENDAR_HOURS)
CONSULT: Final[LimitSpec] = (1.0, WORKING_DAYS)
QUICK: Final[LimitSpec] = (2.0, WORKING_DAYS)
HELP: Final[LimitSpec] = (5.0, WORKING_DAYS)
COMPLAINT: Final[LimitSpec] = (10.0, WORKING_DAYS)
COMPLEX: Final[LimitSpec] = (15.0, WORKING_DAYS)
PETITION: Final[LimitSpec] = (30.0, WORKING_DAYS)

VERIFY_QUICK: Final[LimitSpec] = (1.0, WORKING_DAYS)
VERIFY: Final[LimitSpec] = (2.0, WORKING_DAYS)
VERIFY_LONG: Final[LimitSpec] = (3.0, WORKING_DAYS)


def _item(
    code: str,
    name: str,
    level: str,
    department: str,
    difficulty: str,
    sign: LimitSpec,
    handle: LimitSpec,
    verify: LimitSpec,
    weight: float,
    description: str,
) -> ItemSpec:
    return ItemSpec(
        code=code,
        name=name,
        board=code.split("-", 1)[0],
        level=level,
        department=department,
        difficulty=difficulty,
        sign=sign,
        handle=handle,
        verify=verify,
        weight=weight,
        description=description,
    )


# Short aliases for the table below.
_V, _T, _C = "village", "township", "county"
_S, _O, _D = "simple", "ordinary", "difficult"

# fmt: off
ITEMS: Final[tuple[ItemSpec, ...]] = (
    # 民生事项 ------------------------------------------------------------------------------------
    _item("MS-001", "供暖温度不达标", _T, "供热公司", _O, SIGN_UTILITY, UTILITY, VERIFY_QUICK, 6.0,
          "供暖期室温低于18℃、暖气不热、末端住户温度偏低"),
    _item("MS-002", "供热管网故障停暖", _C, "供热公司", _O, SIGN_UTILITY, UTILITY, VERIFY_QUICK,
          1.5,
          "供热管网漏水、爆管、换热站故障造成片区停暖"),
    _item("MS-003", "停水", _T, "自来水公司", _O, SIGN_UTILITY, UTILITY, VERIFY_QUICK, 2.5,
          "无通知停水、管道冻裂停水、恢复供水后水压低或水质浑浊"),
    _item("MS-004", "停电", _T, "供电公司", _O, SIGN_UTILITY, UTILITY, VERIFY_QUICK, 2.0,
          "线路、变压器故障停电，频繁停电和电压不稳"),
    _item("MS-005", "低保申请咨询", _T, "", _S, SIGN, CONSULT, VERIFY_QUICK, 2.0,
          "城乡最低生活保障的申请条件、材料、审核进度咨询"),
    _item("MS-006", "临时救助申请", _T, "民政局", _O, SIGN, HELP, VERIFY, 1.0,
          "因病、因灾、因意外致生活暂时困难的临时救助申请"),
    _item("MS-007", "养老服务", _T, "民政局", _O, SIGN, HELP, VERIFY, 1.2,
          "居家养老上门服务、入住养老机构、高龄津贴等养老服务诉求"),
    _item("MS-008", "独居老人关爱", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 2.0,
          "独居、空巢、高龄老人的探访、照料和过冬取暖关爱"),
    _item("MS-009", "医保报销咨询", _C, "医保局", _S, SIGN, CONSULT, VERIFY_QUICK, 2.0,
          "异地就医、门诊慢特病报销和城乡居民医保缴费咨询"),
    _item("MS-010", "价格欺诈", _C, "市场监管局", _O, SIGN, COMPLAINT, VERIFY, 0.8,
          "标价与结算价不符、不明码标价、虚构原价等价格违法行为投诉"),
    _item("MS-011", "不动产证办理难", _C, "不动产登记中心", _D, SIGN, COMPLEX, VERIFY_LONG, 0.8,
          "回迁楼、商品房多年办不下不动产权证，继承过户等登记诉求"),
    _item("MS-012", "农村饮水不安全", _T, "水利局", _O, SIGN, HELP, VERIFY, 0.8,
          "农村自来水冬季冻管、水质浑浊、水井出水不足"),
    _item("MS-013", "防返贫监测帮扶", _T, "乡村振兴局", _O, SIGN, HELP, VERIFY, 0.8,
          "脱贫户、监测户因病因灾减收的返贫风险和帮扶政策诉求"),
    # 信访诉求 ------------------------------------------------------------------------------------
    _item("XF-001", "征地拆迁补偿", _C, "自然资源局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.6,
          "征地补偿款、拆迁安置补偿标准和地上附着物补偿诉求"),
    _item("XF-002", "历史遗留问题", _C, "信访局", _D, SIGN, PETITION, VERIFY_LONG, 0.4,
          "原集体企业职工身份、集资款、老旧房屋产权等多年未决的历史遗留问题"),
    _item("XF-003", "涉法涉诉", _C, "市委政法委", _D, SIGN, PETITION, VERIFY_LONG, 0.3,
          "判决执行难、对裁判不服等涉法涉诉信访，依法导入法律程序"),
    _item("XF-004", "拖欠农民工工资", _C, "人社局", _O, SIGN, COMPLAINT, VERIFY, 1.5,
          "工程建设项目和用人单位拖欠农民工工资的讨薪诉求"),
    _item("XF-005", "煤矿改制职工安置", _C, "人社局", _D, SIGN, PETITION, VERIFY_LONG, 0.3,
          "原煤矿关闭破产、改制后职工安置费、社保接续和工伤待遇诉求"),
    _item("XF-006", "采煤沉陷区搬迁安置", _C, "发改局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.3,
          "采煤沉陷区房屋受损、纳入治理范围、搬迁安置房分配诉求"),
    _item("XF-007", "棚改回迁安置", _C, "住建局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.5,
          "棚户区改造回迁逾期、回迁房面积不符、过渡安置费拖欠"),
    _item("XF-008", "干部作风问题反映", _C, "市纪委监委", _O, SIGN, COMPLEX, VERIFY_LONG, 0.4,
          "反映干部优亲厚友、办事推诿、村务不公开等作风问题"),
    _item("XF-009", "惠民惠农补贴发放", _C, "财政局", _O, SIGN, COMPLAINT, VERIFY, 0.8,
          "耕地地力保护补贴等惠民惠农“一卡通”补贴未到账、面积不符、被冒领"),
    # 社会治安 ------------------------------------------------------------------------------------
    _item("ZA-001", "治安隐患", _T, "公安局", _O, SIGN, HELP, VERIFY, 1.5,
          "无监控、照明差、门禁损坏、可疑人员车辆等治安防范薄弱点"),
    _item("ZA-002", "电信诈骗线索", _C, "公安局", _O, SIGN, HELP, VERIFY, 1.0,
          "冒充公检法、刷单返利、虚假理财等电信网络诈骗线索"),
    _item("ZA-003", "噪音扰民", _T, "公安局", _S, SIGN, HELP, VERIFY_QUICK, 2.5,
          "住户深夜喧哗、商铺高音喇叭、广场舞音响等社会生活噪声"),
    _item("ZA-004", "校园周边安全", _C, "公安局", _O, SIGN, HELP, VERIFY, 0.6,
          "校园周边交通秩序、闲散人员滋扰、违规向学生售卖烟酒"),
    _item("ZA-005", "严重精神障碍患者异常", _T, "公安局", _D, SIGN_URGENT, UTILITY, VERIFY_QUICK,
          0.4, "在册严重精神障碍患者停药、情绪异常、监护缺失等肇事肇祸风险"),
    _item("ZA-006", "社区矫正对象管控", _T, "司法局", _O, SIGN, HELP, VERIFY, 0.2,
          "社区矫正对象擅自外出、出入不良场所、生活困难需帮扶"),
    _item("ZA-007", "非法集资线索", _C, "公安局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.2,
          "高息揽储、保健品会销、虚假入股分红等非法集资线索"),
    _item("ZA-008", "出租房屋及流动人口未登记", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 1.0,
          "出租房屋未登记备案、群租、流动人口未办理居住登记"),
    _item("ZA-009", "铁路沿线安全隐患", _T, "公安局", _O, SIGN, HELP, VERIFY, 0.3,
          "护路护线：铁路护网破损、沿线焚烧、桥下堆物等隐患"),
    _item("ZA-010", "盗窃案件线索", _T, "公安局", _O, SIGN, HELP, VERIFY, 0.8,
          "粮食、牲畜、电动车等财物被盗线索"),
    # 矛盾纠纷 ------------------------------------------------------------------------------------
    _item("JF-001", "邻里纠纷", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 4.0,
          "占用楼道、院墙界线、养犬扰邻等邻里之间的矛盾"),
    _item("JF-002", "婚姻家庭纠纷", _V, "", _O, SIGN, COMPLAINT, VERIFY, 1.5,
          "夫妻矛盾、抚养费、婆媳矛盾等婚姻家庭纠纷"),
    _item("JF-003", "土地承包纠纷", _T, "农业农村局", _D, SIGN, COMPLEX, VERIFY_LONG, 1.5,
          "承包地边界、收回代种地、土地流转费等农村土地承包经营纠纷"),
    _item("JF-004", "宅基地纠纷", _T, "自然资源局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.8,
          "宅基地界线、继承、超占建房引发的纠纷"),
    _item("JF-005", "物业纠纷", _T, "住建局", _O, SIGN, COMPLAINT, VERIFY, 3.0,
          "物业收费与服务、物业撤离、专项维修资金使用纠纷"),
    _item("JF-006", "赡养纠纷", _V, "", _O, SIGN, COMPLAINT, VERIFY, 0.8,
          "子女不尽赡养义务、赡养费、老人住房被占等纠纷"),
    _item("JF-007", "民间借贷纠纷", _T, "司法局", _O, SIGN, COMPLAINT, VERIFY, 0.8,
          "借款到期不还、合伙散伙欠款等债务纠纷"),
    _item("JF-008", "山林权属纠纷", _C, "林业局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.4,
          "林地边界、林权证重叠、集体林地被占用等山林权属纠纷"),
    _item("JF-009", "楼上漏水纠纷", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 2.0,
          "楼上漏水、暖气跑水殃及楼下引发的维修赔偿纠纷"),
    _item("JF-010", "交通事故赔偿纠纷", _T, "交警大队", _O, SIGN, COMPLAINT, VERIFY, 0.5,
          "交通事故损害赔偿协商不成、调解协议不履行"),
    # 公共卫生 ------------------------------------------------------------------------------------
    _item("WS-001", "传染病疫情报告", _C, "卫健局", _O, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 0.2,
          "发热、腹泻、水痘等聚集性病例和疑似传染病疫情报告"),
    _item("WS-002", "预防接种咨询", _T, "卫健局", _S, SIGN, CONSULT, VERIFY_QUICK, 1.0,
          "儿童免疫规划、老年人流感疫苗、狂犬疫苗接种咨询"),
    _item("WS-003", "食品安全", _T, "市场监管局", _O, SIGN, COMPLAINT, VERIFY, 1.5,
          "餐饮卫生、过期食品、无证食品小作坊"),
    _item("WS-004", "病媒生物孳生", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 0.8,
          "鼠患、蚊蝇孳生、积水卫生死角的清理消杀"),
    _item("WS-005", "非法行医", _C, "卫健局", _O, SIGN, COMPLAINT, VERIFY, 0.2,
          "无证诊所、游医、违规医疗美容"),
    _item("WS-006", "家庭医生签约服务", _T, "卫健局", _S, SIGN, HELP, VERIFY_QUICK, 0.8,
          "家庭医生签约咨询、签约服务不落实、上门医疗需求"),
    _item("WS-007", "医疗机构服务投诉", _C, "卫健局", _O, SIGN, COMPLAINT, VERIFY, 0.6,
          "医疗机构服务态度、收费异议、基层药品配备不足"),
    _item("WS-008", "病死畜禽乱丢弃", _T, "农业农村局", _O, SIGN, UTILITY, VERIFY_QUICK, 0.3,
          "病死畜禽乱丢弃、疑似动物疫病死亡的无害化处理"),
    _item("WS-009", "尘肺病患者救治", _C, "卫健局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.2,
          "原煤矿工人等尘肺病患者的诊断、救治和救助"),
    # 营商环境 ------------------------------------------------------------------------------------
    _item("YS-001", "办事难", _C, "政数局", _O, SIGN, COMPLAINT, VERIFY, 0.8,
          "企业和群众办事多次跑、窗口推诿、预约难"),
    _item("YS-002", "涉企乱收费", _C, "市场监管局", _O, SIGN, COMPLAINT, VERIFY, 0.4,
          "指定中介、强制入会、转供电加价等涉企违规收费"),
    _item("YS-003", "惠企政策咨询", _C, "工信局", _S, SIGN, CONSULT, VERIFY_QUICK, 0.8,
          "减税降费、稳岗返还、贷款贴息、技改补贴等惠企政策咨询"),
    _item("YS-004", "行政审批超时", _C, "政数局", _O, SIGN, COMPLAINT, VERIFY, 0.4,
          "施工许可、证照延续、抵押登记超过承诺时限未办结"),
    _item("YS-005", "涉企执法检查不规范", _C, "司法局", _O, SIGN, COMPLAINT, VERIFY, 0.3,
          "重复检查、执法程序不规范、小错重罚"),
    _item("YS-006", "拖欠企业账款", _C, "工信局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.3,
          "机关事业单位、国有企业拖欠民营和中小企业账款"),
    _item("YS-007", "企业用电报装", _C, "供电公司", _O, SIGN, HELP, VERIFY, 0.5,
          "企业新装、增容用电报装慢，烘干塔等季节性用电接入"),
    _item("YS-008", "招商引资承诺不兑现", _C, "发改局", _D, SIGN, COMPLEX, VERIFY_LONG, 0.2,
          "招商引资优惠政策、配套设施、合作协议未兑现"),
    _item("YS-009", "阻工扰企", _T, "公安局", _O, SIGN, HELP, VERIFY, 0.3,
          "堵路阻工、强揽工程、强买强卖等干扰企业生产经营行为"),
    _item("YS-010", "企业开办登记咨询", _C, "市场监管局", _S, SIGN, CONSULT, VERIFY_QUICK, 0.6,
          "个体工商户、合作社、企业设立和变更登记咨询"),
    # 城市管理 ------------------------------------------------------------------------------------
    _item("CG-001", "路灯损坏", _T, "城管局", _S, SIGN, HELP, VERIFY_QUICK, 3.0,
          "路灯、村屯太阳能路灯不亮、白天常亮"),
    _item("CG-002", "占道经营", _T, "城管局", _S, SIGN, HELP, VERIFY_QUICK, 3.5,
          "早市、烧烤摊、流动摊贩占用道路和人行道经营"),
    _item("CG-003", "私搭乱建", _T, "城管局", _O, SIGN, COMPLAINT, VERIFY, 2.0,
          "私扩院落、楼顶搭建、彩钢棚等违法建设"),
    _item("CG-004", "垃圾清运不及时", _V, "", _S, SIGN, QUICK, VERIFY_QUICK, 4.0,
          "小区、村屯垃圾收集点满溢未清运"),
    _item("CG-005", "井盖缺失", _T, "城管局", _S, SIGN_URGENT, UTILITY, VERIFY_QUICK, 1.0,
          "检查井、雨水井井盖丢失、破损、松动"),
    _item("CG-006", "城区道路破损", _T, "住建局", _O, SIGN, COMPLAINT, VERIFY, 2.0,
          "路面坑洼、冻融翻浆、人行道地砖破损"),
    _item("CG-007", "积雪清理不及时", _T, "城管局", _S, SIGN_UTILITY, UTILITY, VERIFY_QUICK, 3.0,
          "雪后道路、小区、通屯路积雪结冰未清"),
    _item("CG-008", "排水管道堵塞", _T, "住建局", _S, SIGN, QUICK, VERIFY_QUICK, 2.0,
          "下水道堵塞返水、雨后积水、化粪池满溢"),
    _item("CG-009", "餐饮油烟扰民", _C, "生态环境局", _O, SIGN, COMPLAINT, VERIFY, 1.2,
          "餐饮、烧烤油烟直排和排烟设备噪声扰民"),
    _item("CG-010", "机动车乱停乱放", _T, "交警大队", _S, SIGN, HELP, VERIFY_QUICK, 2.0,
          "车辆乱停堵路、堵小区出入口、“僵尸车”占位"),
    _item("CG-011", "河道污染", _C, "生态环境局", _O, SIGN, COMPLAINT, VERIFY, 0.6,
          "向河道倾倒垃圾、不明排污、养殖污水直排"),
    _item("CG-012", "柴草乱堆乱放", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 1.5,
          "村屯柴草垛、粪堆、杂物乱堆乱放，农村人居环境整治"),
    _item("CG-013", "农村公路损毁", _T, "交通运输局", _O, SIGN, COMPLAINT, VERIFY, 1.0,
          "通屯路断裂塌陷、桥涵冲毁、重载车辆压坏村路"),
    # 安全隐患 ------------------------------------------------------------------------------------
    _item("AQ-001", "燃气泄漏隐患", _T, "燃气公司", _O, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 0.6,
          "楼道燃气味、燃气软管老化、液化气罐使用不规范"),
    _item("AQ-002", "火灾隐患", _T, "消防救援大队", _O, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 0.8,
          "楼道堆物、电线老化、“三合一”场所等火灾隐患"),
    _item("AQ-003", "消防通道堵塞", _T, "消防救援大队", _S, SIGN, UTILITY, VERIFY_QUICK, 1.5,
          "消防通道被占、安全出口锁闭、消火栓遮挡"),
    _item("AQ-004", "电动车违规充电", _V, "", _S, SIGN, HELP, VERIFY_QUICK, 1.5,
          "电动车进楼入户充电、飞线充电、缺少集中充电设施"),
    _item("AQ-005", "危房隐患", _T, "住建局", _O, SIGN, HELP, VERIFY, 0.8,
          "土坯房、老旧楼房墙体开裂、雨雪后房屋险情"),
    _item("AQ-006", "森林防火", _T, "林业局", _O, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 0.8,
          "防火期林区野外用火、上坟烧纸、烟点"),
    _item("AQ-007", "秸秆焚烧", _T, "生态环境局", _S, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 1.2,
          "田间露天焚烧秸秆、稻草"),
    _item("AQ-008", "私挖滥采", _C, "自然资源局", _D, SIGN, COMPLAINT, VERIFY_LONG, 0.2,
          "私挖煤炭、河道非法采砂、私自采石取土"),
    _item("AQ-009", "采空区塌陷隐患", _C, "应急管理局", _D, SIGN, HELP, VERIFY_LONG, 0.2,
          "原煤矿采空区地面塌陷、废弃井口未封闭、道路沉降"),
    _item("AQ-010", "河堤险情", _C, "水利局", _D, SIGN_URGENT, EMERGENCY, VERIFY_QUICK, 0.3,
          "汛期堤坝渗水、漫溢、管涌等险情"),
    _item("AQ-011", "屋檐冰溜子隐患", _V, "", _S, SIGN, UTILITY, VERIFY_QUICK, 1.0,
          "冬春楼檐、门头冰溜子和屋顶积雪坠落隐患"),
    _item("AQ-012", "煤烟中毒隐患", _V, "", _S, SIGN_URGENT, UTILITY, VERIFY_QUICK, 0.5,
          "火炕烟道堵塞、煤炉取暖通风不良的一氧化碳中毒隐患"),
    _item("AQ-013", "冰面安全隐患", _V, "", _S, SIGN, UTILITY, VERIFY_QUICK, 0.4,
          "河道、水库、水塘冰面滑冰冰钓、车辆通行、儿童玩耍的落水隐患"),
)
# fmt: on

ITEMS_BY_CODE: Final[dict[str, ItemSpec]] = {item.code: item for item in ITEMS}
BOARD_NAMES: Final[dict[str, str]] = dict(BOARDS)
