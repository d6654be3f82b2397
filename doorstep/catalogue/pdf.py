"""Printable guides with WeasyPrint. Chinese needs a CJK font, and WeasyPrint needs Pango: when
either is missing the guide says so plainly instead of printing empty boxes or failing."""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.utils.translation import gettext as _


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine; the message says what to install."""


@functools.lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...]:
    """Font families fontconfig knows for Chinese (``fc-list :lang=zh family``)."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()}))


def problem() -> str | None:
    """Why PDFs cannot be made here, or None when they can."""
    try:
        import weasyprint  # noqa: F401  (fails with OSError when Pango is missing)
    except (ImportError, OSError):
        return _(
            "PDFs cannot be made: WeasyPrint or its system libraries (Pango) are not "
            "installed on the server."
        )
    if not cjk_fonts():
        return _(
            "PDFs cannot be made: no Chinese font is installed on the server. Install one "
            "(for example the Debian package fonts-noto-cjk or fonts-wqy-microhei)."
        )
    return None


def render(html: str, *, base_url: str, stylesheet: str) -> bytes:
    """The PDF of ``html``, styled by ``stylesheet`` (a static file's name: print styles live
    with the others in ``static/css``)."""
    reason = problem()
    if reason:
        raise PdfUnavailable(reason)
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    css = CSS(filename=finders.find(stylesheet))
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[css])
