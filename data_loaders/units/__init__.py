"""Administrative units: the 2025 catalogue of provinces and communes (vietnam-provinces) and matching the
names people type."""
