from django.contrib.auth import views as auth_views
from django.urls import path

from tillit.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.preferences, name="preferences"),
    path("tokens/", views.tokens, name="tokens"),
    path("company/", views.company, name="company"),
    path("company/logo", views.company_logo, name="company_logo"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
