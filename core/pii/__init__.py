"""The detectors behind :mod:`core.redaction`: each finds one family of PII or secrets."""
