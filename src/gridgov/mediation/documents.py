"""The documents built from the records: the 人民调解协议书 PDF of an agreement
(``agreement_pdf`` draws it) and the 信访事项答复意见书 PDF of a petition's reply (``reply_pdf``
draws it); only masked ID numbers and phones reach them."""

from __future__ import annotations

from gridgov.mediation.agreement_pdf import (
    AgreementDocument,
    PartyLine,
    SignatureLine,
    render_agreement,
)
from gridgov.mediation.models import Agreement, Petition
from gridgov.mediation.reply_pdf import PetitionerLine, ReplyDocument, render_reply
from gridgov.regions.models import Region
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


# -- the petition's reply ---------------------------------------------------------------------


def organ_name(region: Region) -> str:
    """The authority of a place as it signs: 舒兰市人民政府, 北城街道办事处, 育才社区居民委员会."""
    name = region.name
    if region.level == "village":
        return f"{name}居民委员会" if name.endswith("社区") else f"{name}村民委员会"
    if name.endswith("街道"):
        return f"{name}办事处"
    return f"{name}人民政府"


def _upper(region: Region) -> Region | None:
    """The nearest region above ``region`` that is a township or higher."""
    parent = region.parent
    while parent is not None and parent.level in ("village", "grid"):
        parent = parent.parent
    return parent


def reply_office(petition: Petition) -> tuple[str, str]:
    """Who replies (the case's lead department or centre, else its centre) and where a review
    is requested (the lead department's own government, else the authority one level up)."""
    case = petition.case
    if case.lead_department is not None:
        department = case.lead_department
        return department.name, f"{organ_name(department.region)}或其上一级主管部门"
    region = case.lead_centre or case.centre
    upper = _upper(region)
    return organ_name(region), organ_name(upper) if upper is not None else "上一级行政机关"


def reply_document(petition: Petition) -> ReplyDocument:
    """What the reply's PDF shows: the petitioners (masked), the matter, the facts, the reply,
    the replying office and the rights note. Before the reply the date and text stay blank."""
    case = petition.case
    office, review_to = reply_office(petition)
    year = (petition.replied_on or petition.received_on).year
    return ReplyDocument(
        office=office,
        number=f"（{year}）信复字第 {case.number} 号",
        petitioners=[
            PetitionerLine(
                name=p.name,
                id_masked=p.id_masked,
                phone_masked=p.phone_masked,
                address=p.address,
            )
            for p in petition.petitioners.all()
        ],
        people_count=petition.people_count,
        form=petition.get_form_display(),
        matter=case.title,
        received_on=petition.received_on,
        accepted_on=petition.acknowledged_on if petition.reply_by is not None else None,
        facts=case.description,
        reply=petition.reply_text if petition.replied_on is not None else "",
        replied_on=petition.replied_on,
        review_to=review_to,
    )


def reply_pdf(petition: Petition) -> bytes:
    return render_reply(reply_document(petition))
