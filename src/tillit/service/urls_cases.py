"""Pages for cases, the inbox, queues and rules, and the public support form."""

from django.urls import path

from tillit.service import views

urlpatterns = [
    path("service/", views.inbox, name="inbox"),
    path("service/cases/", views.case_list, name="case_list"),
    path("service/cases/new/", views.case_create, name="case_create"),
    path("service/cases/<int:case_id>/", views.case_detail, name="case"),
    path("service/cases/<int:case_id>/take/", views.case_take, name="case_take"),
    path("service/cases/<int:case_id>/reply/", views.case_reply, name="case_reply"),
    path("service/cases/<int:case_id>/note/", views.case_note, name="case_note"),
    path("service/cases/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("service/cases/<int:case_id>/priority/", views.case_priority, name="case_priority"),
    path("service/cases/<int:case_id>/status/", views.case_status, name="case_status"),
    path("service/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("service/queues/", views.queue_list, name="queues"),
    path("service/queues/new/", views.queue_edit, name="queue_create"),
    path("service/queues/<int:queue_id>/", views.queue_detail, name="queue"),
    path("service/queues/<int:queue_id>/edit/", views.queue_edit, name="queue_edit"),
    path("service/rules/new/", views.rule_edit, name="rule_create"),
    path("service/rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("service/inbound/", views.inbound_log, name="inbound_log"),
    path("service/inbound/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("support/", views.support_form, name="support_form"),
]
