"""Documents built byte by byte in the test, so each test shows exactly what goes in: a PDF
written by hand and a Word document written with python-docx."""

from __future__ import annotations

import io

from docx import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF written by hand: one Helvetica text line per string."""
    objects: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pages_number = 1 + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        ops = [b"BT /F1 12 Tf 72 720 Td 14 TL"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
        stream = b"\n".join([*ops, b"ET"])
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 1 0 R >> >> /Contents %d 0 R >>"
            % (pages_number, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids)))
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_number)
    catalog_number = len(objects)
    info = b""
    if title is not None:
        objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
        info = b" /Info %d 0 R" % len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog_number, info, xref)
    )
    return out.getvalue()


def make_docx(code: str) -> bytes:
    """A Word document with a title property, a heading, prose, `code` in a code style and bold
    text."""
    document = DocxDocument()
    document.core_properties.title = "Deployment notes"
    document.add_heading("Deploying the service", level=1)
    document.add_paragraph("Run this, then check the logs.")
    document.styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    for line in code.split("\n"):
        document.add_paragraph(line, style="Code")
    document.add_paragraph("That is ").add_run("all").bold = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
