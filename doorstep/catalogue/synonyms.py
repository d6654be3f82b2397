"""The starter set of synonyms for the catalogue search: the words residents use for the
SAMPLE matters (低保 for 最低生活保障, 补办 for 补领 …). Data that administrators change in the
admin: seeding adds only the rows that are missing."""

from __future__ import annotations

# fmt: off
STARTER = [
    "补办 补领 补发 补换 补证 遗失补领 挂失补办",
    "换领 换发 换证 换卡",
    "挂失 丢失 遗失 丢了",
    "低保 最低生活保障 低保金",
    "特困 特困人员 五保",
    "养老金 养老保险待遇 退休金 养老待遇",
    "医保 医疗保险 基本医疗保险 医疗保障",
    "报销 费用报销 零星报销 费用结算",
    "出生证明 出生医学证明 出生证",
    "户口 户籍",
    "身份证 居民身份证",
    "社保卡 社会保障卡",
    "社保 社会保险",
    "残疾证 残疾人证",
    "高龄津贴 高龄补贴 老年津贴 长寿补贴 尊老金",
    "老年证 老年人优待证 敬老卡",
    "迁户口 户口迁移 迁移户口",
    "上户口 报户口 户口登记 落户",
    "失业金 失业保险金",
    "丧葬费 遗属待遇 抚恤金",
    "生育津贴 生育保险 产假工资",
    "居住证 暂住证",
    "接种证 预防接种证 疫苗本",
    "轮椅 助听器 辅助器具",
    "退伍 退役",
    "律师 法律援助 打官司",
    "慢性病 慢特病",
    "异地就医 异地备案",
    "急难 临时救助",
    "家庭医生 家医签约",
    "刷脸 资格认证 年审",
    "结婚登记 领证 领结婚证",
    "改名 更名",
    "无障碍 无障碍改造",
    "孤儿 事实无人抚养",
    "残疾人补贴 两项补贴",
    "养老服务 居家养老",
]
# fmt: on


def seed_synonyms(model=None) -> int:
    """Add the starter rows that are missing; returns how many were added."""
    if model is None:
        from .models import Synonym as model
    have = set(model.objects.values_list("words", flat=True))
    rows = [model(words=words) for words in STARTER if words not in have]
    model.objects.bulk_create(rows)
    return len(rows)
