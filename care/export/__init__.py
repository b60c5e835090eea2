"""Export of a client's record (JSON, CSV, FHIR R4)."""
