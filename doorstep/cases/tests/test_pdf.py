"""The printed case documents: one per kind, built through the real actions, read back from the
PDF bytes (text with pypdf, the QR code module by module from the embedded image).

Each rendered PDF is also left in ``test-artifacts/`` for a human to look at."""

from __future__ import annotations

import datetime
import io
import re

import pytest
import segno
from django.urls import NoReverseMatch
from django.utils import formats
from django.utils.translation import get_language
from pypdf import PdfReader

from conftest import ARTIFACTS
from doorstep.cases import pdf
from doorstep.cases.actions import do_add_to_notice, do_transition
from doorstep.cases.models import CaseDocument
from doorstep.catalogue import pdf as catalogue_pdf

PUBLIC = "https://doorstep.example.cn"


@pytest.fixture
def printable(settings):
    """Skip, saying what to install, only when this machine cannot make PDFs at all."""
    catalogue_pdf.cjk_fonts.cache_clear()
    reason = pdf.problem()
    if reason:
        pytest.skip(reason)
    settings.DOORSTEP_PUBLIC_URL = PUBLIC
    yield
    catalogue_pdf.cjk_fonts.cache_clear()


@pytest.fixture
def phone(service):
    """An enquiry phone on the published version (immutable through save(), so an update)."""
    from doorstep.catalogue.models import ServiceVersion

    ServiceVersion.objects.filter(pk=service.published_version().pk).update(
        enquiry_phone="027-84561234"
    )
    return "027-84561234"


class Printed:
    def __init__(self, document: CaseDocument, data: bytes):
        self.document = document
        self.reader = PdfReader(io.BytesIO(data))
        raw = "".join(page.extract_text() for page in self.reader.pages)
        self.text = re.sub(r"\s+", " ", raw)  # English sentences, one space apart
        self.flat = re.sub(r"\s+", "", raw)  # Chinese and codes, whatever the line breaks
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"case-{document.kind}-{get_language()}.pdf").write_bytes(data)

    def has(self, *needles: str) -> bool:
        return all(re.sub(r"\s+", "", n) in self.flat for n in needles)


def url_for(receipt: str) -> str:
    return f"{PUBLIC}/cases/track/?receipt={receipt}"


def print_document(document: CaseDocument) -> Printed:
    document = CaseDocument.objects.select_related(*pdf.DOCUMENT_RELATED).get(pk=document.pk)
    url = pdf.tracking_url(None, document.case.receipt)
    return Printed(document, pdf.render_document_pdf(document, tracking_url=url))


def day(value: datetime.date) -> str:
    return formats.date_format(value)  # DATE_FORMAT in the active language, as printed


def qr_in(printed: Printed) -> list[list[bool]]:
    """The QR code printed on page 1, read back from the embedded image as a module matrix."""
    images = [i.image for i in printed.reader.pages[0].images]
    assert len(images) == 1, "exactly one image (the QR code) on the first page"
    image = images[0].convert("L")
    scale, border = pdf.QR_SCALE, pdf.QR_BORDER
    n = image.width // scale - 2 * border
    centre = scale // 2
    return [
        [image.getpixel(((border + c) * scale + centre, (border + r) * scale + centre)) < 128
         for c in range(n)]
        for r in range(n)
    ]  # fmt: skip


def qr_of(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]


def assert_common(printed: Printed, case) -> None:
    """What every document carries: kind, receipt number, QR to the tracking page, the
    resident with the ID number masked, the service, the clerk, the date."""
    kind = printed.document.get_kind_display()
    assert printed.reader.metadata.title == f"{kind} · {case.receipt}"
    assert printed.has(kind, case.receipt, "Scan to track your case")
    assert printed.has(case.resident.name, case.resident.id_masked, case.service.name)
    assert case.resident.id_number() not in printed.flat
    assert printed.has(url_for(case.receipt))
    assert qr_in(printed) == qr_of(url_for(case.receipt))
    assert printed.has("Clerk", "张", day(printed.document.issued_at.date()))


def test_receipt(printable, make_case, frozen, phone, personas):
    case = make_case("accept")
    printed = print_document(case.documents.get(kind="receipt"))
    assert_common(printed, case)
    assert case.due_on > case.accepted_on
    assert printed.has("Accepted on", day(case.accepted_on), "Due by", day(case.due_on))
    assert "10 working days" in printed.text
    clerk = personas.clerk_a.get_full_name() or personas.clerk_a.username
    assert printed.has("Accepted by", clerk, "Enquiries", phone)
    assert "Handled for the applicant" not in printed.text  # no agent: no agent row


def test_receipt_names_the_agent_and_the_consent(printable, make_case, frozen):
    case = make_case(
        "accept", agent_kind="family", agent_name="张小林", agent_relation="儿子", consent=True
    )
    printed = print_document(case.documents.get(kind="receipt"))
    assert printed.has("Handled for the applicant by", "张小林", "儿子")
    assert "consent is recorded" in printed.text


def test_pending_lists_what_follows_its_deadline_and_the_commitment(
    printable, make_case, materials, frozen
):
    case = make_case("accept_pending")
    document = case.documents.get(kind="pending")
    assert document.deadline <= document.due_on
    printed = print_document(document)
    assert_common(printed, case)
    assert printed.has(materials.proof.name, day(document.deadline), day(document.due_on))
    assert printed.has("Materials to follow", "Paper")  # the form of what follows
    assert "handling stops" in printed.text  # the consequence of missing the deadline
    assert printed.has("承诺签字", "Signature")
    assert materials.form.name not in printed.flat  # provided: not among what follows


def test_notice_lists_every_missing_material_once(printable, make_case, materials, frozen):
    case = make_case("notice")
    document = case.documents.get(kind="notice")
    missing = [item["name"] for item in document.items]
    assert materials.form.name in missing and materials.proof.name in missing
    printed = print_document(document)
    assert_common(printed, case)
    for name in missing:
        assert printed.flat.count(name) == 1, name
    assert materials.id_card.name not in printed.flat  # provided at the desk
    assert "complete list" in printed.text and "art. 32" in printed.text
    assert "one more trip is enough" in printed.text


def test_supplement_shows_the_added_material_and_why(printable, make_case, materials, personas,
                                                     frozen):  # fmt: skip
    case = make_case("notice")
    first = case.documents.get(kind="notice")
    frozen.shift(datetime.timedelta(days=1))
    reason = "申请人由家属代办，首次告知时未说明"
    document = do_add_to_notice(
        case, actor=personas.clerk_a, materials=[materials.proxy.pk], reason=reason
    )
    printed = print_document(document)
    assert_common(printed, case)
    assert printed.has(materials.proxy.name, reason, "Why they were not in the first notice")
    assert printed.has("Adds to the one-time notice of", day(first.issued_at.date()))
    assert materials.form.name not in printed.flat  # only what was added


def test_correction_says_what_to_correct(printable, make_case, materials, personas, frozen):
    case = make_case("accept")
    reason = "申请表签名缺失，请本人重新签字"
    do_transition(
        case, "request_materials", actor=personas.clerk_a, reason=reason,
        materials=[materials.form.pk],
    )  # fmt: skip
    printed = print_document(case.documents.get(kind="correction"))
    assert_common(printed, case)
    assert printed.has("What to correct", reason, "Materials still needed", materials.form.name)
    assert "time limit stops" in printed.text


def test_correction_without_materials(printable, make_case, personas, frozen):
    case = make_case("accept")
    do_transition(case, "request_materials", actor=personas.clerk_a, reason="请说明收入来源")
    printed = print_document(case.documents.get(kind="correction"))
    assert printed.has("请说明收入来源", "No further materials")


def test_refusal_gives_the_reason_and_the_remedy(printable, make_case, frozen):
    case = make_case("refuse")
    printed = print_document(case.documents.get(kind="refusal"))
    assert_common(printed, case)
    assert printed.has("Reason", "不属于本事项办理范围", "Date of decision")
    assert "administrative reconsideration" in printed.text
    assert "administrative lawsuit" in printed.text


def test_a_department_rejection_prints_its_decision(printable, make_case, personas, frozen):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    do_transition(case, "reject", actor=personas.reviewer, reason="家庭收入超过补贴标准")
    printed = print_document(case.documents.get(kind="decision"))
    assert_common(printed, case)
    assert printed.has("Decision not to approve", "家庭收入超过补贴标准", "民政")
    assert printed.has("Date of decision")
    assert "is not approved" in printed.text
    assert "administrative reconsideration" in printed.text


def test_a_different_receipt_gives_a_different_code(printable, make_case, frozen):
    """The QR comparison can fail: another case's address is another code."""
    one, two = make_case("accept"), make_case("refuse")
    assert qr_in(print_document(one.documents.get())) != qr_of(url_for(two.receipt))


def test_prints_in_chinese(printable, make_case, settings, frozen):
    settings.LANGUAGE_CODE = "zh-hans"
    case = make_case("accept")
    data = pdf.render_document_pdf(
        case.documents.get(), tracking_url=pdf.tracking_url(None, case.receipt)
    )
    printed = Printed(case.documents.get(), data)
    assert printed.has(case.receipt, case.service.name, case.resident.name)
    assert printed.has(f"{case.due_on.year}年{case.due_on.month}月{case.due_on.day}日")
    assert qr_in(printed) == qr_of(url_for(case.receipt))


def test_one_query_for_everything_printed(printable, make_case, django_assert_num_queries, frozen):
    case = make_case("accept")
    document = CaseDocument.objects.select_related(*pdf.DOCUMENT_RELATED).get(case=case)
    with django_assert_num_queries(0):
        pdf.render_document_pdf(document, tracking_url=url_for(case.receipt))


def test_no_chinese_font_says_what_to_install(make_case, monkeypatch, frozen):
    case = make_case("accept")
    monkeypatch.setattr(catalogue_pdf, "cjk_fonts", lambda: ())
    with pytest.raises(pdf.PdfUnavailable, match="no Chinese font is installed"):
        pdf.render_document_pdf(case.documents.get(), tracking_url="/cases/track/")


# ---- the tracking address ----------------------------------------------------------------------


def test_tracking_url_prefers_the_public_address(settings, rf):
    settings.DOORSTEP_PUBLIC_URL = "https://jiamenkou.example.cn/"
    url = pdf.tracking_url(rf.get("/"), "20261201-ACDEFG")
    assert url == "https://jiamenkou.example.cn/cases/track/?receipt=20261201-ACDEFG"


def test_tracking_url_from_the_request(settings, rf):
    settings.DOORSTEP_PUBLIC_URL = ""
    url = pdf.tracking_url(rf.get("/"), "20261201-ACDEFG")
    assert url == "http://testserver/cases/track/?receipt=20261201-ACDEFG"


def test_tracking_url_without_request_or_setting_is_a_path(settings):
    settings.DOORSTEP_PUBLIC_URL = ""
    assert pdf.tracking_url(None, "X") == "/cases/track/?receipt=X"


def test_tracking_url_uses_the_url_name_when_there_is_one(settings, monkeypatch):
    settings.DOORSTEP_PUBLIC_URL = "https://a.example"
    monkeypatch.setattr(pdf, "reverse", lambda name: {"cases-track": "/t/"}[name])
    assert pdf.tracking_url(None, "R 1") == "https://a.example/t/?receipt=R+1"

    def missing(name):
        raise NoReverseMatch(name)

    monkeypatch.setattr(pdf, "reverse", missing)
    assert pdf.tracking_url(None, "R") == "https://a.example/cases/track/?receipt=R"


def test_a_receipt_for_someone_without_a_mobile_says_how_to_track(printable, make_case, frozen):
    case = make_case("accept")  # 张景林 has no mobile on record
    assert not case.resident.phone
    printed = print_document(case.documents.get(kind="receipt"))
    assert "without a mobile phone" in printed.text
    assert "last 4 characters of your ID number, or your full name" in printed.text
    assert "last four digits of your phone number" not in printed.text


def test_a_receipt_for_someone_with_a_mobile_names_its_digits(
    printable, make_case, make_resident, frozen
):
    case = make_case("accept", resident=make_resident("李秀英", mobile="13812345678"))
    printed = print_document(case.documents.get(kind="receipt"))
    assert "last four digits of your phone number" in printed.text
    assert "without a mobile phone" not in printed.text
