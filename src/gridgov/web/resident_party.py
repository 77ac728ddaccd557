"""The online party branch (网上党支部) in the resident portal at ``/r/party/``: a member logged
in with the phone kept in the register (``party.selectors.member_for_resident``) sees their
branch, its upcoming and recent meetings (agenda, materials, the online link, the minutes of
held ones) and signs in within the window (remotely for an online meeting), through
``party.services.sign_in``.

Nothing of other people is shown but the name of the branch's secretary. A resident who is not a
member gets a polite message; a meeting of another organisation is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.models import Resident
from gridgov.party import choices as c
from gridgov.party import selectors, services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import Attendance, Meeting, PartyMember
from gridgov.web.resident import current_resident

RECENT = 10


def _resident_or_login(request: HttpRequest) -> Resident | HttpResponse:
    resident = current_resident(request)
    if resident is None:
        return redirect(f"{reverse('resident-login')}?next={request.path}")
    return resident


def _window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    """When signing in opens and closes (the service's rule, shown to the member)."""
    closes = meeting.ends_at or meeting.starts_at + services.SIGN_IN_OPEN_END
    return meeting.starts_at - services.SIGN_IN_EARLY, closes


def _own_attendance(member: PartyMember, meetings: list[Meeting]) -> dict[int, Attendance]:
    """The member's own attendance rows at these meetings (nobody else's)."""
    rows = member.attendance.filter(meeting_id__in=[m.pk for m in meetings])
    return {row.meeting_id: row for row in rows}


def _row(meeting: Meeting, attendance: Attendance | None, now: dt.datetime) -> dict[str, Any]:
    opens, closes = _window(meeting)
    attended = attendance is not None and attendance.kind in c.ATTENDED
    return {
        "meeting": meeting,
        "attendance": attendance,
        "attended": attended,
        "opens": opens,
        "closes": closes,
        "over": now > closes,
        "can_sign": (
            not attended and meeting.state != c.MeetingState.CANCELLED and opens <= now <= closes
        ),
    }


def _branch(member: PartyMember) -> dict[str, Any]:
    secretary = selectors.secretary_of(member.organisation)
    return {
        "organisation": member.organisation,
        "secretary": secretary.person.name if secretary is not None else "",
        "stars": "★" * member.organisation.stars,
    }


def _base(request: HttpRequest, resident: Resident, **extra: Any) -> dict[str, Any]:
    return {"resident": resident, "tab": "mine", **extra}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    found = _resident_or_login(request)
    if isinstance(found, HttpResponse):
        return found
    resident = found
    member = selectors.member_for_resident(resident)
    if member is None:
        return render(request, "web/resident/party.html", _base(request, resident, member=None))
    now = timezone.now()
    upcoming = list(selectors.meetings_for_member(member, upcoming=True))
    recent = list(selectors.meetings_for_member(member, upcoming=False)[:RECENT])
    own = _own_attendance(member, upcoming + recent)
    context = _base(
        request,
        resident,
        member=member,
        upcoming=[_row(m, own.get(m.pk), now) for m in upcoming],
        recent=[_row(m, own.get(m.pk), now) for m in recent],
        **_branch(member),
    )
    return render(request, "web/resident/party.html", context)


def _member_meeting(request: HttpRequest, pk: int) -> tuple[Resident, PartyMember, Meeting]:
    """The logged-in member and one meeting of their organisation (404 for anything else)."""
    resident = current_resident(request)
    member = selectors.member_for_resident(resident) if resident is not None else None
    if resident is None or member is None:
        raise Http404(_("未找到该会议"))
    meeting = (
        selectors.meetings_for_member(member, upcoming=True).filter(pk=pk).first()
        or selectors.meetings_for_member(member, upcoming=False).filter(pk=pk).first()
    )
    if meeting is None:
        raise Http404(_("未找到该会议"))
    return resident, member, meeting


def _meeting_page(
    request: HttpRequest,
    resident: Resident,
    member: PartyMember,
    meeting: Meeting,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    own = _own_attendance(member, [meeting])
    context = _base(
        request,
        resident,
        member=member,
        row=_row(meeting, own.get(meeting.pk), timezone.now()),
        held=meeting.state == c.MeetingState.HELD,
        error=error,
        **_branch(member),
    )
    return render(request, "web/resident/party_meeting.html", context, status=status)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if current_resident(request) is None:
        return redirect(f"{reverse('resident-login')}?next={request.path}")
    resident, member, meeting = _member_meeting(request, pk)
    return _meeting_page(request, resident, member, meeting)


def _message(exc: ValidationError) -> str:
    return "；".join(exc.messages) or _("签到失败，请稍后再试。")


@require_POST
def sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign in to the meeting (on site, or ``remote`` for an online meeting)."""
    resident, member, meeting = _member_meeting(request, pk)
    remote = request.POST.get("remote") in ("1", "on", "true")
    try:
        services.sign_in(member=member, meeting_id=meeting.pk, remote=remote)
    except ValidationError as exc:
        return _meeting_page(request, resident, member, meeting, error=_message(exc), status=400)
    except PartyConflict as exc:
        return _meeting_page(request, resident, member, meeting, error=exc.message, status=409)
    except PermissionDenied as exc:
        message = str(exc) or _("您不能在该会议签到。")
        return _meeting_page(request, resident, member, meeting, error=message, status=403)
    if remote:
        messages.success(request, _("远程签到成功"))
    else:
        messages.success(request, _("签到成功"))
    return redirect("resident-party-meeting", pk=meeting.pk)
