"""Service pages: cases, inbox and queues (``urls_cases``); SLA, surveys and reports (``urls_sla``)."""

from tillit.service import urls_cases, urls_sla

app_name = "service"
urlpatterns = [*urls_cases.urlpatterns, *urls_sla.urlpatterns]
