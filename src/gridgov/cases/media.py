"""Photos are never public files: a page or an API answer links a photo with a signed URL that
expires (GRIDGOV_PHOTO_LINK_HOURS, 24), and only a caller who may see the case gets one."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse

from gridgov.cases.models import Attachment

SALT = "gridgov.photo"


def photo_url(attachment: Attachment) -> str:
    token = signing.TimestampSigner(salt=SALT).sign(str(attachment.pk))
    return reverse("case-photo", args=[token])


def serve_photo(request: HttpRequest, token: str) -> FileResponse:
    hours = float(getattr(settings, "GRIDGOV_PHOTO_LINK_HOURS", 24))
    try:
        pk = int(signing.TimestampSigner(salt=SALT).unsign(token, max_age=int(hours * 3600)))
    except (signing.BadSignature, ValueError) as exc:
        raise Http404 from exc
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None or not attachment.file:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
