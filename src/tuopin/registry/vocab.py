"""The registration form's vocabularies (POLICY.md §3): a stable code, a Chinese label, an English translation.

Imports accept the Chinese label, the code, the English label and the national system's variants listed in ALIASES
(registered with tuopin.core.vocab, which every import reads).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.core.vocab import vocabulary_aliases


class Category(models.TextChoices):
    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class Standard(models.TextChoices):
    NATIONAL = "national", _("国家标准")
    PROVINCIAL = "provincial", _("省定标准")
    CITY = "city", _("市定标准")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LAND = "land", _("缺土地")
    WATER = "water", _("缺水")
    SKILLS = "skills", _("缺技术")
    LABOUR = "labour", _("缺劳力")
    FUNDS = "funds", _("缺资金")
    TRANSPORT = "transport", _("交通条件落后")
    MOTIVATION = "motivation", _("自身发展动力不足")
    MARRIAGE = "marriage", _("因婚")
    OTHER = "other", _("其他")


class PopulationType(models.TextChoices):
    REGISTERED = "registered", _("建档立卡户")
    MONITORED = "monitored", _("监测户")
    ORDINARY = "ordinary", _("一般农户")


class Status(models.TextChoices):
    """脱贫状态; the national system's codes are 0, 1, 4 and 3 in this order."""

    POOR = "poor", _("未脱贫")
    EXITED_POLICY = "exited_policy", _("已脱贫(享受政策)")
    EXITED = "exited", _("已脱贫(不再享受政策)")
    RELAPSED = "relapsed", _("返贫")


class HousingSafety(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    SON_IN_LAW = "son_in_law", _("之女婿")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    DAUGHTERS_SON = "daughters_son", _("之外孙子")
    DAUGHTERS_DAUGHTER = "daughters_daughter", _("之外孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    WIFES_FATHER = "wifes_father", _("之岳父")
    WIFES_MOTHER = "wifes_mother", _("之岳母")
    HUSBANDS_FATHER = "husbands_father", _("之公公")
    HUSBANDS_MOTHER = "husbands_mother", _("之婆婆")
    GRANDFATHER = "grandfather", _("之祖父")
    GRANDMOTHER = "grandmother", _("之祖母")
    SIBLING = "sibling", _("之兄弟姐妹")
    OTHER = "other", _("其他")


class Ethnicity(models.TextChoices):
    """GB 3304-1991 codes."""

    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    TIBETAN = "04", _("藏族")
    UYGHUR = "05", _("维吾尔族")
    MIAO = "06", _("苗族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BUYEI = "09", _("布依族")
    KOREAN = "10", _("朝鲜族")
    MANCHU = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    TUJIA = "15", _("土家族")
    HANI = "16", _("哈尼族")
    KAZAKH = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KIRGIZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSSIAN = "44", _("俄罗斯族")
    EWENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")
    OTHER = "97", _("其他")


class Education(models.TextChoices):
    PRESCHOOL_CHILD = "preschool_child", _("学龄前儿童")
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")


class SchoolStatus(models.TextChoices):
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职高专")
    UNIVERSITY = "university", _("本科及以上")
    NOT_IN_SCHOOL = "not_in_school", _("非在校生")
    DROPOUT = "dropout", _("失学辍学")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class DisabilityGrade(models.IntegerChoices):
    ONE = 1, _("一级")
    TWO = 2, _("二级")
    THREE = 3, _("三级")
    FOUR = 4, _("四级")


class Labour(models.TextChoices):
    NORMAL = "normal", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class WorkStatus(models.TextChoices):
    NONE = "none", _("未务工")
    TOWNSHIP = "township", _("乡镇内务工")
    COUNTY = "county", _("县内乡镇外务工")
    PROVINCE = "province", _("省内县外务工")
    OUTSIDE = "outside", _("省外务工")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


# Values other systems write for the same thing (the national system's exports, POLICY.md §3).
ALIASES: dict[type[models.Choices], dict[str, object]] = {
    Status: {
        "0": Status.POOR,
        "1": Status.EXITED_POLICY,
        "4": Status.EXITED,
        "3": Status.RELAPSED,
        "已脱贫": Status.EXITED_POLICY,
    },
    DisabilityGrade: {"1": 1, "2": 2, "3": 3, "4": 4, "1级": 1, "2级": 2, "3级": 3, "4级": 4},
    Category: {"五保": Category.TEKUN, "特困供养": Category.TEKUN, "低保户": Category.DIBAO},
    Standard: {"国家": Standard.NATIONAL, "省定": Standard.PROVINCIAL, "市定": Standard.CITY},
    # Shorter or older forms that village files write for the official labels.
    PopulationType: {
        "建档立卡贫困户": PopulationType.REGISTERED,
        "脱贫户": PopulationType.REGISTERED,
        "监测对象": PopulationType.MONITORED,
        "防返贫监测户": PopulationType.MONITORED,
        "一般户": PopulationType.ORDINARY,
    },
    Health: {
        "慢性病": Health.CHRONIC,
        "长期慢性病患者": Health.CHRONIC,
        "大病": Health.SERIOUS,
        "患大病": Health.SERIOUS,
        "重病": Health.SERIOUS,
        "残疾人": Health.DISABLED,
    },
    Labour: {
        "弱劳动力": Labour.WEAK,
        "半劳动力": Labour.WEAK,
        "丧失劳动能力": Labour.LOST,
        "无劳动能力": Labour.NONE,
        "技能劳动力（有技能）": Labour.SKILLED,
    },
    Education: {
        "学龄前": Education.PRESCHOOL_CHILD,
        "文盲": Education.ILLITERATE,
        "半文盲": Education.ILLITERATE,
        "本科": Education.BACHELOR,
        "本科及以上学历": Education.BACHELOR,
        "中专": Education.SENIOR,
        "高中及中专": Education.SENIOR,
    },
    SchoolStatus: {
        "辍学": SchoolStatus.DROPOUT,
        "失学": SchoolStatus.DROPOUT,
        "高职": SchoolStatus.HIGHER_VOCATIONAL,
        "高专": SchoolStatus.HIGHER_VOCATIONAL,
        "大学": SchoolStatus.UNIVERSITY,
        "不在校": SchoolStatus.NOT_IN_SCHOOL,
        "学龄前": SchoolStatus.PRESCHOOL,
    },
    Relation: {
        "本人": Relation.HEAD,
        "妻子": Relation.SPOUSE,
        "丈夫": Relation.SPOUSE,
        "儿子": Relation.SON,
        "子": Relation.SON,
        "女儿": Relation.DAUGHTER,
        "女": Relation.DAUGHTER,
        "儿媳": Relation.DAUGHTER_IN_LAW,
        "女婿": Relation.SON_IN_LAW,
        "孙子": Relation.GRANDSON,
        "孙女": Relation.GRANDDAUGHTER,
        "外孙子": Relation.DAUGHTERS_SON,
        "外孙": Relation.DAUGHTERS_SON,
        "外孙女": Relation.DAUGHTERS_DAUGHTER,
        "父亲": Relation.FATHER,
        "母亲": Relation.MOTHER,
        "岳父": Relation.WIFES_FATHER,
        "岳母": Relation.WIFES_MOTHER,
        "公公": Relation.HUSBANDS_FATHER,
        "婆婆": Relation.HUSBANDS_MOTHER,
        "祖父": Relation.GRANDFATHER,
        "祖母": Relation.GRANDMOTHER,
        "兄弟姐妹": Relation.SIBLING,
    },
    WorkStatus: {
        "无": WorkStatus.NONE,
        "未外出务工": WorkStatus.NONE,
        "乡内务工": WorkStatus.TOWNSHIP,
        "县内务工": WorkStatus.COUNTY,
        "省内务工": WorkStatus.PROVINCE,
        "省外": WorkStatus.OUTSIDE,
    },
}

# The national system's combined 贫困户属性 codes set both the category and the exit state.
COMBINED_CATEGORY: dict[str, tuple[str, str | None]] = {
    "01": (Category.GENERAL, Status.POOR),
    "一般贫困户": (Category.GENERAL, None),
    "02": (Category.DIBAO, Status.EXITED_POLICY),
    "低保脱贫户": (Category.DIBAO, Status.EXITED_POLICY),
    "03": (Category.TEKUN, Status.EXITED_POLICY),
    "特困供养脱贫户": (Category.TEKUN, Status.EXITED_POLICY),
    "04": (Category.DIBAO, Status.POOR),
    "低保贫困户": (Category.DIBAO, None),
    "05": (Category.GENERAL, Status.EXITED_POLICY),
    "一般脱贫户": (Category.GENERAL, Status.EXITED_POLICY),
    "06": (Category.TEKUN, Status.POOR),
    "特困供养贫困户": (Category.TEKUN, None),
    "07": (Category.TEKUN, Status.POOR),
    "低保特困供养贫困户": (Category.TEKUN, None),
    "08": (Category.TEKUN, Status.EXITED_POLICY),
    "低保特困供养户": (Category.TEKUN, None),
}

for _choices, _spellings in ALIASES.items():
    vocabulary_aliases(_choices, _spellings)
