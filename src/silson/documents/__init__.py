"""Reading claim documents (영수증, 세부내역서, 처방전) into `silson-receipt/1` (claims-format.md §1).

Modules, one job each: `intake` (file type and hostile-file limits), `pdf` (text layer, rendering),
`imaging` (straighten, flatten light, ruled lines), `ocr` (tesseract), `layout` (labels and cells),
`forms` (the known forms), `values` (amounts, dates, 사업자등록번호), `checks` (the forms' arithmetic),
`receipt` (the output), `edocument` (structured e-documents), `service` (the use case).
"""

from silson.documents.errors import DocumentError, DocumentRefused, DocumentUnreadable
from silson.documents.service import read_document

__all__ = ["DocumentError", "DocumentRefused", "DocumentUnreadable", "read_document"]
