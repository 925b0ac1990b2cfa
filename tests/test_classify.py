"""Document type from content: short documents, documents quoting another kind's words,
OCR damage, unknown documents; and the fallback title."""

from __future__ import annotations

import pytest

from pipeline.classify import classify, first_title
from tests.note_helpers import make_document

BODY = 10.0

SHORT = {
    "letter": [
        ("KØBENHAVNS KOMMUNE", 14),
        ("Dato: 3. maj 2024", BODY),
        ("Sagsnr.: 2024-118", BODY),
        ("", 0),
        ("Vi har modtaget jeres brev og svarer hermed.", BODY),
        ("Venlig hilsen", BODY),
    ],
    "budget_note": [
        ("BI12 Budgetnotat om styrket indsats", 14),
        ("Baggrund", BODY),
        ("Forvaltningen foreslår en styrket indsats.", BODY),
        ("Tabel 1 – Udgifter (1.000 kr., 2025 p/l)", BODY),
    ],
    "intentions": [
        ("Hensigtserklæringer", 15),
        ("Titel Hensigtserklæring", BODY),
        ("Parterne er enige om, at forvaltningen skal udarbejde et notat.", BODY),
    ],
    "grant_expiry": [
        ("Nr. 4", BODY),
        ("Beskrivelse af udløb", BODY),
        ("Indhold i indsatsen:", BODY),
        ("Faglig vurdering af videreførelse", BODY),
        ("Økonomi/ressourcer:", BODY),
    ],
    "accounts": [
        ("Regnskab 2024", 14),
        ("Hovedprodukt Korrigeret budget Regnskab Afvigelse", BODY),
        ("Styringsområdet udviser et mindreforbrug på 12 mio. kr.", BODY),
    ],
}


@pytest.mark.parametrize("doc_type", sorted(SHORT))
def test_short_documents_get_their_type(doc_type: str) -> None:
    assert classify(make_document([SHORT[doc_type]]))[0] == doc_type


QUOTING = {
    "budget_note": [  # discusses accounts, quotes an intention, names letter labels
        ("BI7 Budgetnotat om jobcentrenes drift", 14),
        ("Baggrund", BODY),
        ("Regnskab 2023 viste en afvigelse i forhold til korrigeret budget, og i", BODY),
        ("hensigtserklæringen står, at parterne er enige om, at titel og dato følger.", BODY),
        ("Risikovurdering", BODY),
        ("Der er ingen væsentlig risiko. Sagsnr. og venlig hilsen nævnes kun her.", BODY),
        ("Bevillingstekniske oplysninger", BODY),
        ("Tabel 2 – Udgifter (1.000 kr. – 2025 p/l)", BODY),
    ],
    "letter": [  # encloses a budget note and names its headings
        ("Dato: 20-03-2007", BODY),
        ("Sagsnr.: 2006-742", BODY),
        ("Dok.nr.: 2007-86327", BODY),
        ("Vedrørende budgetnotat og baggrund for tabel 1", 12),
        ("Vedlagt er budgetnotatet med risikovurdering og bevillingstekniske", BODY),
        ("oplysninger i 2018 p/l. Tabel 1 viser udgifterne.", BODY),
        ("Venlig hilsen", BODY),
        ("Direktør", BODY),
    ],
}


@pytest.mark.parametrize("doc_type", sorted(QUOTING))
def test_documents_quoting_another_kind_keep_their_own(doc_type: str) -> None:
    assert classify(make_document([QUOTING[doc_type]]))[0] == doc_type


def test_ocr_damage_left_by_the_corrector_still_counts() -> None:
    pages = [
        [
            ("Hensigtserklaeringer", 15),
            ("Titel Hensigtserklaering", BODY),
            ("Parteme er enige om, at forvaltningen skal", BODY),
        ]
    ]
    assert classify(make_document(pages))[0] == "intentions"


@pytest.mark.parametrize(
    "pages",
    [
        [[("Dagsorden for mødet i udvalget", 14), ("Punkt 1: Godkendelse af referat", BODY)]],
        [[]],
        [],
    ],
)
def test_documents_of_no_known_kind_are_unknown(pages: list) -> None:
    assert classify(make_document(pages))[0] == "unknown"


def test_title_is_the_largest_line_with_its_wrapped_lines() -> None:
    doc = make_document(
        [
            [
                ("KØBENHAVNS KOMMUNE", 16),
                ("Beskæftigelses- og Integrationsforvaltningen", 9),
                ("", 0),
                ("BI105 Svar vedr. budgetnotat for en lokalt", 14),
                ("forankret beskæftigelsesindsats", 14),
                ("", 0),
                ("Enhedslisten har bedt forvaltningen udarbejde et notat.", BODY),
                ("Baggrund", 11),
            ]
        ]
    )
    title = "BI105 Svar vedr. budgetnotat for en lokalt forankret beskæftigelsesindsats"
    assert first_title(doc) == title


def test_no_title_when_nothing_stands_out() -> None:
    doc = make_document([[("Bevilling", BODY), ("Service 1.100.691 160.631", BODY)]])
    assert first_title(doc) == ""
