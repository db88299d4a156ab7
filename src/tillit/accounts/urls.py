from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from tillit.accounts import views, views_security

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", views_security.two_factor_step(auth_views.LogoutView.as_view()), name="logout"),
    path("settings/", views.preferences, name="preferences"),
    path("tokens/", views.tokens, name="tokens"),
    path("company/", views.company, name="company"),
    path("company/logo", views.company_logo, name="company_logo"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # Sign-in security
    path("security/", views_security.security, name="security"),
    path("two-factor/setup/", views_security.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views_security.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", views_security.recovery_codes_renew, name="recovery_codes_renew"),
    path("two-factor/disable/", views_security.two_factor_disable, name="two_factor_disable"),
    path("sessions/sign-out-elsewhere/", views_security.sign_out_elsewhere, name="sign_out_elsewhere"),
    path("lockouts/", views_security.lockouts, name="lockouts"),
    path("lockouts/release/", views_security.lockout_release, name="lockout_release"),
    path("password/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_changed"),
    ), name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_changed.html"), name="password_changed"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html", email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_sent"),
    ), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_sent.html"), name="password_reset_sent"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:password_reset_done"),
    ), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
]
