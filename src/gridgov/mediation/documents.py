"""The documents of a mediation, built from its records: the 人民调解协议书 PDF of an
agreement (``agreement_pdf`` draws it; only masked ID numbers and phones reach it)."""

from __future__ import annotations

from gridgov.mediation.agreement_pdf import (
    AgreementDocument,
    PartyLine,
    SignatureLine,
    render_agreement,
)
from gridgov.mediation.models import Agreement
from gridgov.registry.choices import Gender


def agreement_document(agreement: Agreement) -> AgreementDocument:
    """What the agreement's PDF shows: the parties as registered (ages in the signing year),
    the terms, the signatures the agreement records and the lead mediator's."""
    mediation = agreement.mediation
    dispute = mediation.dispute
    year = agreement.signed_on.year
    parties = [
        PartyLine(
            role=party.get_role_display(),
            name=party.name,
            gender=str(Gender(party.gender).label)
            if party.gender in Gender.values
            else party.gender,
            age=year - party.birth_year if party.birth_year else None,
            id_masked=party.id_masked,
            phone_masked=party.phone_masked,
            address=party.address,
            agent=party.agent,
        )
        for party in dispute.parties.all()
    ]
    signatures = [
        SignatureLine(
            label=str(s.get("label") or ""),
            name=str(s.get("name") or ""),
            signed=bool(s.get("signed")),
            signed_on=agreement.signed_on if s.get("signed") else None,
        )
        for s in agreement.signatures
    ]
    signatures.append(
        SignatureLine(
            label="人民调解员",
            name=mediation.mediator.name,
            signed=True,
            signed_on=agreement.signed_on,
        )
    )
    return AgreementDocument(
        committee=mediation.committee.name,
        number=agreement.number,
        parties=parties,
        dispute_kind=dispute.get_kind_display(),
        facts=agreement.facts,
        terms=list(agreement.terms),
        perform_by=agreement.perform_by,
        perform_note=agreement.perform_note,
        mediator=mediation.mediator.name,
        signatures=signatures,
        signed_on=agreement.signed_on,
    )


def agreement_pdf(agreement: Agreement) -> bytes:
    return render_agreement(agreement_document(agreement))
