"""Readable names of the audit actions, for the audit page (the stored code stays stable)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "auth.login": _("登录成功"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.lockout": _("账户锁定"),
    "access.denied": _("拒绝访问"),
    "access.not_found": _("访问范围外对象"),
    "user.create": _("新建用户"),
    "user.update": _("修改用户"),
    "user.password": _("设置密码"),
    "user.otp_enrol": _("启用动态验证码"),
    "areas.load": _("加载行政区划"),
    "areas.attributes": _("导入区划年度属性"),
    "token.create": _("创建访问令牌"),
    "token.revoke": _("撤销访问令牌"),
    "registry.import": _("导入建档立卡数据"),
    "ledger.import": _("导入台账"),
}
RESULT_LABELS = {
    "ok": _("成功"),
    "failed": _("失败"),
    "denied": _("拒绝"),
    "throttled": _("超出频率限制"),
    "refused": _("拒收"),
    "error": _("出错"),
}
