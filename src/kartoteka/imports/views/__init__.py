"""The import pages, by resource: the import and its rows (``imports``), its contacts file
(``contacts``)."""
