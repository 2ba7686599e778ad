"""Payment after adjudication: when a claim is due, what a late payment owes, and what was paid.

`calendar` counts Korean business days (영업일); `interest` computes late-payment interest (지연이자)
under Hi1701 공통조항 제9조 and its 부표1. See shared/domain/claims-and-documents.md §3.
"""
