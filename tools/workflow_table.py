"""Print the case workflow's transition table as Markdown (docs/cases.md embeds it; a test
checks the page still matches the code).

Usage: python tools/workflow_table.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

ACTOR_ZH = {
    "centre": "承办中心",
    "lead": "主办单位",
    "co": "协办单位",
    "supervisor": "督办人员",
    "leader": "领导",
    "upper": "上级中心",
    "reporter": "上报网格员",
    "system": "系统",
    "grid": "案发网格网格员",
}
STATUS_ZH = {
    "submitted": "待受理",
    "rejected": "不予受理",
    "accepted": "待派遣",
    "dispatched": "待签收",
    "in_progress": "办理中",
    "handled": "待核查",
    "closed": "已结案",
    "rated": "已回访",
    "archived": "已归档",
    "held": "挂起",
    "void_pending": "作废待批",
    "voided": "已作废",
    "merged": "已合并",
}


def markdown() -> str:
    from gridgov.cases.workflow import PREVIOUS, TABLE

    lines = ["| status | action | → status | who | requires |", "|---|---|---|---|---|"]
    for status, actions in TABLE.items():
        for action, transition in actions.items():
            if transition.to == PREVIOUS:
                to = "(previous)"
            elif transition.to:
                to = f"{transition.to} {STATUS_ZH[str(transition.to)]}"
            else:
                to = "(same)"
            who = "、".join(ACTOR_ZH[str(a)] for a in sorted(transition.actors))
            lines.append(
                f"| {status} {STATUS_ZH[str(status)]} | {action} | {to} | {who} | "
                f"{', '.join(transition.requires) or '—'} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
