"""The sales API: one router per area, mounted under /api/v1/."""

from ninja import Router

from tillit.sales.api import catalog, deals, orders, quotes

router = Router()
for area in (deals, catalog, quotes, orders):
    router.add_router("/", area.router)
