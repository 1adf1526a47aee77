from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tuopin.accounts.permissions import require
from tuopin.accounts.roles import Capability, Role
from tuopin.administration.audit_selectors import audit_events_for
from tuopin.audit.actions import ACTION_LABELS
from tuopin.core.forms import TextCheckedForm


class AuditFilter(TextCheckedForm):
    actor = forms.CharField(label=_("用户"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", "—"), *[(k, v) for k, v in ACTION_LABELS.items()]]
    )
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@require(Capability.AUDIT)
def search(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    roles = dict(Role.choices)
    rows = [(event, roles.get(event.role, event.role)) for event in page]
    return render(request, "administration/audit/search.html", {"form": form, "page": page, "rows": rows})
