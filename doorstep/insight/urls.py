from django.urls import path

from . import views

urlpatterns = [
    path("ledgers/", views.ledger_index, name="insight-ledgers"),
    path("ledgers/<slug:key>.xlsx", views.ledger_download, name="insight-ledger"),
    path("ledgers/<slug:key>/feed/", views.feed_new, name="insight-feed-new"),
    path("feeds/<int:pk>/revoke/", views.feed_revoke, name="insight-feed-revoke"),
    path("feeds/<str:token>.xlsx", views.feed_fetch, name="insight-feed"),
]
