from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from doorstep.feedback import views as feedback_views

from . import views
from .api.main import api

urlpatterns = [
    path("", views.home, name="home"),
    path("compounds/", views.find_compound, name="compound-find"),
    path("elderly/", views.elderly, name="elderly"),
    # Browsers ask for /favicon.ico before they read the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("households/<int:pk>/", views.household, name="household"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/", include("doorstep.api.open311.urls")),
    path("", include("doorstep.people.urls")),
    path("services/", include("doorstep.catalogue.urls")),
    path("desks/", include("doorstep.desks.urls")),
    path("cases/", include("doorstep.cases.urls")),
    path("disputes/", include("doorstep.disputes.urls")),
    path("notify/", include("doorstep.notify.urls")),
    path("workdays/", include("doorstep.workdays.urls")),
    path("programmes/", include("doorstep.proactive.urls")),
    path("needs/", include("doorstep.needs.urls")),
    path("visits/", include("doorstep.visits.urls")),
    path("reception/", include("doorstep.reception.urls")),
    path("feedback/", include("doorstep.feedback.urls")),
    path("dashboard/", include("doorstep.insight.dashboard_urls")),
    # The resident's rating page: a short address, for SMS and for the receipt's QR code.
    path("rate/<str:key>/", feedback_views.rate, name="feedback-rate"),
    path("insight/", include("doorstep.insight.urls")),
    path("staff/", include("doorstep.staff.urls")),
]
