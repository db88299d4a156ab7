"""The service API: cases, replies and queues (``cases``); SLA policies, calendars and surveys (``sla``)."""

from ninja import Router

from tillit.service.api import cases, sla

router = Router()
for area in (cases, sla):
    router.add_router("/", area.router)
