"""Batch work over many sorted folders: quality control, reports, auto-labels, exports."""
