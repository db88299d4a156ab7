"""Sales pages. Each area keeps its own url list (``urls_*`` modules) so they can grow apart."""

from tillit.sales import urls_catalog, urls_deals, urls_quotes

app_name = "sales"
urlpatterns = [*urls_deals.urlpatterns, *urls_catalog.urlpatterns, *urls_quotes.urlpatterns]
