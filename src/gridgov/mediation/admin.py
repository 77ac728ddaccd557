"""Back office for disputes and mediation: every record is shown read-only inside the user's
jurisdiction (they change through the services behind the workbench); phones and ID numbers
show only their masked form."""

from __future__ import annotations

from django.contrib import admin

from gridgov.core.admin import ViewOnlyAdminMixin
from gridgov.mediation.models import (
    Agreement,
    Campaign,
    Committee,
    Confirmation,
    Consultation,
    Dispute,
    FollowUp,
    Lawyer,
    LegalDuty,
    Mediation,
    Mediator,
    MediatorDuty,
    Party,
    Petition,
    Petitioner,
    ScreeningReport,
    Session,
)


class ViewOnlyAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Look, never write: disputes, mediation and petitions change through the services."""


@admin.register(Committee)
class CommitteeAdmin(ViewOnlyAdmin):
    list_display = ("name", "kind", "region_path", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


@admin.register(Mediator)
class MediatorAdmin(ViewOnlyAdmin):
    list_display = ("name", "committee", "kind", "phone_masked", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    readonly_fields = ("region_path", "phone_masked")


@admin.register(Dispute)
class DisputeAdmin(ViewOnlyAdmin):
    list_display = ("case", "kind", "risk", "amount_yuan", "created_at")
    list_filter = ("kind", "risk", "violence_risk", "mass_risk")


@admin.register(Party)
class PartyAdmin(ViewOnlyAdmin):
    list_display = ("dispute", "role", "name", "id_masked", "phone_masked")
    readonly_fields = ("region_path", "id_masked", "phone_masked")


@admin.register(Mediation)
class MediationAdmin(ViewOnlyAdmin):
    list_display = ("dispute", "committee", "mediator", "accepted_on", "state", "closed_on")
    list_filter = ("state",)


@admin.register(Session)
class SessionAdmin(ViewOnlyAdmin):
    list_display = ("mediation", "starts_at", "online", "place")


@admin.register(Agreement)
class AgreementAdmin(ViewOnlyAdmin):
    list_display = ("number", "mediation", "signed_on", "perform_by")
    search_fields = ("number",)


@admin.register(Confirmation)
class ConfirmationAdmin(ViewOnlyAdmin):
    list_display = ("agreement", "court", "applied_on", "result", "decided_on")
    list_filter = ("result",)


@admin.register(FollowUp)
class FollowUpAdmin(ViewOnlyAdmin):
    list_display = ("mediation", "visited_on", "honoured")
    list_filter = ("honoured",)


@admin.register(Campaign)
class CampaignAdmin(ViewOnlyAdmin):
    list_display = ("title", "region_path", "starts_on", "ends_on", "due_on")


@admin.register(ScreeningReport)
class ScreeningReportAdmin(ViewOnlyAdmin):
    list_display = ("campaign", "region_path", "nil", "late", "reported_at")
    list_select_related = ("campaign",)
    list_filter = ("nil",)


@admin.register(Petition)
class PetitionAdmin(ViewOnlyAdmin):
    list_display = ("case", "form", "people_count", "state", "received_on", "reply_by")
    list_filter = ("form", "state", "skips_level")


@admin.register(Petitioner)
class PetitionerAdmin(ViewOnlyAdmin):
    list_display = ("petition", "name", "id_masked", "phone_masked")
    readonly_fields = ("region_path", "id_masked", "phone_masked")


@admin.register(Lawyer)
class LawyerAdmin(ViewOnlyAdmin):
    list_display = ("name", "firm", "region_path", "phone_masked", "active")
    readonly_fields = ("region_path", "phone_masked")


@admin.register(LegalDuty)
class LegalDutyAdmin(ViewOnlyAdmin):
    list_display = ("day", "slot", "region_path", "lawyer")
    list_filter = ("slot",)


@admin.register(MediatorDuty)
class MediatorDutyAdmin(ViewOnlyAdmin):
    list_display = ("day", "slot", "region_path", "mediator")
    list_filter = ("slot",)


@admin.register(Consultation)
class ConsultationAdmin(ViewOnlyAdmin):
    list_display = ("requester_name", "topic", "channel", "lawyer", "created_at", "referral")
    list_filter = ("topic", "channel", "referral")
    readonly_fields = ("region_path", "phone_masked")
