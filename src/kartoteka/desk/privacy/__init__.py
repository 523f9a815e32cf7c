"""A customer's personal data on request (GDPR): the export of everything stored about an
account or a contact (right of access) and the erasure of a contact (right to erasure)."""
