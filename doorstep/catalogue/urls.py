from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="catalogue-index"),
    path("department/<slug:code>/", views.department, name="catalogue-department"),
    path("life-event/<slug:code>/", views.life_event, name="catalogue-life-event"),
    path("<slug:code>/", views.guide, name="catalogue-guide"),
    path("<slug:code>/guide.pdf", views.guide_pdf, name="catalogue-guide-pdf"),
    path(
        "<slug:code>/materials/<int:pk>/<slug:kind>/",
        views.material_file,
        name="catalogue-material-file",
    ),
]
