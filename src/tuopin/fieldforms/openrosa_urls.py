"""/openrosa/: the OpenRosa 1.0 endpoints ODK Collect is pointed at (the server URL ends here)."""

from django.urls import path

from tuopin.fieldforms import openrosa_views as openrosa

app_name = "openrosa"
urlpatterns = [
    path("formList", openrosa.form_list, name="form_list"),
    path("forms/<str:form_id>/form.xml", openrosa.form_xml, name="form_xml"),
    path("forms/<str:form_id>/manifest", openrosa.manifest, name="manifest"),
    path("forms/<str:form_id>/media/<str:name>", openrosa.media, name="media"),
    path("submission", openrosa.submission, name="submission"),
]
