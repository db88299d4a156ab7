"""Marketing pages: segments and lists (``urls_segments``), campaigns/tracking/attribution (``web.urls``),
email campaigns (``email.urls``)."""

from tillit.marketing import urls_segments
from tillit.marketing.email import urls as email_urls
from tillit.marketing.web import urls as web_urls

app_name = "marketing"
urlpatterns = [*urls_segments.urlpatterns, *web_urls.urlpatterns, *email_urls.urlpatterns]
