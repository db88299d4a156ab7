"""The marketing API: segments and lists, campaigns and tracking, email campaigns."""

from ninja import Router

from tillit.marketing.api import segments
from tillit.marketing.email import api as email_api
from tillit.marketing.web import api as web_api
from tillit.marketing.web import api_sites

router = Router()
for area in (segments, web_api, api_sites, email_api):
    router.add_router("/", area.router)
