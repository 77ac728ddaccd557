"""The five default criteria of the star rating (星级党组织评定); counties edit them in the admin."""

from django.db import migrations

DEFAULTS = [
    ("leadership", "班子建设", "班子健全，书记履职，议事规则落实", 20, 1),
    ("members", "党员队伍", "党员教育管理、发展党员、流动党员联系", 20, 2),
    ("life", "组织生活", "三会一课、主题党日、组织生活会按期开展，参会率", 20, 3),
    ("service", "服务群众", "双报到、微心愿与服务项目认领办结，党群服务中心运行", 20, 4),
    ("governance", "网格治理", "网格事件办结、矛盾纠纷化解、群众满意度", 20, 5),
]


def add_defaults(apps, schema_editor):
    StarCriterion = apps.get_model("party", "StarCriterion")
    for code, name, description, points, order in DEFAULTS:
        StarCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "max_points": points,
                "order": order,
            },
        )


def remove_defaults(apps, schema_editor):
    StarCriterion = apps.get_model("party", "StarCriterion")
    StarCriterion.objects.filter(code__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
