"""`figures_stale`: the data below some area codes changed, so what is counted of those areas is out of date.

Sent by the batch engine after an assessment run, a screening run, a registry import and a ledger import, with
`codes` (the changed areas; None or [""]: all). The floors above listen (tuopin.dashboards refreshes its stored
aggregates); the senders need not know who does.
"""

from django.dispatch import Signal

figures_stale = Signal()
