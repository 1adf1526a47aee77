"""What the page shell needs on every page: the navigation the user may see and their area scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tuopin.accounts.scope import held_area_codes

# (label, url name, capability). An entry appears only when its page works and the user may open it.
NAVIGATION = [
    (_("首页"), "site:home", "read"),
    (_("统计"), "dashboards:area", "read"),
    (_("贫困测度"), "measures:measures", "read"),
    (_("贫困户"), "registry:households", "read"),
    (_("行政区划"), "areas:browse", "read"),
    (_("识别退出"), "procedures:list", "read"),
    (_("退出评估"), "assessment:runs", "read"),
    (_("部门数据"), "feeds:batches", "read"),
    (_("返贫监测"), "monitoring:alerts", "read"),
    (_("帮扶"), "assistance:pairings", "read"),
    (
        _("离线采集"),
        "fieldforms:submissions",
        "write",
    ),  # the task forces who collect and the offices who review
    (_("督查整改"), "supervision:items", "read"),
    (_("医疗废物"), "medwaste:overview", "medwaste"),
    (_("考核指标"), "contest:systems", "read"),
    (_("擂台赛"), "contest:rounds", "read"),
    (_("政策参数"), "policy:profile", "read"),
]
# Administration lives in the user menu: the bar keeps the daily work.
ADMINISTRATION = [
    (_("用户管理"), "accounts:user_list", "manage_users"),
    (_("审计日志"), "audit:search", "audit"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    from tuopin.areas.models import Area

    held = held_area_codes(user)
    names = dict(Area.objects.filter(code__in=held).values_list("code", "name"))
    active = getattr(user, "active_area_code", "")

    def entries(items: list[tuple[Any, str, str]]) -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "url": reverse(name),
                "active": request.path == reverse(name)
                or (name != "site:home" and request.path.startswith(reverse(name))),
            }
            for label, name, capability in items
            if user.can(capability)
        ]

    nav = entries(NAVIGATION)
    return {
        "nav": nav,
        "admin_nav": entries(ADMINISTRATION),
        "scope_choices": [(code, names.get(code, code)) for code in held],
        "scope_active": active if active in held else "",
        "scope_label": names.get(active)
        if active in held
        else "、".join(names.get(c, c) for c in held[:3]) + ("…" if len(held) > 3 else ""),
    }
