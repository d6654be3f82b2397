"""The demo district: Hanyang District, Wuhan (GB/T 2260 420105) and its 11 streets.

Street names are real. Street and community statistical codes were not found in a public
source, so the codes below are synthetic (street 001–011, community 001–…), and so are all
community names except 七里一村 (琴断口街道) and all compound names except 二印小区.
"""

from __future__ import annotations

DISTRICT = ("420105", "汉阳区")
STREETS = [
    "晴川街道",
    "建桥街道",
    "鹦鹉街道",
    "洲头街道",
    "五里墩街道",
    "琴断口街道",
    "江汉二桥街道",
    "永丰街道",
    "江堤街道",
    "龙阳街道",
    "四新街道",
]
# 31 communities in the pilot; how many each street gets (synthetic split).
COMMUNITIES_PER_STREET = [3, 3, 3, 2, 3, 4, 3, 3, 2, 3, 2]
REAL_COMMUNITY = ("琴断口街道", "七里一村社区", ["二印小区"])
COMPOUND_WORDS = [
    "阳光",
    "翠微",
    "锦绣",
    "滨江",
    "和平",
    "建设",
    "月湖",
    "龟山",
    "莲花",
    "芳草",
    "梅园",
    "新村",
    "幸福",
    "晴川",
    "汉水",
    "琴台",
    "知音",
    "墨水湖",
    "十里",
    "桃源",
]
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "苑", "公寓"]
