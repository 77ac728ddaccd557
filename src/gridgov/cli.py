"""The ``gridgov`` command: one entry point wrapping Django's management commands."""

from __future__ import annotations

import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (Django management command, help line)
    "demo": ("demo", "一键演示：迁移数据库、载入演示县（舒兰市）和演示账号，并启动服务 [--port N]"),
    "serve": ("serve", "启动生产服务（waitress）[--host H] [--port N] [--threads N]"),
    "migrate": ("migrate", "创建或升级数据库结构"),
    "import-divisions": (
        "import_divisions",
        "导入统计用区划（乡镇、村/社区）--county CODE [--source villages.csv]",
    ),
    "import-grids": ("import_grids", "导入网格边界 FILE.geojson（先校验，全部通过才写入）"),
    "build-grids": (
        "build_grids",
        "按村（社区）生成示意网格划分 --county CODE --urban N --rural M",
    ),
    "locate": ("locate", "坐标定位到网格 LNG LAT [--crs wgs84|gcj02]"),
    "load-catalogue": ("load_catalogue", "载入默认事项清单 --county CODE"),
    "sweep": ("sweep", "巡检超期：预警、超期、自动上报、归档（可每分钟运行）"),
    "verify-timelines": ("verify_timelines", "按案件记录重放核对每个案件的状态"),
    "rebuild-rollups": (
        "rebuild_rollups",
        "按案件记录重建统计汇总 [--region CODE] [--from-rows] [--check]",
    ),
    "report": (
        "report",
        "月度考核报告 monthly --region CODE --month YYYY-MM --format xlsx|pdf [--output FILE]",
    ),
    "import-registry": (
        "import_registry",
        "导入基础数据 --kind people|rooms|organisations FILE.xlsx|csv --user NAME（全部通过才写入）",
    ),
    "registry-template": (
        "registry_template",
        "导出基础数据导入模板 --kind people|rooms|organisations [--format xlsx|csv] [--output FILE]",
    ),
    "rotate-field-keys": (
        "rotate_field_keys",
        "用最新密钥重新加密个人信息字段（GRIDGOV_FIELD_KEYS 首个密钥）[--rehash]",
    ),
    "createadmin": ("createadmin", "创建系统管理员账号"),
    "create-client": (
        "create_client",
        "登记接入系统并签发 API 密钥和令牌 --code C --name N --region CODE",
    ),
    "deliver-webhooks": ("deliver_webhooks", "投递待发送的 Webhook 消息 [--loop 秒]"),
    "load-demo": ("load_demo", "只载入演示数据，不启动服务"),
    "check": ("check", "检查配置（加 --deploy 检查生产安全设置）"),
    "shell": ("shell", "Django 交互式命令行"),
    "manage": ("", "其他 Django 管理命令：gridgov manage <command> …"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "gridgov — 党建引领网格化服务管理平台 / party-building-led grid governance",
        "",
        "usage: gridgov <command> [options]      (gridgov <command> --help for its options)",
        "",
        "commands:",
    ]
    lines += [f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items()]
    lines += [
        "",
        "environment: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, GRIDGOV_DATA_DIR, REDIS_URL",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name == "--version":
        from importlib.metadata import version

        print(version("gridgov"))
        return 0
    if name not in COMMANDS:
        print(f"gridgov: 未知命令 {name!r}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    if name in {"demo", "load-demo"}:
        os.environ.setdefault("GRIDGOV_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    command = COMMANDS[name][0]
    argv = ["gridgov", *(rest or ["help"])] if name == "manage" else ["gridgov", command, *rest]
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"gridgov: 配置错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
