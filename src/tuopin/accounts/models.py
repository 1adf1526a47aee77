from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.accounts.roles import Role, role_capabilities


class User(AbstractUser):
    """A person who signs in. Holds one role and one or more area scopes (UserArea)."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    can_manage_users = models.BooleanField(_("可管理用户"), default=False)
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    organisation = models.CharField(_("单位"), max_length=100, blank=True)

    PRIVACY = {
        "id": "public",
        "password": "sensitive",
        "last_login": "personal",
        "is_superuser": "public",
        "username": "personal",
        "first_name": "personal",
        "last_name": "personal",
        "email": "personal",
        "is_staff": "public",
        "is_active": "public",
        "date_joined": "personal",
        "groups": "public",
        "user_permissions": "public",
        "role": "public",
        "can_manage_users": "public",
        "full_name": "personal",
        "organisation": "public",
    }

    # Set per request by AccountMiddleware: the one held area chosen in the page, or "" for all of them.
    active_area_code = ""

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")

    def audit_area(self) -> str:
        """The area codes held, as an audit row records them (tuopin.audit.services.Actor)."""
        from tuopin.accounts.scope import area_codes

        return ",".join(area_codes(self))

    def can(self, capability: str) -> bool:
        return self.is_active and capability in role_capabilities(
            self.role, can_manage_users=self.can_manage_users
        )

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Token(models.Model):
    """A personal access token for the API. Only its SHA-256 is stored; it acts exactly as its user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("名称"), max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    PRIVACY = {
        "id": "public",
        "user": "personal",
        "name": "public",
        "digest": "sensitive",
        "prefix": "public",
        "created_at": "public",
        "last_used_at": "public",
        "revoked_at": "public",
    }

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("访问令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class UserArea(models.Model):
    """One area scope of a user: the user sees the area and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="area_links")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")

    PRIVACY = {"id": "public", "user": "public", "area": "public"}

    class Meta:
        ordering = ["area_id"]
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="userarea_unique")]
        verbose_name = _("用户管辖区划")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.area_id}"
