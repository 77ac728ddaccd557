"""Plausible Chinese personal names for demo staff (deterministic)."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武"
    "乔贺赖龚文"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰建华建国志强淑珍凤兰海燕红梅桂兰德"
    "福春华文斌晓东立新玉梅雪梅春梅红霞丽华国庆立军海波晓光宏伟振华永胜玉珍凤英淑华秀云"
)


def name_maker(seed: str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - demo data, not security


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(length))
